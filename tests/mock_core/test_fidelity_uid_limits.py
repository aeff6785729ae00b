"""Per-UID limits (site option ``uidLimits``), off by default.

Expected values from SAP Help (docs/gigya-api.md §3 and §8): "at most 5 calls per UID per minute"
answer 503001 "Service unavailable for this operation"; "more than 5 concurrent requests" for one
UID answer 409030 "Too many requests for same user".
"""

from __future__ import annotations

import pytest

from mock_gigya.defaults import DEFAULT_API_KEY


def _with_limits(backend, **extra):
    site = backend.site(DEFAULT_API_KEY)
    site.options.update({"uidLimits": True, **extra})
    backend.save_site(site)


def _write(call, uid="u1", n=0):
    return call("accounts.setAccountInfo", UID=uid, data={"n": n})["errorCode"]


def test_off_by_default_any_number_of_writes(call):
    call("accounts.importFullAccount", UID="u1", loginIDs={"emails": ["a@example.com"]})
    assert [_write(call, n=i) for i in range(12)] == [0] * 12


def test_sixth_write_in_a_minute_answers_503001_then_the_window_slides(backend, call, clock):
    _with_limits(backend)
    assert call("accounts.importFullAccount", UID="u1", loginIDs={"emails": ["a@example.com"]})["errorCode"] == 0
    assert [_write(call, n=i) for i in range(4)] == [0, 0, 0, 0]  # 5 writes in all
    refused = call("accounts.setAccountInfo", UID="u1", data={"n": 99})
    assert refused["errorCode"] == 503001 and refused["errorMessage"] == "Service unavailable for this operation"
    assert backend.accounts(DEFAULT_API_KEY).find(uid="u1")["data"]["n"] == 3  # refused: nothing written
    assert _write(call, uid="u2") != 503001  # another UID has its own window (403005: no such account)
    assert call("accounts.getAccountInfo", UID="u1")["errorCode"] == 0  # reads do not count (I)
    clock.now += 60.5
    assert _write(call, n=5) == 0


def test_sixth_concurrent_call_for_one_uid_answers_409030(backend, call):
    _with_limits(backend)
    call("accounts.importFullAccount", UID="u1", loginIDs={"emails": ["a@example.com"]})
    backend.uid_limits.hold(DEFAULT_API_KEY, "u1", 5)  # five calls for u1 in flight
    busy = call("accounts.getAccountInfo", UID="u1")
    assert busy["errorCode"] == 409030 and busy["errorMessage"] == "Too many requests for same user"
    backend.uid_limits.release(DEFAULT_API_KEY, "u1", 1)  # four in flight: the fifth is allowed
    assert call("accounts.getAccountInfo", UID="u1")["errorCode"] == 0


def test_limits_are_configurable_per_site(backend, call):
    _with_limits(backend, uidWritesPerMinute=1)
    call("accounts.importFullAccount", UID="u1", loginIDs={"emails": ["a@example.com"]})
    assert _write(call) == 503001


def test_bad_option_is_refused(backend):
    with pytest.raises(ValueError, match="unknown site option"):
        backend.add_site("3_x", options={"uidLimit": True})
    with pytest.raises(ValueError, match="non-negative int"):
        backend.add_site("3_x", options={"uidConcurrency": "many"})


def test_server_wide_option(backend, call):
    backend.server_options["uidLimits"] = True
    backend.server_options["uidWritesPerMinute"] = 2
    call("accounts.importFullAccount", UID="u1", loginIDs={"emails": ["a@example.com"]})
    assert [_write(call), _write(call)] == [0, 503001]


def test_write_windows_are_forgotten_after_they_pass(backend, call, clock):
    _with_limits(backend)
    for i in range(40):
        call("accounts.importFullAccount", UID=f"m{i}", loginIDs={"emails": [f"m{i}@example.com"]})
        clock.now += 10
    assert len(backend.uid_limits._writes) <= 7  # the UIDs written in the last minute, not all 40


def test_serve_site_option_is_parsed_and_bad_ones_refused():
    from click.testing import CliRunner

    from mock_gigya.server import _site_options, main

    assert _site_options(("uidLimits=true", "searchDelaySeconds=1.5")) == {"uidLimits": True, "searchDelaySeconds": 1.5}
    for bad, message in (("uidLimits", "NAME=VALUE"), ("uidLimit=true", "unknown site option"),
                         ("nestedObjects=deep", "expected one of merge, replace")):
        result = CliRunner().invoke(main, ["serve", "--port", "0", "--site-option", bad])
        assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
