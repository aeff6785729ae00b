"""The console's WSGI side: who may see it, where it is served, routing, forms and answers.

Guards, in order, for every ``/__mock__/ui`` request:

1. **Address**: only a request addressed to the address the server listens on (its ``Host``
   header names that host and port, or ``localhost`` / ``127.0.0.1`` for a loopback server) gets
   the console; a request naming another host (a Gigya host sent to the mock as a proxy, or a
   DNS-rebinding name) gets 404, so a web page elsewhere cannot reach it through the browser.
2. **Token** (:class:`mock_gigya.access.ControlAccess`, the control plane's own rule): when the
   control plane is locked, ``/__mock__/ui?token=T`` with the right token sets the ``mock_token``
   cookie (HttpOnly, SameSite=Strict) and redirects to the same page without it; without the token
   the console shows only a page asking for it, and no data (a client that does not ask for HTML
   gets the control plane's JSON 401 instead).
3. **Forms**: every POST carries the console's form key (a random value printed into its own
   forms) and, when the browser sends ``Origin``, must come from the console's own origin.
   Reset and seed first show a confirmation page; they act only on its confirm button.
"""

from __future__ import annotations

import secrets
from http import HTTPStatus
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs, urlencode, urlsplit

from mock_gigya.console import pages

__all__ = ["CONSOLE_PATH", "Console"]

CONSOLE_PATH = "/__mock__/ui"
from mock_gigya.access import COOKIE_NAME  # the control plane's own cookie
_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
_MAX_FORM = 64 * 1024


class _Request:
    """What a handler needs of one request: method, page, query and form fields."""

    def __init__(self, environ: dict) -> None:
        self.environ = environ
        self.method = environ.get("REQUEST_METHOD", "GET").upper()
        self.page = environ.get("PATH_INFO", "")[len(CONSOLE_PATH):].strip("/") or "home"
        self.query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items()}
        self.form = self._form() if self.method == "POST" else {}

    def _form(self) -> dict[str, str]:
        try:
            length = min(int(self.environ.get("CONTENT_LENGTH") or 0), _MAX_FORM)
        except ValueError:
            length = 0
        body = self.environ["wsgi.input"].read(length).decode("utf-8", "replace") if length else ""
        return {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}

    def get(self, name: str, default: str = "") -> str:
        """A form field, else a query parameter, stripped."""
        return str(self.form.get(name, self.query.get(name, default))).strip()


class Console:
    """The web console over one :class:`mock_gigya.control.MockControl`.

    ``access`` returns the server's current ``ControlAccess`` (or None: open), read per request so
    the console follows the server's rule rather than keeping its own.
    """

    def __init__(self, control: Any, access: Callable[[], Any] = lambda: None) -> None:
        self.control = control
        self._access = access
        self.form_key = secrets.token_urlsafe(18)

    # -- WSGI --------------------------------------------------------------------------------
    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not _addressed_to_us(environ):
            return _send(start_response, 404, pages.message_page(
                "Not here", "The mock-gigya console answers only on the address the server listens on."))
        access = self._access()
        request = _Request(environ)
        if access is not None and access.locked and not access.allows(environ):
            return self._locked(request, access, start_response)
        if request.method == "POST" and not self._form_ok(request):
            return _send(start_response, 403, pages.message_page(
                "Refused", "This form did not come from this console (stale page or another site): reload and retry."))
        try:
            status, body, location = self._route(request)
        except Exception as exc:  # noqa: BLE001 - the console shows what went wrong, never a traceback
            status, body, location = 400, pages.message_page("Could not do that", f"{type(exc).__name__}: {exc}"), None
        if location:
            return _redirect(start_response, location)
        return _send(start_response, status, body)

    def _locked(self, request: _Request, access: Any, start_response: Callable) -> Iterable[bytes]:
        token = request.query.get("token")
        if token and access.allows({"HTTP_X_MOCK_TOKEN": token}):
            rest = {k: v for k, v in request.query.items() if k != "token"}
            target = request.environ.get("PATH_INFO", CONSOLE_PATH) + (f"?{urlencode(rest)}" if rest else "")
            cookie = f"{COOKIE_NAME}={token}; Path=/__mock__/; HttpOnly; SameSite=Strict"
            return _redirect(start_response, target, [("Set-Cookie", cookie)])
        if "text/html" not in request.environ.get("HTTP_ACCEPT", ""):  # a script, not a browser: the control
            from mock_gigya import transport                              # plane's own JSON 401
            from mock_gigya.access import unauthorized_body

            body = transport.json_bytes(unauthorized_body())
            start_response("401 Unauthorized", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return _send(start_response, 401, pages.token_page(wrong=bool(token)))

    def _form_ok(self, request: _Request) -> bool:
        if not secrets.compare_digest(request.form.get("formKey", ""), self.form_key):
            return False
        origin = request.environ.get("HTTP_ORIGIN")
        host = request.environ.get("HTTP_HOST", "")
        return origin is None or urlsplit(origin).netloc.lower() == host.lower()

    # -- routing -----------------------------------------------------------------------------
    def _route(self, request: _Request) -> tuple[int, str, str | None]:
        view = pages.Views(self.control, self.form_key)
        handlers = {
            ("GET", "home"): lambda: view.home(done=request.get("done")),
            ("GET", "accounts"): lambda: view.accounts(request.get("site"), request.get("q"), _int(request.get("page")),
                                                       done=request.get("done")),
            ("GET", "account"): lambda: view.account(request.get("site"), request.get("uid"),
                                                     reveal=request.get("reveal") == "hash"),
            ("GET", "audit"): lambda: view.audit(request.get("site"), endpoint=request.get("endpoint"),
                                                 uid=request.get("uid"), errors_only=request.get("errors") == "1",
                                                 call_id=request.get("callID")),
            ("GET", "faults"): lambda: view.faults(done=request.get("done")),
            ("GET", "reset"): lambda: view.confirm_reset(),
            ("GET", "seed"): lambda: view.seed_form(request.get("site")),
        }
        if (request.method, request.page) in handlers:
            return 200, handlers[(request.method, request.page)](), None
        if request.method == "POST":
            return self._act(request, view)
        return 404, pages.message_page("No such page", f"{request.page!r} is not a console page."), None

    def _act(self, request: _Request, view: "pages.Views") -> tuple[int, str, str | None]:
        """POST actions; each redirects to the page that shows its effect (post/redirect/get)."""
        if request.page == "faults":
            message = pages.apply_fault_form(self.control.faults, request.form)
            return 303, "", f"{CONSOLE_PATH}/faults?{urlencode({'done': message})}"
        if request.page == "reset":
            if request.form.get("confirm") != "yes":
                return 200, view.confirm_reset(), None
            self.control.reset()
            return 303, "", f"{CONSOLE_PATH}?{urlencode({'done': 'The mock was reset: start-up sites and keys only.'})}"
        if request.page == "seed":
            if request.form.get("confirm") != "yes":
                return 200, view.seed_form(request.get("site"), pending=request.form), None
            site, count = request.get("site"), _int(request.get("count"), 10)
            seed = _int(request.get("seed"), secrets.randbelow(1 << 30))  # default: new people each time
            self.control.seed(site, count, algorithms=pages.parse_mix(request.get("algorithms")), seed=seed)
            done = f"Seeded {count} accounts into {site}."
            return 303, "", f"{CONSOLE_PATH}/accounts?{urlencode({'site': site, 'done': done})}"
        return 404, pages.message_page("No such action", f"POST {request.page!r} is not a console action."), None


def _int(text: str, default: int = 0) -> int:
    try:
        return max(0, int(text))
    except (TypeError, ValueError):
        return default


def _addressed_to_us(environ: dict) -> bool:
    """The request names the host and port the server listens on (see the module docstring)."""
    if not environ.get("PATH_INFO", "").startswith("/"):  # a proxy request for another host's URL
        return False
    bound, port = str(environ.get("SERVER_NAME", "")).lower().strip("[]"), str(environ.get("SERVER_PORT", ""))
    host = str(environ.get("HTTP_HOST", "")).lower()
    name, given_port = (host, "") if ":" not in host or host.endswith("]") else host.rsplit(":", 1)
    name = name.strip("[]")
    if given_port and given_port != port:
        return False
    if bound in ("0.0.0.0", "::", ""):  # every interface: any name but Gigya's (the token guards it)
        from mock_gigya import transport

        return not transport.is_gigya_host(name)
    loopback = bound.startswith("127.") or bound in _LOOPBACK_NAMES
    return name == bound or (loopback and name in _LOOPBACK_NAMES)


def _headers(body: bytes, extra: list[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    return [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"), ("X-Frame-Options", "DENY"), ("Referrer-Policy", "same-origin"),
            ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                                        "form-action 'self'; frame-ancestors 'none'"), *extra]


def _send(start_response: Callable, status: int, text: str) -> list[bytes]:
    body = text.encode("utf-8")
    start_response(f"{status} {HTTPStatus(status).phrase}", _headers(body))
    return [body]


def _redirect(start_response: Callable, location: str, extra: list[tuple[str, str]] = ()) -> list[bytes]:
    start_response("303 See Other", [("Location", location), ("Content-Length", "0"), *extra])
    return [b""]
