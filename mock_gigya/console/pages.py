"""The console's pages: plain server-rendered HTML (no script), read through the control plane.

Every page is built from :class:`mock_gigya.control.MockControl` (``state()``, ``faults``) and its
backend's own calls (``search``, ``audit_search``, the stored account), the same data the
``/__mock__/`` JSON routes and the Gigya API serve: the console is one more view, not a store.

An account page shows the password's algorithm and whether it is still the imported (legacy) hash
or has been re-hashed by a login, never the hash itself unless asked (``reveal=hash``); audit-log
parameters and account fields go through :func:`gigya_migrate.report_html.redact`.
"""

from __future__ import annotations

import json
from typing import Any, Mapping
from urllib.parse import urlencode

from gigya_migrate.report_html.redact import redact
from gigya_migrate.report_html.render import esc, page, table

__all__ = ["Views", "apply_fault_form", "message_page", "parse_mix", "password_info", "token_page"]

BASE = "/__mock__/ui"
PAGE_SIZE = 50
_TABS = (("home", "Overview"), ("accounts", "Accounts"), ("audit", "Audit log"), ("faults", "Faults"),
         ("seed", "Seed"), ("reset", "Reset"))


def _url(name: str, **params: Any) -> str:
    path = BASE if name == "home" else f"{BASE}/{name}"
    query = {k: v for k, v in params.items() if v not in (None, "")}
    return path + (f"?{urlencode(query)}" if query else "")


def _nav(here: str, site: str = "") -> str:
    links = "".join(f"<a href=\"{esc(_url(name, site=site if name in ('accounts', 'audit', 'seed') else None))}\""
                    f"{' class=here' if name == here else ''}>{esc(label)}</a>" for name, label in _TABS)
    return f"<nav class=\"tabs\">{links}</nav>"


def _console(title: str, body: str, here: str, site: str = "", done: str = "") -> str:
    notice = f"<div class=\"note\" id=\"done\">{esc(done)}</div>" if done else ""
    return page(f"mock-gigya console: {title}", notice + body, subtitle="a local mock of SAP Customer Data Cloud "
                "(Gigya); nothing here is real", nav=_nav(here, site),
                footer="mock-gigya web console &middot; the same data as the /__mock__/ control plane")


def message_page(title: str, text: str) -> str:
    """A page with one message (errors, refusals)."""
    return page(f"mock-gigya console: {title}", f"<section><p>{esc(text)}</p><p><a href=\"{BASE}\">Console home</a>"
                f"</p></section>")


def token_page(*, wrong: bool = False) -> str:
    """What a locked console shows without its token: a form asking for it, and no data."""
    problem = "<div class=\"error\">That token is not the right one.</div>" if wrong else ""
    form = (f"<form method=\"get\" action=\"{BASE}\"><label>Control token <input type=\"text\" name=\"token\" "
            "class=\"wide\" autocomplete=\"off\"></label> <button type=\"submit\">Open the console</button></form>")
    return page("mock-gigya console: token needed", f"<section><h2>This console needs the control token</h2>{problem}"
                "<p>The server listens beyond loopback, so its control plane is locked. The token was printed when "
                "<code>mock-gigya serve</code> started (or given with <code>--control-token</code>).</p>"
                f"{form}</section>")


def _hidden(form_key: str, **fields: Any) -> str:
    items = {"formKey": form_key, **fields}
    return "".join(f"<input type=\"hidden\" name=\"{esc(k)}\" value=\"{esc(v)}\">" for k, v in items.items())


def password_info(password: Mapping[str, Any] | None, rehash_algorithm: str) -> dict[str, Any]:
    """Algorithm, re-hash state and settings of a stored password (never its hash or salt)."""
    if not password:
        return {"algorithm": "(no password)", "state": "no password", "rehashed": None}
    settings = password.get("hashSettings") or {}
    stored = str(password.get("hash") or "")
    algorithm = settings.get("algorithm") or _compound_name(stored)
    if password.get("_imported"):
        state, rehashed = "imported legacy hash: not re-hashed yet (no login since import)", False
    else:
        state, rehashed = f"the site's own hash ({rehash_algorithm}): re-hashed at login, or set on the site", True
    return {"algorithm": algorithm, "state": state, "rehashed": rehashed, "rounds": settings.get("rounds"),
            "salt": "present" if settings.get("salt") else "none", "created": password.get("created")}


def _compound_name(stored: str) -> str:
    """A crypt-style hash names its own format (``$2b$`` bcrypt ...)."""
    from gigya_migrate.hashing.legacy import detect

    return detect(stored) or "compound" if stored else "compound"


class Views:
    """The pages of one request (``form_key`` goes into every form)."""

    def __init__(self, control: Any, form_key: str) -> None:
        self.control, self.backend, self.form_key = control, control.backend, form_key

    def _site(self, api_key: str) -> str:
        sites = [s.api_key for s in self.backend.sites()]
        if api_key in sites:
            return api_key
        if api_key:
            raise ValueError(f"no site {api_key!r} in this mock (sites: {', '.join(sites) or 'none'})")
        return sites[0] if sites else ""

    # -- overview ----------------------------------------------------------------------------
    def home(self, done: str = "") -> str:
        """Sites with their account counts, application keys (never secrets), the faults in force."""
        state = self.control.state()
        sites = table(["site (API key)", "data center", "partner", "accounts", ""],
                      [(s["apiKey"], s["dataCenter"], s["partnerId"], s["accounts"],
                        f"<a href=\"{esc(_url('accounts', site=s['apiKey']))}\">accounts</a> &middot; "
                        f"<a href=\"{esc(_url('audit', site=s['apiKey']))}\">audit log</a>")
                       for s in state["sites"]], numeric=[3], raw=[4], css="sites")
        keys = table(["application key", "partner", "secret set", "public key set"],
                     [(k["userKey"], k["partnerId"], k["secret"], k["publicKey"]) for k in state["appKeys"]])
        return _console("overview", f"<section><h2>Sites</h2>{sites}</section><section><h2>Application keys</h2>"
                        f"{keys}</section>{self._faults_summary(state['faults'])}", "home", done=done)

    def _faults_summary(self, faults: Mapping[str, Any]) -> str:
        active = _active_random(faults["random"])
        text = ", ".join(f"{k} {v}" for k, v in active.items()) or "none"
        return (f"<section><h2>Faults</h2><p>Random: {esc(text)}; scripted: {len(faults['scripts'])} pending. "
                f"<a href=\"{_url('faults')}\">Change</a></p></section>")

    # -- accounts ----------------------------------------------------------------------------
    def accounts(self, site: str, query: str, page_no: int = 0, done: str = "") -> str:
        """The accounts table, searched with the Gigya query language (a WHERE clause or a whole query)."""
        site = self._site(site)
        text, problem, results, total = query, "", [], 0
        statement = _statement(query, page_no)
        try:
            found = self.backend.search(site, query=statement)
            results, total = found.get("results", []), found.get("totalCount", 0)
        except Exception as exc:  # noqa: BLE001 - a query Gigya would refuse: say why, like Gigya
            problem = (f"<div class=\"error\" id=\"query-error\">{esc(getattr(exc, 'message', None) or exc)}"
                       f"{esc(': ' + str(exc.details)) if getattr(exc, 'details', None) else ''}<br>"
                       f"<span class=\"small\">query sent: <code>{esc(statement)}</code></span></div>")
        form = (f"<form method=\"get\" action=\"{_url('accounts')}\"><input type=\"hidden\" name=\"site\" "
                f"value=\"{esc(site)}\"><input type=\"text\" name=\"q\" class=\"wide\" value=\"{esc(text)}\" "
                "placeholder='profile.lastName = \"Smith\" or SELECT * FROM accounts WHERE ...'> "
                "<button type=\"submit\">Search</button></form><p class=\"muted small\">A WHERE condition "
                "(<code>profile.email CONTAINS \"example\"</code>, <code>data.hashAlgorithm = \"md5\"</code>) or a "
                "whole accounts.search query; answered by the mock's own accounts.search.</p>")
        body = self._account_rows(site, results) if results and all("UID" in r for r in results) else (
            "".join(f"<pre>{esc(json.dumps(redact(r), indent=1, default=str))}</pre>" for r in results))
        pager = self._pager(site, query, page_no, total, len(results))
        summary = f"<p id=\"count\">{total:,} account(s) match <code>{esc(statement)}</code></p>" if not problem else ""
        return _console(f"accounts of {site}", f"<section><h2>Accounts of {esc(site)}</h2>{form}{problem}{summary}"
                        f"{body}{pager}</section>", "accounts", site, done)

    def _account_rows(self, site: str, results: list[dict]) -> str:
        rehash = self._rehash_algorithm(site)
        rows = []
        for result in results:
            uid = result["UID"]
            stored = self.backend.store.get_account(site, uid) or {}
            info = password_info(stored.get("password"), rehash)
            profile = stored.get("profile") or {}
            emails = ", ".join((stored.get("loginIDs") or {}).get("emails") or [])
            link = f"<a href=\"{esc(_url('account', site=site, uid=uid))}\">{esc(uid)}</a>"
            flag = {True: "re-hashed", False: "legacy", None: "-"}[info["rehashed"]]
            rows.append((link, emails, " ".join(str(profile.get(k) or "") for k in ("firstName", "lastName")),
                         info["algorithm"], flag, _when(stored.get("lastLogin"))))
        return table(["UID", "login emails", "name", "password algorithm", "hash", "last login"], rows, raw=[0],
                     css="accounts")

    def _pager(self, site: str, query: str, page_no: int, total: int, shown: int) -> str:
        links = []
        if page_no > 0:
            links.append(f"<a href=\"{esc(_url('accounts', site=site, q=query, page=page_no - 1))}\">previous</a>")
        if (page_no + 1) * PAGE_SIZE < total and shown == PAGE_SIZE:
            links.append(f"<a href=\"{esc(_url('accounts', site=site, q=query, page=page_no + 1))}\">next</a>")
        return f"<p>{' &middot; '.join(links)}</p>" if links else ""

    def _rehash_algorithm(self, site: str) -> str:
        return str(self.backend.site(site).rehash.get("algorithm", "pbkdf2"))

    # -- one account -------------------------------------------------------------------------
    def account(self, site: str, uid: str, *, reveal: bool = False) -> str:
        """Profile, data, login IDs and the password's algorithm and re-hash state."""
        site = self._site(site)
        stored = self.backend.store.get_account(site, uid) if uid else None
        if stored is None:
            return _console("no such account", f"<section><p>No account {esc(uid)!s} on {esc(site)}.</p></section>",
                            "accounts", site)
        info = password_info(stored.get("password"), self._rehash_algorithm(site))
        facts = [("UID", uid), ("created", stored.get("created")), ("last login", _when(stored.get("lastLogin"))),
                 ("registered", stored.get("isRegistered")), ("verified", stored.get("isVerified")),
                 ("active", stored.get("isActive"))]
        password_rows = [("algorithm", info["algorithm"]), ("state", info["state"]),
                         ("rounds", info.get("rounds")), ("salt", info.get("salt")), ("set", info.get("created"))]
        if reveal and stored.get("password"):
            password_rows.append(("hash", stored["password"].get("hash")))
        shown = ("<p class=\"muted small\" id=\"hash-shown\">The stored hash is shown because it was asked for."
                 "</p>") if reveal and stored.get("password") else ""
        reveal_link = shown if reveal or not stored.get("password") else (
            f"<p><a id=\"reveal\" href=\"{esc(_url('account', site=site, uid=uid, reveal='hash'))}\">Show the stored "
            "hash</a> <span class=\"muted small\">(shown only when asked)</span></p>")
        sections = [
            ("Account", table(["field", "value"], facts)),
            ("Login IDs", _pre(self._login_ids(site, uid))),
            ("Password", f"<div id=\"password\">{table(['field', 'value'], password_rows, css='password')}</div>"
                         + reveal_link),
            ("Profile", _pre(stored.get("profile") or {})),
            ("Data", _pre(stored.get("data") or {})),
        ]
        audit = f"<p><a href=\"{esc(_url('audit', site=site, uid=uid))}\">This account's audit log</a></p>"
        body = "".join(f"<section><h2>{esc(t)}</h2>{c}</section>" for t, c in sections)
        return _console(f"account {uid}", body + audit, "accounts", site)

    def _login_ids(self, site: str, uid: str) -> dict:
        """``loginIDs`` and ``emails`` as accounts.getAccountInfo returns them, a group the account
        does not have (an empty ``emails``: a username-only account) left out rather than shown null."""
        shown = self.backend.get_account_info(site, uid, include="loginIDs,emails")
        return {key: shown[key] for key in ("loginIDs", "emails") if shown.get(key)}

    # -- audit log ---------------------------------------------------------------------------
    def audit(self, site: str, *, endpoint: str = "", uid: str = "", errors_only: bool = False,
              call_id: str = "") -> str:
        """The newest audit records, filtered by endpoint, UID, call ID, errors only."""
        site = self._site(site)
        where = [f"endpoint = {_quote(endpoint)}" if endpoint else "", f"uid = {_quote(uid)}" if uid else "",
                 f"callID = {_quote(call_id)}" if call_id else "", 'errCode != "0"' if errors_only else ""]
        condition = " AND ".join(w for w in where if w)
        query = "SELECT * FROM auditLog" + (f" WHERE {condition}" if condition else "") + \
            " ORDER BY @timestamp DESC LIMIT 200"
        records = self.backend.audit_search(site, query=query).get("results", [])
        rows = [(r.get("@timestamp"), r.get("endpoint"), r.get("errCode"), r.get("errMessage"), r.get("uid") or "",
                 r.get("callID"), f"<pre>{esc(json.dumps(redact(r.get('params') or {}), default=str))}</pre>")
                for r in records]
        form = (f"<form method=\"get\" action=\"{_url('audit')}\"><input type=\"hidden\" name=\"site\" "
                f"value=\"{esc(site)}\"> endpoint <input type=\"text\" name=\"endpoint\" value=\"{esc(endpoint)}\" "
                f"placeholder=\"accounts.login\"> UID <input type=\"text\" name=\"uid\" value=\"{esc(uid)}\"> "
                f"call ID <input type=\"text\" name=\"callID\" value=\"{esc(call_id)}\"> <label><input type=\"checkbox\" "
                f"name=\"errors\" value=\"1\"{' checked' if errors_only else ''}> errors only</label> "
                "<button type=\"submit\">Filter</button></form>")
        listing = table(["time (UTC)", "endpoint", "errCode", "message", "UID", "call ID", "params (redacted)"], rows,
                        raw=[6], css="audit") if rows else "<p id=\"count\">No audit record matches.</p>"
        return _console(f"audit log of {site}", f"<section><h2>Audit log of {esc(site)}</h2>{form}"
                        f"<p class=\"muted small\" id=\"audit-query\"><code>{esc(query)}</code></p>{listing}</section>", "audit", site)

    # -- faults ------------------------------------------------------------------------------
    def faults(self, done: str = "") -> str:
        """Random fault toggles and probabilities, scripted faults, what was injected so far."""
        state = self.control.faults.state()
        config = state["random"]
        toggles = []
        for field, label in _TOGGLES:
            on = float(config.get(_camel(field)) or 0) >= 1.0
            badge = f"<span class=\"badge {'on' if on else 'off'}\">{'ON' if on else 'off'}</span>"
            button = (f"<form class=\"inline\" method=\"post\" action=\"{_url('faults')}\">"
                      f"{_hidden(self.form_key, action='toggle', field=field, value='off' if on else 'on')}"
                      f"<button type=\"submit\" id=\"toggle-{field}\" class=\"{'plain' if on else 'danger'}\">"
                      f"{'Turn off' if on else 'Turn on'}</button></form>")
            toggles.append((label, badge, button))
        methods = ", ".join(config.get("methods") or ["*"])
        probabilities = "".join(
            f"<label>{esc(label)} <input type=\"number\" step=\"0.01\" min=\"0\" max=\"1\" name=\"{field}\" "
            f"value=\"{esc(config.get(_camel(field)) or 0)}\"></label> " for field, label in _TOGGLES)
        mix = (f"<form method=\"post\" action=\"{_url('faults')}\">{_hidden(self.form_key, action='random')}"
               f"{probabilities}<label>latency s <input type=\"number\" step=\"0.01\" min=\"0\" name=\"latency\" "
               f"value=\"{esc(config.get('latency') or 0)}\"></label> <label>methods <input type=\"text\" "
               f"name=\"methods\" value=\"{esc(methods)}\"></label> <button type=\"submit\">Apply</button></form>")
        script = (f"<form method=\"post\" action=\"{_url('faults')}\">{_hidden(self.form_key, action='script')}"
                  "The next <input type=\"number\" name=\"times\" value=\"1\" min=\"1\"> calls of <input type=\"text\" "
                  "name=\"method\" value=\"*\"> answer error <input type=\"number\" name=\"error\" value=\"403048\">"
                  " <button type=\"submit\">Add</button></form>")
        scripts = table(["method", "remaining", "fault"], [(s.get("method"), s.get("remaining"),
                                                             s.get("errorCode") or s.get("kind") or "delay")
                                                            for s in state["scripts"]]) if state["scripts"] else \
            "<p class=\"muted\">No scripted fault pending.</p>"
        injected = ", ".join(f"{k}: {v}" for k, v in state["injected"].items()) or "none yet"
        clear = (f"<form method=\"post\" action=\"{_url('faults')}\">{_hidden(self.form_key, action='clear')}"
                 "<button type=\"submit\" class=\"plain\" id=\"clear-faults\">Clear every fault</button></form>")
        body = (f"<section><h2>Toggles</h2><p class=\"muted small\">Applies to methods: {esc(methods)}. Turning one "
                f"on makes every matching call fail that way (the other random faults go off).</p>"
                f"{table(['fault', 'state', ''], toggles, raw=[1, 2], css='toggles')}</section>"
                f"<section><h2>Random faults</h2>{mix}</section><section><h2>Scripted faults</h2>{script}{scripts}"
                f"</section><section><h2>Injected so far</h2><p id=\"injected\">{esc(injected)}</p>{clear}</section>")
        return _console("faults", body, "faults", done=done)

    # -- reset and seed ----------------------------------------------------------------------
    def confirm_reset(self) -> str:
        """The confirmation step before a reset."""
        state = self.control.state()
        count = sum(s["accounts"] for s in state["sites"])
        form = (f"<form method=\"post\" action=\"{_url('reset')}\">{_hidden(self.form_key, confirm='yes')}"
                "<button type=\"submit\" class=\"danger\" id=\"confirm-reset\">Yes, wipe the mock</button> "
                f"<a href=\"{BASE}\">Cancel</a></form>")
        return _console("reset", f"<section><h2>Reset the mock?</h2><div class=\"error\">This deletes every site, "
                        f"application key, account ({count:,} now), audit record and fault, then re-creates the "
                        f"start-up sites and keys. It cannot be undone.</div>{form}</section>", "reset")

    def seed_form(self, site: str, pending: Mapping[str, str] | None = None) -> str:
        """Seed faker accounts: the form, then (``pending``) the confirmation step."""
        site = self._site(site)
        if pending:
            fields = {k: pending.get(k, "") for k in ("site", "count", "algorithms", "seed")}
            form = (f"<form method=\"post\" action=\"{_url('seed')}\">{_hidden(self.form_key, confirm='yes', **fields)}"
                    f"<p>Add {esc(fields['count'])} faker accounts to {esc(fields['site'])} (hash mix: "
                    f"{esc(fields['algorithms'] or 'pbkdf2')})?</p><button type=\"submit\" id=\"confirm-seed\">"
                    f"Yes, seed them</button> <a href=\"{esc(_url('seed', site=site))}\">Cancel</a></form>")
            return _console("seed", f"<section><h2>Confirm seeding</h2>{form}</section>", "seed", site)
        options = "".join(f"<option{' selected' if s.api_key == site else ''}>{esc(s.api_key)}</option>"
                          for s in self.backend.sites())
        form = (f"<form method=\"post\" action=\"{_url('seed')}\">{_hidden(self.form_key)}<label>site <select "
                f"name=\"site\">{options}</select></label> <label>accounts <input type=\"number\" name=\"count\" "
                "value=\"10\" min=\"1\" max=\"10000\"></label> <label>hash mix <input type=\"text\" name=\"algorithms\" "
                "value=\"md5=1,bcrypt=1,pbkdf2=1\"></label> <label>random seed <input type=\"number\" name=\"seed\" "
                "placeholder=\"random\"></label> <button type=\"submit\" id=\"seed\">Seed...</button></form>")
        return _console("seed", f"<section><h2>Seed faker accounts</h2>{form}</section>", "seed", site)


_TOGGLES = (("error_prob", "Every call fails (server error 500001)"),
            ("rate_limit_prob", "Every call is rate-limited (403048)"),
            ("timeout_prob", "Every call times out"), ("drop_prob", "Every connection is dropped"))


def _active_random(config: Mapping[str, Any]) -> dict[str, Any]:
    names = {"latency": "latency", "rateLimitProb": "rate limit", "errorProb": "server error",
             "timeoutProb": "timeout", "dropProb": "drop"}
    return {label: config[key] for key, label in names.items() if config.get(key)}


def apply_fault_form(faults: Any, form: Mapping[str, str]) -> str:
    """Carry out one fault form (toggle, random, script, clear); returns what was done."""
    action = form.get("action")
    if action == "toggle":
        field = form.get("field", "")
        if field not in dict(_TOGGLES):
            raise ValueError(f"unknown fault {field!r}")
        on = form.get("value") == "on"
        values = {name: 0.0 for name, _ in _TOGGLES}
        values[field] = 1.0 if on else 0.0
        faults.configure(**values)
        return f"{dict(_TOGGLES)[field]}: {'on' if on else 'off'}."
    if action == "random":
        values = {name: float(form.get(name) or 0) for name, _ in _TOGGLES}
        methods = [m.strip() for m in (form.get("methods") or "*").split(",") if m.strip()] or ["*"]
        faults.configure(**values, latency=float(form.get("latency") or 0), methods=methods)
        return "Random faults updated."
    if action == "script":
        times, error = int(form.get("times") or 1), int(form.get("error") or 403048)
        faults.script(form.get("method") or "*", times=times, error=error)
        return f"The next {times} call(s) of {form.get('method') or '*'} answer {error}."
    if action == "clear":
        faults.clear()
        return "Every fault cleared."
    raise ValueError(f"unknown fault action {action!r}")


def _statement(query: str, page_no: int) -> str:
    """A WHERE condition becomes a paged ``SELECT *``; a whole query is sent as typed."""
    text = (query or "").strip()
    if text.lower().startswith("select"):
        return text
    where = f" WHERE {text}" if text else ""
    return f"SELECT * FROM accounts{where} START {page_no * PAGE_SIZE} LIMIT {PAGE_SIZE}"  # LIMIT goes last


def parse_mix(text: str) -> dict[str, float] | None:
    """``md5=2,bcrypt,pbkdf2=1`` -> weights per algorithm (``mock-gigya serve --seed-algorithms``'s form)."""
    mix = {}
    for item in filter(None, (part.strip() for part in (text or "").split(","))):
        name, _, weight = item.partition("=")
        mix[name.strip()] = float(weight) if weight.strip() else 1.0
    return mix or None


def _when(value: Any) -> str:
    """An ISO time, or "never" for Gigya's empty date (0001-01-01)."""
    return "never" if not value or str(value).startswith("0001-") else str(value)


def _camel(name: str) -> str:
    """``error_prob`` -> ``errorProb`` (FaultInjector.state() speaks the control plane's camelCase)."""
    head, *rest = name.split("_")
    return head + "".join(word.capitalize() for word in rest)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _pre(value: Any) -> str:
    return f"<pre>{esc(json.dumps(redact(value), indent=2, ensure_ascii=False, default=str))}</pre>"
