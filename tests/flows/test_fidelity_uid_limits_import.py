"""``import`` finishes correctly against the loopback mock with Gigya's per-UID limits on.

SAP Help (docs/gigya-api.md §8): more than 5 concurrent calls for one UID answer 409030, which the
runner retries; every record must still land exactly once and log in.
"""

from __future__ import annotations

import threading

from gigya_migrate.flows.import_accounts import derive_uid
from mock_gigya import defaults

from cli_run import invoke  # tests/flows/cli_run.py

API_KEY = defaults.DEFAULT_API_KEY


def test_import_with_uid_limits_on(tmp_path, gigya_server, site_args, mapping_file, users, csv_of):
    backend = gigya_server.backend
    site = backend.site(API_KEY)
    site.options.update({"uidLimits": True})
    backend.save_site(site)
    rows, _ = users(8, seed=31)
    busy = [derive_uid(API_KEY, row["email"]) for row in rows[:2]]
    for uid in busy:  # five other callers in flight for the first two accounts, for about a second
        backend.uid_limits.hold(API_KEY, uid, 5)
    threading.Timer(1.0, lambda: [backend.uid_limits.release(API_KEY, uid, 5) for uid in busy]).start()
    result = invoke("import", csv_of(tmp_path / "users.csv", rows), "--mapping", mapping_file, *site_args)
    assert result.exit_code == 0, result.output
    assert "8 records in, 8 ok, 0 failed" in result.output
    assert gigya_server.accounts(API_KEY).count() == 8
    audit = backend.audit_search(API_KEY, query='SELECT * FROM auditLog WHERE errCode = "409030" LIMIT 100')
    assert {r["uid"] for r in audit["results"]} <= set(busy) and audit["results"]  # hit, then retried
