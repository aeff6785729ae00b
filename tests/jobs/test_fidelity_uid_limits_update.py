"""A bulk ``update`` finishes correctly with Gigya's per-UID limits switched on in the mock.

Limits from SAP Help (docs/gigya-api.md §8): more than the allowed writes per UID answer 503001,
more than 5 concurrent calls for one UID answer 409030; both are "refused" answers the runner
retries (gigya_migrate/retry.py). The window is shortened to 1 s so the test does not wait a minute.
"""

from __future__ import annotations

import threading

from gigya_migrate.flows.runner import RunOptions
from gigya_migrate.flows.update import UpdateOptions, update_accounts


def _limits_on(backend, api_key, **extra):
    site = backend.site(api_key)
    site.options.update({"uidLimits": True, **extra})
    backend.save_site(site)


def _error_codes(backend, api_key, endpoint):
    audit = backend.audit_search(api_key, query=f'SELECT * FROM auditLog WHERE endpoint = "{endpoint}" LIMIT 1000')
    return [r["errCode"] for r in audit["results"]]


def test_update_retries_503001_and_409030_until_every_account_is_set(sites):
    uids = sites.people(6, seed=61, prefix="lim", data={"wave": 1})
    backend = sites.mock.backend
    _limits_on(backend, "3_src", uidWritesPerMinute=1, uidWindowSeconds=1.0)
    for uid in uids[1:5]:
        sites.src.set_account_info(uid, data={"pre": True})  # the window's one write is used up
    backend.uid_limits.hold("3_src", uids[0], 5)  # five other callers busy with the first account
    threading.Timer(1.0, backend.uid_limits.release, ("3_src", uids[0], 5)).start()
    report = update_accounts(sites.src, UpdateOptions(where="data.wave = 1", assignments={"data.segment": "horrorFic"},
                                                      run=RunOptions(concurrency=3)))
    assert (report.ok, report.failed) == (6, 0)
    accounts = sites.mock.accounts("3_src")
    assert all(accounts.find(uid=uid)["data"]["segment"] == "horrorFic" for uid in uids)
    codes = _error_codes(backend, "3_src", "accounts.setAccountInfo")
    assert "503001" in codes and "409030" in codes  # the limits really were hit, and retried
