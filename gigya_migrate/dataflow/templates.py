"""Our prebuilt jobs as dataflow JSON (``gigya-migrate dataflow template import|copy|export|deletions``).

Each template is the job of the command of the same name, built from components, so it can be
run here, read as documentation of what the command does, or adapted (swap
``datasource.write.file`` for ``datasource.write.sftp``) and pasted into IdentitySync. Paths and
credentials are variables, so a template runs unchanged:

| template  | variables                                       | same result as                              |
|-----------|-------------------------------------------------|---------------------------------------------|
| import    | inputFile, errorsFolder                          | ``import FILE --mapping`` (email, first_name, last_name, password_hash columns) |
| copy      | sourceApiKey, sourceUserKey, sourceSecret        | ``copy --fields <seed 000's select>``        |
| export    | where, outFolder                                 | ``export --where ... --out FILE.json``       |
| deletions | outFolder                                        | ``deletions --out FILE``                     |

Differences that remain, by design: the command ``import`` derives a new account's UID from the
site and the email (uuid5) while the template lets Gigya create it (``createUID``), and the
commands write JSON Lines or CSV where the templates' ``file.format.json`` writes one JSON array.
"""

from __future__ import annotations

import base64
import copy
from typing import Any

from gigya_migrate.flows.copy_site import COPY_FIELDS
from gigya_migrate.flows.deletions import DELETION_ENDPOINTS, FLAGGED_CID

__all__ = ["TEMPLATES", "template"]

_IMPORT_SCRIPT = """\
// One legacy row (email, first_name, last_name, password_hash), looked up by email (UID when the
// account exists) -> importFullAccount parameters, as `gigya-migrate import` builds them.
function process(record, ctx, logger, next) {
    var email = String(record.email || '').trim().toLowerCase();
    if (!email) {
        throw new Error('the record has no email');
    }
    var account = {loginIDs: {emails: [email]}, profile: {email: email}};
    if (record.UID) {
        account.UID = record.UID;  // an existing account: its verification state stays as it is
    } else {
        account.emails = {verified: [email]};
        account.isVerified = true;
    }
    if (record.first_name) { account.profile.firstName = record.first_name; }
    if (record.last_name) { account.profile.lastName = record.last_name; }
    var hash = String(record.password_hash || '');
    if (hash.charAt(0) !== '$') {
        throw new Error('password_hash is not a crypt string ($2b$..., $1$..., $P$...)');
    }
    account.password = {compoundHashedPassword: hash};
    return account;
}
"""

_DELETION_SCRIPT = """\
// One audit-log entry -> the deletion event the deletions command sends downstream.
function process(record, ctx, logger, next) {
    if (String(record.errCode === undefined ? '0' : record.errCode) !== '0') { return null; }
    var params = record.params || {};
    if (typeof params === 'string') { try { params = JSON.parse(params); } catch (e) { params = {}; } }
    if (params.cid === '%(cid)s') { return null; }  // flagged-deletions sent it before deleting it
    var event = {uid: record.uid || params.UID || params.uid || '', endpoint: record.endpoint || '',
                 deletedAt: record['@timestamp'] || '', callId: record.callID || record.callId || '',
                 apiKey: record.apiKey || record.apikey || ''};
    ['emailAccountToken', 'loginMode', 'siteUID', 'provider'].forEach(function (k) {
        if (params[k] !== undefined) { event[k] = params[k]; }
    });
    return event;
}
""" % {"cid": FLAGGED_CID}


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _errors_branch(folder_var: str, name: str) -> list[dict[str, Any]]:
    return [
        {"id": "formatErrors", "type": "file.format.json", "params": {"fileName": name}, "next": ["writeErrors"]},
        {"id": "writeErrors", "type": "datasource.write.file", "params": {"path": f"<${folder_var}$>"}},
    ]


TEMPLATES: dict[str, dict[str, Any]] = {
    "import": {
        "name": "Import legacy users",
        "description": "file > parse > lookup > build > importAccount (errors > format > file)",
        "steps": [
            {"id": "file", "type": "datasource.read.file", "params": {"path": "<$inputFile$>"}, "next": ["parse"]},
            {"id": "parse", "type": "file.parse.dsv", "params": {"columnSeparator": ","}, "next": ["lookup"]},
            {"id": "lookup", "type": "datasource.lookup.gigya.account",
             "params": {"select": "UID", "lookupFields": [{"sourceField": "email", "gigyaField": "loginIDs.emails"}],
                        "handleFieldConflicts": "take_lookup", "mismatchBehavior": "process",
                        "multiMatchBehavior": "error", "isCaseSensitive": False, "maxConcurrency": 8},
             "next": ["build"], "error": ["formatErrors"]},
            {"id": "build", "type": "record.evaluate", "params": {"script": _b64(_IMPORT_SCRIPT)},
             "next": ["importAccount"], "error": ["formatErrors"]},
            {"id": "importAccount", "type": "datasource.write.gigya.importaccount",
             "params": {"importPolicy": "upsert", "maxConnections": 8}, "error": ["formatErrors"]},
            *_errors_branch("errorsFolder", "import-errors_${now}.json"),
        ],
    },
    "copy": {
        "name": "Copy Accounts",
        "description": "account > rename > importAccount (seed 000's sample)",
        "steps": [
            {"id": "account", "type": "datasource.read.gigya.account",
             "params": {"select": ",".join(COPY_FIELDS), "from": "accounts", "deltaField": "lastUpdatedTimestamp",
                        "batchSize": 300, "maxConcurrency": 1, "apiKey": "<$sourceApiKey$>",
                        "userKey": "<$sourceUserKey$>", "secret": "<$sourceSecret$>"},
             "next": ["rename"]},
            {"id": "rename", "type": "field.rename",
             "params": {"fields": [{"sourceField": "UID", "targetField": "uid"},
                                   {"sourceField": "password.hash", "targetField": "password.hashedPassword"}]},
             "next": ["importAccount"]},
            {"id": "importAccount", "type": "datasource.write.gigya.importaccount",
             "params": {"importPolicy": "insert", "handleIdentityConflicts": "error", "maxConnections": 3,
                        "addResponse": False}},
        ],
    },
    "export": {
        "name": "Export accounts",
        "description": "account > json > file",
        "steps": [
            {"id": "account", "type": "datasource.read.gigya.account",
             "params": {"select": "UID,profile,data", "where": "<$where$>", "batchSize": 300}, "next": ["json"]},
            {"id": "json", "type": "file.format.json", "params": {"fileName": "accounts_${now}.json"}, "next": ["file"]},
            {"id": "file", "type": "datasource.write.file", "params": {"path": "<$outFolder$>"}},
        ],
    },
    "deletions": {
        "name": "Deleted accounts downstream",
        "description": "audit > event > json > file",
        "steps": [
            {"id": "audit", "type": "datasource.read.gigya.audit",
             "params": {"select": "*", "deltaField": "@timestamp",
                        "where": "endpoint in (" + ", ".join(f'"{e}"' for e in DELETION_ENDPOINTS) + ")"},
             "next": ["event"]},
            {"id": "event", "type": "record.evaluate", "params": {"script": _b64(_DELETION_SCRIPT)}, "next": ["json"]},
            {"id": "json", "type": "file.format.json", "params": {"fileName": "deletions_${now}.json"},
             "next": ["file"]},
            {"id": "file", "type": "datasource.write.file", "params": {"path": "<$outFolder$>"}},
        ],
    },
}


def template(name: str) -> dict[str, Any]:
    """A copy of the named template (``import``, ``copy``, ``export``, ``deletions``)."""
    return copy.deepcopy(TEMPLATES[name])
