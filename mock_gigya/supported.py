"""Generate ``mock_gigya/SUPPORTED.md``: the calls the mock answers (from ``api.DISPATCH``), their
parameters, and every decision taken where docs/gigya-api.md marks a fact inferred (I) or open.

Run ``python -m mock_gigya.supported`` after changing the dispatch table or a decision; a test
checks that the committed file is up to date.
"""

from __future__ import annotations

import sys
from pathlib import Path

from mock_gigya import (account_rules, api, audit_retention, auth, backend, faults, lite, passwords, query_limits,
                        rate_cap, registration, search_index, sessions, site_options, transport, uid_limits, webhooks)

__all__ = ["DECISIONS", "render", "main"]

TARGET = Path(__file__).with_name("SUPPORTED.md")

DECISIONS: tuple[tuple[str, str], ...] = (
    # (topic, decision) — each is an inferred or open point of docs/gigya-api.md, chosen as close to real Gigya as known.
    ("Envelope", "`statusCode` is `errorCode // 1000` (200 on success); `statusReason` follows it; `apiVersion` is 2; "
                 "`time` is ISO-8601 UTC with ms. HTTP status is 200 unless `httpStatusCodes=true`."),
    ("Booleans", "`true/false/1/0` in any case (`True` from the Python SDK); anything else answers 400006."),
    ("Unknown parameters", "Ignored, like Gigya (SDKs add `sdk`, `sdkBuild`...); they are still written to the audit "
                           "log. importFullAccount lists the first "
                           f"{api.FAILED_PROPERTIES_LISTED} it ignored in `{api.FAILED_PROPERTIES}` (HELP: \"the "
                           "response lists the first few\"; the field name is the mock's). Unknown keys *inside* "
                           "`loginIDs`, the `password` object and `hashSettings` answer 400006."),
    ("Malformed parameters", f"Broken JSON in an object parameter, a value over {api.MAX_PARAM_CHARS} characters, "
                             "a bad boolean or integer answer 400006 with `validationErrors`; a failure inside the "
                             "mock answers 500001, never a traceback."),
    ("Unknown methods", "404000 with `errorDetails` saying mock_gigya does not implement the method."),
    ("Missing apiKey / unknown apiKey", "400002 / 400093 Invalid ApiKey parameter."),
    ("Data center", "A request addressed to `<ns>.<dc>.gigya.com` for a site of another data center answers 301001 "
                    "with `apiDomain` (the right data center's domain, `cn1.sapcdm.cn` for China as "
                    "`gigya_migrate.datacenters` has it) and `location` (the full URL to call instead)."),
    ("Secret over HTTP", "403006 when the URL is `http://` and the host is not loopback. Loopback (127.0.0.1, ::1, "
                         "localhost) is accepted so the toolkit can send its secret to `mock-gigya serve`. Over "
                         "real HTTP the server also judges the connection itself: a secret on a plain-http "
                         "connection from another machine is 403006 whatever the `Host` or `X-Forwarded-Proto` "
                         "header says; TLS (the CONNECT tunnel) or a loopback peer is accepted."),
    ("userKey + secret", "Unknown userKey, or one of another partner: 403005 Unauthorized user. Wrong secret: 403003. "
                         "A secret without userKey (the partner secret) is refused with 403005 (no longer accepted "
                         "since 2023-01-31). userKey without secret or sig: 400002."),
    ("Signed requests", f"`timestamp` in seconds, or ms when above 1e11 (Node SDK); more than "
                        f"{auth.TIMESTAMP_TOLERANCE} s off answers 403002; a nonce is single-use per userKey "
                        "(403004, checked after the signature); the base string URL is the one the client addressed, "
                        "accepted with `http://` or `https://`; without a URL the SDK's default "
                        "`https://<ns>.<dc>.gigya.com/<method>` is assumed."),
    ("JWT bearer", "RS256 with the registered public key, `kid` = userKey; `iat` within "
                   f"{auth.TIMESTAMP_TOLERANCE} s (403002); a repeated `jti` answers 403004; bad token 403003."),
    ("Anonymous calls", "apiKey-only calls are accepted for accounts.login and accounts.isAvailableLoginID (client "
                        "calls) and for accounts.search with `querySig` = HMAC-SHA1(site secret, `query + \"_\" + "
                        "expTime`) and a future `expTime` in ms (403003 / 403002 otherwise); other methods answer "
                        "403007 Permission denied."),
    ("Not supported in queries", "FILTER, `WITH counters`, FROM communications (400006); `timeout` is accepted and "
                                 "ignored. FROM emailAccounts and `accountTypes=lite` are answered by the lite "
                                 "accounts (see below)."),
    ("Schema", "profile keys must be Gigya profile fields (`backend.PROFILE_FIELDS`), otherwise 400006 "
               "\"Schema validation failed\" with one validationErrors entry per field; `data` is dynamic unless the "
               "site's schema has `dataSchema.dynamicSchema: false`, then only `dataSchema.fields` are accepted. "
               "Field types are not checked. accounts.getSchema answers Gigya's profile fields, the fields declared "
               "with setSchema (or `add_site(schema=...)`) and, for data/preferences/subscriptions, every field the "
               "site's accounts hold (I: real Gigya records implicit fields at write time; the mock reads them at "
               "getSchema time, a scan of the site). Their types are inferred from values (long, float, boolean, "
               "string)."),
    ("Unknown UID", "403005 Unauthorized user for getAccountInfo, setAccountInfo, deleteAccount, logout, rba.unlock."),
    ("importFullAccount UID", "`UID`, `uid`, `Uid` (any casing) accepted; `createUID=true` generates a 32-hex UID; "
                              "UID wins when both are given; the response carries `UID`."),
    ("importFullAccount email verification", "While `accountOptions.verifyEmail` is on, the import answers 400006 "
                                             "with errorMessage \"Email verification policy is enabled\" (the real "
                                             "code is undocumented)."),
    ("importFullAccount upsert", "profile, data, preferences, subscriptions, communications are deep-merged; "
                                 "loginIDs, emails, identities and password are replaced whole (\"importing "
                                 "loginIDs.emails deletes an existing loginIDs.username\")."),
    ("importFullAccount isRegistered", "A *new* account imported with loginIDs and no `isRegistered` is registered "
                                       "(so it can log in); without loginIDs it is not. An upsert leaves "
                                       "`isRegistered` as it was unless given. An unregistered account's login "
                                       "answers 206001."),
    ("Login IDs", "Emails, unverified emails and the username are login IDs, unique per site, compared "
                  "case-insensitively; a clash answers 403043."),
    ("Identities", "provider+providerUID unique per site; a clash answers 409001 with `identityConflicts`. "
                   "`handleIdentityConflicts=connect` (seen on IDX only) moves the identity to the imported account. "
                   "saml*/oidc* providers are refused (not importable)."),
    ("Password storage", "Stored and shown as `password{hash, hashSettings, created}`: `hash` is the imported "
                         "`hashedPassword`, or the whole `compoundHashedPassword` string with no `hashSettings`. "
                         "Search and getAccountInfo(include=password) both return it; `created` is always there "
                         "(the account's creation date when an import gave none). "
                         "`secretQuestionAndAnswer` is accepted and stored with the answer hashed, never shown."),
    ("Algorithms the mock cannot verify", "`custom` (a remote hash service at `hashSettings.URL`, whose contract is "
                                          "not public) is refused at import with 400006 saying the mock cannot verify "
                                          "it: a rehearsal that imports it would otherwise fail every login for the "
                                          "wrong reason. `sap_abap` (SAP CODVN H, iSSHA-1) is accepted and verified "
                                          "by `gigya_migrate.hashing`; its definition is inferred from SAP's format."),
    ("Empty password object", "importFullAccount treats `password={}` as no password (what getAccountInfo shows "
                              "for an account without one, and what a copy-accounts flow passes back)."),
    ("Empty groups", "getAccountInfo/login answer `{}` for an included group the account does not have "
                     "(profile, data, preferences, subscriptions, emails, loginIDs, password), as seed 003 shows "
                     "`\"password\": {}`; other empty fields are omitted."),
    ("First-login re-hash", "After the first successful login with an imported hash, the password is re-hashed with "
                            "the site's algorithm (default pbkdf2, 3000 rounds, 16-byte salt and hash via "
                            "`gigya_migrate.hashing.site_hash`); later logins verify that hash. `format` disappears."),
    ("Login checks", "Order: unknown loginID 403042; locked out 403120; wrong password 403042 (counts a failure); "
                     "isActive=false 403041; not registered 206001; verifyEmail on, unverified and "
                     "requirePasswordChange set and the password unchanged since 403100 (with a regToken); "
                     "not registered 206001; verifyEmail on, unverified and allowUnverifiedLogin off 206002 (with "
                     "`unverifiedEmails`, the account's unverified addresses, I). A stored hash the mock cannot "
                     "verify acts as a wrong password."),
    ("Lockout", "From `security.accountLockout` (default 3 failures within 60 s lock for 60 s, the seed-003 RBA "
                "sample); accounts.rba.getPolicy is derived from it; accounts.rba.unlock clears it."),
    ("Password complexity", "Checked on every cleartext password (register, setAccountInfo newPassword, "
                            "resetPassword, setPassword), never on imports (they bring hashes): default "
                            "minLength 8, minCharGroups 2; failure answers 400009."),
    ("Harvesting protection", "accounts.isAvailableLoginID answers 403026 whenever "
                              "`accountOptions.preventLoginIDHarvesting` is on."),
    ("getAccountInfo include", "Default `profile,data` (current SAP Help); an unknown value answers 400006."),
    ("setAccountInfo", "regSource is kept once set (later values ignored); isVerified=true moves every email to "
                       "verified; password change needs the current `password` unless `securityOverride=true`."),
    ("Dates", "Dates are ISO strings with ms and a `*Timestamp` twin in ms; `lastLogin` of a never-logged-in "
              "account is 0001-01-01T00:00:00Z / 0."),
    ("Query language", "Keywords are case-insensitive; strings in double or single quotes; `!`, `&&`, `||`, `<>` "
                       "accepted; LIMIT must be the last clause (HELP, DEVA: \"in that order\"): `LIMIT n START m` "
                       "answers 400006; a parse error answers 400006 naming the position and the expected tokens."),
    ("Query comparisons", "A path fans out over arrays and matches when any value matches; `!=` and `not ...` are the "
                          "exact negation (a missing field matches `!=`); ISO date strings compare as dates with "
                          "other ISO strings or ms numbers; numeric strings compare with numbers (audit `errCode` "
                          "is stored as a string and `errCode = 0` also matches)."),
    ("contains", "Word-level: words are runs of letters and digits (underscore separates); the words of the "
                 "constant must appear consecutively; case-sensitive. On encrypted fields it is a whole-value, "
                 "case-insensitive match."),
    ("Encrypted fields", "profile.email, profile.username, loginIDs.*, emails.*: range operators, regex and ORDER BY "
                         "on them answer 400006."),
    ("regex", "RE2 (google-re2) full match: anchored like Gigya's Lucene-style regex and linear-time, so no pattern "
              "can stall the mock; backreferences and lookaround (which Lucene lacks too) and patterns over RE2's "
              "memory cap answer 400006."),
    ("Query size", f"More than {query_limits.MAX_TERMS} conditions in one WHERE (each IN value counts) answers 400006 "
                   "(Gigya documents no limit; inferred from Elasticsearch's max_clause_count). WHEREs of more than "
                   f"{query_limits.SQL_MAX_TERMS} conditions are filtered in Python instead of SQLite, so they answer "
                   "a result, never 500001; nesting deeper than the parser allows answers 400006."),
    ("Control characters", "A NUL anywhere in a parameter (inside JSON parameters too), any control character in UID, "
                           "loginID, username, email, cursorId or loginIDs, and C0 controls other than tab/LF/CR in a "
                           "query answer 400006 naming the parameter (inferred; the toolkit's readers refuse the same "
                           "records)."),
    ("ORDER BY", "Missing values sort last ascending; dates sort by time."),
    ("GROUP BY", "Open in the docs. Results are one object per group with the grouped field at its path and "
                 "`count(*)`, largest group first; totalCount is the number of matching accounts."),
    ("Aggregates", "`sum min max avg sum_of_squares variance std` on one numeric field, one result row; min/max of "
                   "nothing give \"infinity\"/\"-infinity\"."),
    ("LIMIT / START", f"LIMIT default {backend.SEARCH_LIMIT_DEFAULT}, at most {backend.SEARCH_LIMIT_MAX}; START at "
                      f"most {backend.SEARCH_WINDOW}; without a cursor no result beyond position "
                      f"{backend.SEARCH_WINDOW} is returned."),
    ("Cursors", f"openCursor (server-side credentials only) returns `nextCursorId` while more remain; a cursorId stays "
                f"valid {backend.CURSOR_TTL} s and may be re-sent (same page); cursorId with query answers 400006; "
                "openCursor with START, GROUP BY or aggregates answers 400006. totalCount is fixed when the cursor "
                "opens. Pages are keyset queries (or a stored ordering for ORDER BY), so each costs the page."),
    ("Audit log", "Every call to an existing site is written, including failures and application-key calls (the old "
                  "docs say app-key calls are not audited; the issue asks for all). Record fields: `@timestamp`, "
                  "`callID`, `endpoint`, `errCode` (string), `errMessage`, `errDetails`, `apiKey`, `uid`, `userKey`, "
                  "`userKeyDetails{name, description, emailDomain}` (the key's own, else the key / \"application "
                  "key\" / example.com, I), `sourceIP`, `params`, `httpReq{SDK, country}` (country from an "
                  "`X-Mock-Gigya-Country` header, else \"ZZ\": the mock cannot geolocate, I). Removed from `params`: "
                  + ", ".join(f"`{p}`" for p in sorted(api._SECRET_PARAMS)) + ". The write-to-query delay is the "
                  "site option `searchDelaySeconds` (off by default)."),
    ("Audit retention", f"At most {audit_retention.DEFAULT_MAX_RECORDS:,} records per site and "
                        f"{audit_retention.DEFAULT_MAX_AGE_DAYS:g} days by default (oldest deleted first, checked every "
                        "1,000 writes); `serve --audit-max-records / --audit-max-age-days` (0 = no limit). Gigya's own "
                        "retention is not client-settable (inferred)."),
    ("audit.search", "`SELECT *` and `FROM auditLog` only; WHERE/ORDER BY/START/LIMIT and cursors as accounts.search; "
                     "no encrypted fields."),
    ("IP lockout", "`security.ipLockout.hourlyFailedLoginThreshold` failed logins (wrong password or unknown "
                   "loginID) from one `remote_addr` within an hour lock that address for `lockoutTimeSec` (403120); "
                   "default off; accounts.rba.unlock with `ip` clears it. Only callers that pass `remote_addr` "
                   "to api.handle (the HTTP server) have an address."),
    ("Not enforced", "`captcha` thresholds; `accountOptions.loginIdentifiers` (emails and usernames always log in); per-UID "
                     "limits 409030 / 503001 unless the site option `uidLimits` is on; 403048 unless a rate cap is set (site option `rateCap` or `serve --rate-cap N`: a token bucket "
                     "per API key; the real per-key rates are not published per site) or scripted with the mock's faults; client-side (apiKey-only) getAccountInfo/setAccountInfo with a `regToken`."),
    ("Login response", "`UIDSignature` = HMAC-SHA1(site secret, `signatureTimestamp_UID`); `sessionInfo` is "
                       "`{cookieName: glt_<apiKey>, cookieValue}` for browser, `{sessionToken, sessionSecret}` for "
                       "`targetEnv=mobile`; `isNewUser` false; account groups per `include` (default profile,data)."),
    ("Result order", "Without ORDER BY, accounts and audit records come in insertion order (audit: oldest first)."),
    ("Search index", "Equality on UID, loginIDs.*, emails.*, profile.email and profile.username, and ranges on "
                     "createdTimestamp / lastUpdatedTimestamp, are answered from SQLite indexes; the whole WHERE is still evaluated in "
                     "Python on the rows SQL returns, so results are those of the pure evaluator (a differential test "
                     "keeps them equal). Other WHEREs and GROUP BY scan the site. A `--db` file from an older mock is "
                     "re-indexed once at open; writing to an upgraded file with an older mock leaves the index stale."),
    ("Search results", "Full accounts include `password` (HELP samples) but not `subscriptions` (HELP importFullAccount "
                       "notes); `lockedUntil` when selected and the account is locked; deleted accounts never match; "
                       "an indexing delay only with the site option `searchDelaySeconds`."),
)


def _param_text(param: api.Param) -> str:
    flags = [param.kind] + (["required"] if param.required else [])
    text = f"`{param.name}` ({', '.join(flags)})" + (f": {param.doc}" if param.doc else "")
    return text.replace("|", "\\|")


def render() -> str:
    """The Markdown text of SUPPORTED.md."""
    lines = [
        "# mock_gigya: supported calls and decisions",
        "",
        "Generated by `python -m mock_gigya.supported` from `mock_gigya.api.DISPATCH`; do not edit by hand.",
        "Any other method answers 404000 \"not implemented by mock_gigya\".",
        "",
        "## Calls",
        "",
        "| method | credentials | what it does | parameters |",
        "| --- | --- | --- | --- |",
    ]
    for name in sorted(api.DISPATCH):
        method = api.DISPATCH[name]
        creds = "server or client (apiKey only)" if method.client_allowed else "server (userKey+secret, sig, or bearer)"
        params = "<br>".join(_param_text(p) for p in method.params) or "none"
        lines.append(f"| `{name}` | {creds} | {method.doc.replace('|', chr(92) + '|')} | {params} |")
    lines += ["", "Common parameters of every call: " + ", ".join(_param_text(p) for p in api.COMMON_PARAMS) + ".",
              "", "## Decisions on inferred or open facts", "",
              "Each point below is marked (I) or open in docs/gigya-api.md; the mock behaves as written here.", ""]
    lines += [f"- **{topic}**: {text}" for topic, text in DECISIONS]
    lines += ["", "## Decisions of the application flows (registration, passwords, sessions, webhooks)", ""]
    lines += [f"- **{topic}**: {text}" for module in (registration, passwords, sessions, webhooks)
              for topic, text in module.DECISIONS]
    lines += ["", "## Decisions of the fidelity switches and account rules", ""]
    lines += [f"- **{topic}**: {text}" for module in (uid_limits, search_index, account_rules, lite)
              for topic, text in module.DECISIONS]
    lines += _site_option_lines() + _difference_lines()
    lines += ["", "## Decisions of the service layer (in-process and HTTP server)", ""]
    lines += [f"- **{topic}**: {text}" for topic, text in (*transport.DECISIONS, *faults.DECISIONS, *rate_cap.DECISIONS)]
    return "\n".join(lines) + "\n"


def _site_option_lines() -> list[str]:
    lines = ["", "## Site options", "",
             "Per site (`add_site(options=...)`, the control plane's `POST /__mock__/sites` `options`) or for every "
             "site (`mock-gigya serve --site-option NAME=VALUE`, `Backend.server_options`); a site's own value wins.",
             "", "| option | default | what it does |", "| --- | --- | --- |"]
    for name, spec in site_options.OPTIONS.items():
        default = str(spec.default).lower() if isinstance(spec.default, bool) else spec.default
        lines.append(f"| `{name}` | `{default}` | {spec.doc.replace('|', chr(92) + '|')} |")
    return lines


DIFFERENCES: tuple[tuple[str, str, str], ...] = (
    # (what, real Gigya, the mock) — where a rehearsal on the mock can pass and production fail, or the reverse.
    ("`custom` hash algorithm", "calls the customer's hash service at `hashSettings.URL`",
     "refused at import (400006): the service's contract is not public"),
    ("A `salt` with md5/sha1/sha256/sha512/sha1_hashbytes/sha512Hexa and no `format`/`binaryFormat`",
     "not documented where the salt goes (the import may be accepted and hash it one way or the other)",
     "refused at import (400006) asking for `$salt$password` or `$password$salt`: a guessed default would fail "
     "logins for the wrong reason (docs/hash-algorithms.md §3.5)"),
    ("Hash algorithms marked inferred/uncertain", "SAP's own construction (not published)",
     "the most likely definition (docs/hash-algorithms.md); confirm with `validate-hashes` on a real test site"),
    ("Per-UID limits (503001 / 409030)", "always on: 5 writes per UID per minute, 5 concurrent calls per UID",
     "off unless `uidLimits` is on"),
    ("Per-API-key rate limits (403048)", "numeric quotas not published", "only when injected (faults) or capped"),
    ("Write-to-search delay", "about 1 s, up to 30 s, for accounts.search and audit.search",
     "none unless `searchDelaySeconds` is set; then new accounts are hidden and changed ones shown as before for "
     "exactly that long"),
    ("Lite accounts", "importLiteAccount, setAccountInfo/getAccountInfo on lite accounts (regToken), emailAccounts "
     "search, full,lite searches, deleteLiteAccount",
     "importLiteAccount, emailAccounts and accountTypes=lite searches, deleteLiteAccount; full,lite in one search "
     "and aggregates answer 400006; other lite operations answer 404000"),
    ("Email delivery, captcha, TFA, social login", "real", "not implemented (mails go to the mock's mailbox)"),
    ("`httpReq.country`, `lastLoginLocation`", "geolocated from the caller's IP", "\"ZZ\" unless a test header says"),
    ("importFullAccount ignored properties", "listed in the response (field name not published)",
     "listed in `failedProperties`"),
    ("getAccountInfo `findBy`", "documented parameter, shape not public here",
     "`{\"field\": email\\|username\\|loginID\\|UID, \"value\": ...}`"),
)
"""What stays different on purpose: the table SUPPORTED.md shows under "Differences from real Gigya"."""


def _difference_lines() -> list[str]:
    lines = ["", "## Differences from real Gigya", "",
             "Where a rehearsal on the mock can mislead. Everything else in this file is the mock's best reading "
             "of the documentation.", "", "| what | real Gigya | the mock |", "| --- | --- | --- |"]
    lines += [f"| {what} | {real} | {mock} |" for what, real, mock in DIFFERENCES]
    return lines


def main(argv: list[str] | None = None) -> int:
    """Write SUPPORTED.md (``--check``: exit 1 when the committed file is stale)."""
    argv = sys.argv[1:] if argv is None else argv
    text = render()
    if "--check" in argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print("mock_gigya/SUPPORTED.md is out of date: run python -m mock_gigya.supported", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
