"""FaultInjector: scripted faults are exact and ordered, random faults repeat with their seed."""

import pytest

from mock_gigya.faults import Fault, FaultInjector


def kinds(injector, methods):
    out = []
    for method in methods:
        fault = injector.decide(method).fault
        out.append(None if fault is None else (fault.kind, fault.error_code or fault.http_status))
    return out


def test_script_hits_only_the_named_method_the_given_number_of_times():
    faults = FaultInjector().script("importFullAccount", times=2, error=403048)
    calls = ["accounts.search", "accounts.importFullAccount", "accounts.importFullAccount",
             "accounts.importFullAccount"]
    assert kinds(faults, calls) == [None, ("error", 403048), ("error", 403048), None]


@pytest.mark.parametrize("pattern, method, hit", [
    ("*", "audit.search", True),
    ("accounts.importFullAccount", "accounts.importfullaccount", True),  # Gigya method names ignore case
    ("importFullAccount", "accounts.importFullAccount", True),
    ("accounts.*", "accounts.rba.unlock", True),
    ("accounts.*", "audit.search", False),
    ("search", "accounts.importFullAccount", False),
])
def test_method_patterns(pattern, method, hit):
    faults = FaultInjector().script(pattern, error=500001)
    assert (faults.decide(method).fault is not None) is hit


def test_scripts_are_consumed_in_the_order_added():
    faults = FaultInjector().server_error(times=1).rate_limit(times=1).timeout().drop()
    assert kinds(faults, ["a.b"] * 5) == [("error", 500001), ("error", 403048), ("timeout", None),
                                         ("drop", None), None]


def test_script_delay_and_fixed_latency_add_up():
    faults = FaultInjector().configure(latency=0.05).script("*", delay=0.2)
    assert faults.decide("accounts.search").delay == pytest.approx(0.25)
    assert faults.decide("accounts.search").delay == pytest.approx(0.05)


def test_random_faults_repeat_with_the_same_seed_and_differ_with_another():
    def run(seed):
        faults = FaultInjector(seed=seed).configure(rate_limit_prob=0.2, error_prob=0.1, drop_prob=0.1,
                                                    latency=0.01, jitter=0.02)
        return [(d.fault, round(d.delay, 9)) for d in (faults.decide("accounts.search") for _ in range(200))]

    assert run(7) == run(7)
    assert run(7) != run(8)


def test_random_fault_rates_follow_the_probabilities():
    faults = FaultInjector(seed=1).configure(rate_limit_prob=0.25, error_prob=0.05)
    seen = kinds(faults, ["accounts.search"] * 4000)
    assert 0.22 < seen.count(("error", 403048)) / 4000 < 0.28
    assert 0.03 < seen.count(("error", 500001)) / 4000 < 0.07
    assert faults.state()["injected"] == {"error:403048": seen.count(("error", 403048)),
                                          "error:500001": seen.count(("error", 500001))}


def test_jitter_stays_within_its_bounds():
    faults = FaultInjector(seed=3).configure(latency=0.1, jitter=0.05)
    delays = [faults.decide("x.y").delay for _ in range(500)]
    assert min(delays) >= 0.1 and max(delays) <= 0.15 and len(set(delays)) > 400


def test_random_faults_can_be_limited_to_methods():
    faults = FaultInjector(seed=1).configure(error_prob=1.0, methods=["accounts.importFullAccount"])
    assert faults.decide("accounts.search").fault is None
    assert faults.decide("accounts.importFullAccount").fault == Fault("error", error_code=500001)


def test_clear_forgets_scripts_and_random_settings():
    faults = FaultInjector(seed=1).configure(error_prob=1.0).rate_limit(times=5)
    faults.clear()
    assert kinds(faults, ["a.b"] * 3) == [None, None, None]
    assert faults.state()["scripts"] == []


@pytest.mark.parametrize("call", [
    lambda f: f.script(times=0, error=1),
    lambda f: f.script(error=403048, drop=True),
    lambda f: f.script(error=403048, processed=True),
    lambda f: f.script(delay=-1),
    lambda f: f.configure(rate_limit_prob=1.5),
    lambda f: f.configure(rate_limit_prob=0.6, error_prob=0.6),
    lambda f: f.configure(latency=-0.1),
    lambda f: f.configure(no_such_option=1),
])
def test_bad_settings_are_refused(call):
    with pytest.raises((ValueError, TypeError)):
        call(FaultInjector())


def test_state_lists_pending_scripts():
    faults = FaultInjector().script("importFullAccount", times=2, error=403048)
    faults.decide("accounts.importFullAccount")
    assert faults.state()["scripts"] == [{"method": "importFullAccount", "remaining": 1, "delay": 0.0,
                                          "kind": "error", "errorCode": 403048, "processed": False}]


def test_least_delay_is_a_lower_bound_of_every_decision_and_consumes_nothing():
    faults = FaultInjector(seed=3).configure(latency=0.2, jitter=0.3, methods=["accounts.*"])
    faults.script("accounts.login", delay=1.0)
    assert faults.least_delay("accounts.login") == faults.least_delay("accounts.search") == 0.2
    assert faults.least_delay("socialize.getUserInfo") == 0.0  # the random settings do not apply to it
    assert faults.decide("accounts.login").delay >= 1.2  # the script was still there: nothing consumed
    assert min(faults.decide("accounts.search").delay for _ in range(200)) >= 0.2
    assert faults.decide("socialize.getUserInfo").delay == 0.0
