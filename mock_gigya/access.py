"""Who may use ``/__mock__/*``: the control plane and the web console.

The control plane reads every stored hash, hands out seeded cleartext passwords, registers app
keys, sets faults and wipes the store. On loopback that is the point (tests and rehearsals on one
machine); bound beyond loopback (``--host 0.0.0.0``, ``::``, a LAN address) anyone who reaches the
port could do it, so a token is then required. It is generated if not given and printed once when
the server starts.

A request carries the token in any of these (so curl, the ``mock-gigya`` CLI and a browser all work):

- header ``X-Mock-Token: T``;
- header ``Authorization: Bearer T``;
- cookie ``mock_token=T`` (the web console sets it from ``/__mock__/ui?token=T``).

The server holds one instance as ``MockApp.access`` (:class:`mock_gigya.server.MockApp`, also
``MockServer.access``); an unauthorized ``/__mock__/*`` request is answered HTTP 401 with
:func:`unauthorized_body`. The in-process mock has no listener, so it has no token.
"""

from __future__ import annotations

import hmac
import secrets
from http.cookies import CookieError, SimpleCookie

from gigya_migrate.loopback import is_loopback_host  # one definition for the client and the mock

__all__ = ["COOKIE_NAME", "ENV_VAR", "HEADER_NAME", "ControlAccess", "is_loopback_host", "unauthorized_body"]

HEADER_NAME = "X-Mock-Token"
COOKIE_NAME = "mock_token"
ENV_VAR = "MOCK_GIGYA_CONTROL_TOKEN"


class ControlAccess:
    """Who may use ``/__mock__/*`` (control plane and web console).

    ``token`` is ``None`` when access is open: the server listens on loopback only and no token was
    given. Otherwise every ``/__mock__/*`` request must carry it (see the module docstring).
    """

    def __init__(self, token: str | None = None) -> None:
        if token is not None and not token.strip():
            raise ValueError("a control token cannot be empty")
        self.token = token
        self.generated = False  # True when for_bind made the token up (the banner says so)

    @classmethod
    def for_bind(cls, host: str, token: str | None = None) -> "ControlAccess":
        """The access rule for a server listening on ``host``.

        Loopback: open unless ``token`` is given. Anything else: ``token``, or a new random one
        (``secrets.token_urlsafe``) when none is given.
        """
        if token:
            return cls(token)
        if is_loopback_host(host):
            return cls(None)
        access = cls(secrets.token_urlsafe(24))
        access.generated = True
        return access

    @property
    def locked(self) -> bool:
        """True when a token is required."""
        return self.token is not None

    def allows(self, environ: dict) -> bool:
        """True when open, or the WSGI request carries the token (header, bearer or cookie)."""
        if self.token is None:
            return True
        return any(self.accepts(candidate) for candidate in _presented(environ))

    def accepts(self, candidate: str | None) -> bool:
        """True when ``candidate`` is the token (constant-time), or access is open."""
        if self.token is None:
            return True
        if not candidate:
            return False
        return hmac.compare_digest(candidate.encode("utf-8", "surrogatepass"), self.token.encode("utf-8"))

    def __repr__(self) -> str:  # never the token itself
        return f"ControlAccess(locked={self.locked})"


def _presented(environ: dict) -> list[str | None]:
    """Every token the request offers: X-Mock-Token, Authorization: Bearer, cookie mock_token."""
    bearer = environ.get("HTTP_AUTHORIZATION") or ""
    scheme, _, value = bearer.strip().partition(" ")
    return [
        (environ.get("HTTP_X_MOCK_TOKEN") or "").strip(),
        value.strip() if scheme.lower() == "bearer" else None,
        _cookie(environ.get("HTTP_COOKIE") or ""),
    ]


def _cookie(header: str) -> str | None:
    try:
        morsel = SimpleCookie(header).get(COOKIE_NAME)
    except CookieError:
        return None
    return morsel.value if morsel is not None else None


def unauthorized_body() -> dict:
    """The JSON answer (HTTP 401) to a ``/__mock__/*`` request without the right token."""
    return {
        "error": "the mock-gigya control plane needs its token (this server listens beyond loopback)",
        "howToPassToken": (f"send header '{HEADER_NAME}: <token>' or 'Authorization: Bearer <token>', or cookie "
                           f"'{COOKIE_NAME}=<token>'; the mock-gigya CLI takes --control-token or {ENV_VAR}. "
                           "The token was printed when the server started (mock-gigya serve --control-token "
                           f"or {ENV_VAR} sets it)."),
    }
