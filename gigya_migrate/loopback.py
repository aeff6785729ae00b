"""Which addresses stay on this machine, and the rule that a secret never leaves it in clear text.

``GigyaClient`` with ``user_key`` + ``secret`` (not signed) sends ``secret=`` as a form parameter.
Over https that is what Gigya documents; over plain http to another machine it would put the
secret on the wire readable by anyone on the path. So that combination is refused before any
call (:func:`refuse_clear_secret`), naming the fixes: use https, sign the requests
(``sign_requests=True`` / ``--sign-requests``: timestamp + nonce + HMAC-SHA1, the secret is never
sent) or point at a mock on loopback. Plain http to loopback (a local ``mock-gigya serve``) is
allowed: nothing leaves the machine.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

__all__ = ["ClearTextSecret", "is_loopback_host", "is_loopback_url", "refuse_clear_secret"]

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


class ClearTextSecret(ValueError):
    """The client was asked to send its secret over plain http to a host off this machine."""


def is_loopback_host(host: str | None) -> bool:
    """True for a name or address only this machine can reach (127.0.0.0/8, ::1, localhost).

    ``""``, ``0.0.0.0`` and ``::`` mean every interface, so they are not loopback.
    """
    name = (host or "").strip().strip("[]").lower()
    if name in _LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool((mapped or address).is_loopback)


def is_loopback_url(url: str) -> bool:
    """True when ``url``'s host is loopback."""
    return is_loopback_host(urlsplit(url).hostname)


def refuse_clear_secret(url: str | None, *, sends_secret: bool) -> None:
    """Raise :class:`ClearTextSecret` when ``secret=`` would travel in clear text off the machine."""
    if not url or not sends_secret:
        return
    parts = urlsplit(url.strip())
    if parts.scheme.lower() == "https" or is_loopback_host(parts.hostname):
        return
    raise ClearTextSecret(
        f"refusing to send the secret in clear text to {parts.scheme}://{parts.netloc}: use an https:// base URL, "
        "or sign the requests instead (--sign-requests / sign_requests=True: the secret is never sent), "
        "or point at a mock on this machine (http://127.0.0.1:PORT)"
    )
