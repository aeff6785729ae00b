"""The control plane: set the mock up and look inside it, apart from the Gigya API.

Reachable two ways with the same behaviour:
- Python: :class:`MockControl` methods (``add_site``, ``add_app_key``, ``set_policies``, ``seed``,
  ``state``, ``reset``, ``faults``), inherited by the in-process mock and the ``MockServer`` helper;
- HTTP: ``/__mock__/<action>`` with a JSON body in and JSON out (like moto's ``/moto-api/``):

  ==========================  ====================================================================
  ``POST /__mock__/reset``    wipe everything, then re-create the start-up sites and keys
  ``POST /__mock__/sites``    ``{"apiKey", "dataCenter", "partnerId", "secret", "userKey",
                              "policies", "schema"}``: add a site (and an app key if ``userKey``)
  ``POST /__mock__/keys``     ``{"userKey", "secret", "partnerId", "publicKey"}``: add an app key
  ``POST /__mock__/policies`` ``{"apiKey", "policies": {...}}``: merge policies into a site
  ``POST /__mock__/seed``     ``{"apiKey", "count", "algorithms": {"md5": 1, "bcrypt": 1},
                              "seed", "password", "includePasswords"}``: faker accounts
  ``POST /__mock__/accounts`` ``{"apiKey", "account": {...}}``: store one account as given
  ``GET  /__mock__/state``    sites, app keys (never secrets), account counts, faults
  ``GET|POST|DELETE /__mock__/faults``  read, add (``{"script": [...], "random": {...}}``), clear
  ``GET  /__mock__/emails``   ``{"emails": [...]}``: verification and password-reset mails "sent", oldest
                              first (optional body ``{"apiKey", "to", "type"}`` filters them)
  ``GET  /__mock__/webhooks`` ``{"deliveries": [...]}``: every webhook delivery attempt (optional body
                              ``{"apiKey", "event"}``)
  ==========================  ====================================================================

Errors answer ``{"error": "..."}`` with HTTP 400 (bad input) or 404 (unknown action).
"""

from __future__ import annotations

import json
from typing import Any, Callable, Mapping

from mock_gigya import defaults
from mock_gigya.faults import FaultInjector
from mock_gigya.rate_cap import RateCap

__all__ = ["CONTROL_PREFIX", "ControlError", "MockControl"]

CONTROL_PREFIX = "/__mock__/"


class ControlError(Exception):
    """A control-plane request that cannot be carried out (answered with HTTP ``status``)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _new_backend(db_path: str) -> Any:
    from mock_gigya.backend import Backend  # lazy: the plugin imports this module cheaply

    return Backend(db_path=db_path)


class MockControl:
    """Set-up and inspection helpers over one backend and one fault injector.

    ``startup`` sites and keys (by default the ones in :mod:`mock_gigya.defaults`) are created now
    and again after every :meth:`reset`, so a reset mock still answers its advertised credentials.
    """

    def __init__(
        self,
        backend: Any = None,
        faults: FaultInjector | None = None,
        *,
        db_path: str = ":memory:",
        startup: Callable[["MockControl"], None] | None = None,
        default_site: bool = True,
        rate_cap: RateCap | None = None,
    ) -> None:
        self.backend = backend if backend is not None else _new_backend(db_path)
        self.faults = faults if faults is not None else FaultInjector()
        self.rate_cap = rate_cap if rate_cap is not None else RateCap()
        self._startup = startup if startup is not None else (add_default_site if default_site else None)
        self._run_startup()

    # -- Python helpers --------------------------------------------------------------------------
    def add_site(
        self,
        api_key: str,
        *,
        user_key: str | None = None,
        secret: str | None = None,
        data_center: str = defaults.DEFAULT_DATA_CENTER,
        partner_id: Any = None,
        policies: Mapping[str, Any] | None = None,
        schema: Mapping[str, Any] | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Any:
        """Add a site; with ``user_key`` also an application key (``secret``) valid for it.
        ``options``: :mod:`mock_gigya.site_options` switches for this site.

        Without ``user_key``, ``secret`` is the site's own secret (the backend makes one if None).
        """
        settings = {"data_center": data_center, "secret": secret, "policies": policies, "schema": schema}
        if partner_id is not None:
            settings["partner_id"] = partner_id
        if options:
            settings["options"] = dict(options)
        site = self.backend.add_site(api_key, **settings)
        self.rate_cap.forget(api_key)  # its rateCap option may have changed
        if user_key:
            self.add_app_key(user_key, secret, partner_id=_partner_of(site, partner_id))
        return site

    def add_app_key(self, user_key: str, secret: str | None = None, *, partner_id: Any = None,
                    public_key: str | None = None) -> Any:
        """Add an application key (userKey + secret, or a PEM ``public_key`` for JWT bearer calls)."""
        options: dict[str, Any] = {}
        if partner_id is not None:
            options["partner_id"] = partner_id
        if public_key is not None:
            options["public_key"] = public_key
        return self.backend.add_app_key(user_key, secret, **options)

    def set_policies(self, api_key: str, policies: Mapping[str, Any]) -> Any:
        """Merge ``policies`` (accounts.setPolicies sections) into the site's policies."""
        return self.backend.set_policies(api_key, dict(policies))

    def seed_account(self, api_key: str, **fields: Any) -> Any:
        """Store one account exactly as given (``UID``, ``profile``, ``password``, ...)."""
        return self.backend.seed_account(api_key, **fields)

    def seed(self, api_key: str, count: int, **options: Any) -> Any:
        """Seed ``count`` faker accounts; see :func:`mock_gigya.seed.seed_accounts` for ``options``."""
        from mock_gigya.seed import seed_accounts

        return seed_accounts(self.backend, api_key, count, **options)

    def accounts(self, api_key: str) -> Any:
        """The site's accounts, for assertions: ``.find(email=...)``, ``.all()``, ``.count()``."""
        return self.backend.accounts(api_key)

    def reset(self) -> None:
        """Wipe every site, key, account, fault and queued webhook, then re-create the start-up sites and keys."""
        from mock_gigya import webhooks

        self.backend.reset()
        self.faults.clear()
        if hasattr(self.backend, "store"):
            webhooks.reset(self.backend)
        self.rate_cap.clear()
        self._run_startup()

    # -- application flows: mails and webhooks -------------------------------------------------
    def emails(self, api_key: str | None = None, *, to: str | None = None, type: str | None = None) -> list[dict]:
        """Mails the mock "sent" (oldest first): ``{"type": "emailVerification" | "passwordReset", "to",
        "UID", "apiKey", "sentAt", "link", "token"}``, optionally of one site, recipient or type."""
        from mock_gigya import mailbox

        return mailbox.messages(self.backend, api_key=api_key, to=to, mail_type=type)

    def last_email(self, to: str | None = None, *, type: str | None = None, api_key: str | None = None) -> dict:
        """The newest mail matching the filters; ``LookupError`` naming them when there is none."""
        found = self.emails(api_key, to=to, type=type)
        if not found:
            raise LookupError(f"mock_gigya sent no email (to={to!r}, type={type!r}, apiKey={api_key!r})")
        return found[-1]

    def webhook_deliveries(self, event: str | None = None, *, api_key: str | None = None) -> list[dict]:
        """Every webhook delivery attempt so far: ``url``, ``webhook``, ``attempt``, ``body`` (the parsed
        notification), ``headers`` (with the signatures), ``status``, ``error``."""
        from mock_gigya import webhooks

        return webhooks.deliveries(self.backend, event_type=event, api_key=api_key)

    def wait_for_webhooks(self, timeout: float = 10.0) -> bool:
        """Block until no webhook notification is queued, in flight or waiting for a resend; False on timeout."""
        from mock_gigya import webhooks

        return webhooks.drain(self.backend, timeout)

    def webhook_retry_scale(self, scale: float) -> None:
        """Multiply Gigya's resend intervals (0.001 turns the one-hour schedule into 3.6 s) for tests."""
        from mock_gigya import webhooks

        webhooks.configure(self.backend, time_scale=scale)

    def state(self) -> dict[str, Any]:
        """Sites (with account counts), app keys without secrets, and the fault settings."""
        sites = [{"apiKey": site.api_key, "dataCenter": site.data_center, "partnerId": site.partner_id,
                  "accounts": self.backend.accounts(site.api_key).count()} for site in self.backend.sites()]
        keys = [{"userKey": record["userKey"], "partnerId": record.get("partnerId"),
                 "secret": bool(record.get("secret")), "publicKey": bool(record.get("publicKey"))}
                for record in self.backend.app_keys()]
        return {"sites": sites, "appKeys": keys, "faults": self.faults.state(), "rateCap": self.rate_cap.state()}

    def _run_startup(self) -> None:
        if self._startup is not None:
            self._startup(self)

    # -- HTTP ------------------------------------------------------------------------------------
    def handle_control(self, http_method: str, path: str, body: bytes | str | None) -> tuple[int, dict]:
        """Answer one ``/__mock__/...`` request: ``(http_status, json_body)``; never raises."""
        action = path[len(CONTROL_PREFIX):].strip("/") if path.startswith(CONTROL_PREFIX) else ""
        route = _ROUTES.get((http_method.upper(), action))
        try:
            if route is None:
                raise ControlError(f"no control action {http_method.upper()} {CONTROL_PREFIX}{action}", 404)
            return 200, route(self, _json_body(body))
        except ControlError as exc:
            return exc.status, {"error": str(exc)}
        except (TypeError, ValueError, KeyError) as exc:
            return 400, {"error": f"{type(exc).__name__}: {exc}"}
        except Exception as exc:  # a backend refusal (unknown site, duplicate key ...) is still bad input
            return 400, {"error": f"{type(exc).__name__}: {exc}"}


def _partner_of(site: Any, given: Any) -> Any:
    if given is not None:
        return given
    return getattr(site, "partner_id", None) if site is not None else None


def add_default_site(control: MockControl) -> None:
    """The site and key a fresh mock answers to (:mod:`mock_gigya.defaults`); kept as they are when a
    ``db_path`` file already holds them (re-adding would replace the site's policies)."""
    if not control.backend.has_site(defaults.DEFAULT_API_KEY):
        control.add_site(defaults.DEFAULT_API_KEY, secret=defaults.DEFAULT_SECRET,
                         data_center=defaults.DEFAULT_DATA_CENTER)
    if control.backend.app_key(defaults.DEFAULT_USER_KEY) is None:
        control.add_app_key(defaults.DEFAULT_USER_KEY, defaults.DEFAULT_SECRET,
                            partner_id=control.backend.site(defaults.DEFAULT_API_KEY).partner_id)


def _json_body(body: bytes | str | None) -> dict[str, Any]:
    if not body:
        return {}
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ControlError(f"body is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ControlError("body must be a JSON object")
    return value


def _required(payload: Mapping[str, Any], name: str) -> Any:
    if payload.get(name) in (None, ""):
        raise ControlError(f"missing {name!r}")
    return payload[name]


def _post_reset(control: MockControl, payload: dict) -> dict:
    control.reset()
    return {"ok": True}


def _post_site(control: MockControl, payload: dict) -> dict:
    control.add_site(
        _required(payload, "apiKey"),
        user_key=payload.get("userKey"),
        secret=payload.get("secret"),
        data_center=payload.get("dataCenter") or defaults.DEFAULT_DATA_CENTER,
        partner_id=payload.get("partnerId"),
        policies=payload.get("policies"),
        schema=payload.get("schema"),
        options=payload.get("options"),
    )
    return {"ok": True, "apiKey": payload["apiKey"]}


def _post_key(control: MockControl, payload: dict) -> dict:
    control.add_app_key(_required(payload, "userKey"), payload.get("secret"),
                        partner_id=payload.get("partnerId"), public_key=payload.get("publicKey"))
    return {"ok": True, "userKey": payload["userKey"]}


def _post_policies(control: MockControl, payload: dict) -> dict:
    policies = _required(payload, "policies")
    if not isinstance(policies, dict):
        raise ControlError("'policies' must be an object")
    control.set_policies(_required(payload, "apiKey"), policies)
    return {"ok": True}


def _post_seed(control: MockControl, payload: dict) -> dict:
    report = control.seed(
        _required(payload, "apiKey"),
        int(_required(payload, "count")),
        algorithms=payload.get("algorithms") or None,
        seed=int(payload.get("seed", 0)),
        password=payload.get("password"),
    )
    return report.to_dict(include_passwords=bool(payload.get("includePasswords")))


def _post_account(control: MockControl, payload: dict) -> dict:
    account = _required(payload, "account")
    if not isinstance(account, dict):
        raise ControlError("'account' must be an object")
    stored = control.seed_account(_required(payload, "apiKey"), **account)
    uid = stored.get("UID") if isinstance(stored, dict) else getattr(stored, "uid", None)
    return {"ok": True, "UID": uid}


def _get_state(control: MockControl, payload: dict) -> dict:
    return control.state()


def _get_faults(control: MockControl, payload: dict) -> dict:
    return control.faults.state()


def _post_faults(control: MockControl, payload: dict) -> dict:
    """``{"script": [{"method", "times", "error" | "httpStatus" | "timeout" | "drop", "delay"}],
    "random": {"latency", "jitter", "rateLimitProb", ...}, "timeoutSeconds": s}``."""
    for entry in payload.get("script") or []:
        control.faults.script(**_snake(entry))
    if payload.get("random"):
        control.faults.configure(**_snake(payload["random"]))
    if payload.get("timeoutSeconds") is not None:
        control.faults.timeout_seconds = float(payload["timeoutSeconds"])
    return control.faults.state()


def _get_emails(control: MockControl, payload: dict) -> dict:
    return {"emails": control.emails(payload.get("apiKey"), to=payload.get("to"), type=payload.get("type"))}


def _get_webhooks(control: MockControl, payload: dict) -> dict:
    return {"deliveries": control.webhook_deliveries(payload.get("event"), api_key=payload.get("apiKey"))}


def _delete_faults(control: MockControl, payload: dict) -> dict:
    control.faults.clear()
    return control.faults.state()


def _snake(entry: Mapping[str, Any]) -> dict[str, Any]:
    """``rateLimitProb`` -> ``rate_limit_prob``; the JSON side is camelCase like Gigya's."""
    out = {}
    for key, value in entry.items():
        out["".join("_" + c.lower() if c.isupper() else c for c in key)] = value
    return out


_ROUTES: dict[tuple[str, str], Callable[[MockControl, dict], dict]] = {
    ("POST", "reset"): _post_reset,
    ("POST", "sites"): _post_site,
    ("POST", "keys"): _post_key,
    ("POST", "policies"): _post_policies,
    ("POST", "seed"): _post_seed,
    ("POST", "accounts"): _post_account,
    ("GET", "state"): _get_state,
    ("GET", "faults"): _get_faults,
    ("POST", "faults"): _post_faults,
    ("DELETE", "faults"): _delete_faults,
    ("GET", "emails"): _get_emails,
    ("GET", "webhooks"): _get_webhooks,
}
