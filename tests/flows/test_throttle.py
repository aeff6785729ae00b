"""The shared Throttle converges to just under a site's rate cap, on a simulated clock.

Each test runs the real ``Throttle`` in a discrete-event simulation: ``concurrency`` workers, each
call taking ``latency`` simulated seconds, against a site model deciding each call at its start:
the mock's own token bucket (``mock_gigya.rate_cap.RateCap`` on the same simulated clock), a fixed
share of random 403048 answers, or a site refusing everything for a while. No thread sleeps and no
wall clock is read, so the figures are exact and hold on a loaded machine.
"""

from __future__ import annotations

import heapq
import random

import pytest

from gigya_migrate.flows.throttle import Throttle, ThrottleStopped
from mock_gigya.rate_cap import RateCap


class Simulation:
    """Workers calling a site model through one Throttle, on a simulated clock."""

    def __init__(self, site, *, concurrency: int = 64, latency: float = 0.05, base: float = 0.5, cap: float = 30.0):
        self.now = 0.0
        self.site = site
        self.latency = latency
        self.concurrency = concurrency
        self._in_flight: list[tuple[float, int, float, bool]] = []
        self._seq = 0
        self.log: list[tuple[float, bool]] = []  # (start time, accepted) of every call
        self.throttle = Throttle(concurrency, base=base, cap=cap, clock=lambda: self.now, sleep=self._sleep,
                                 jitter=lambda: 0.5)

    def _sleep(self, seconds: float) -> None:
        self._advance(self.now + seconds)

    def _advance(self, until: float) -> None:
        """Finish every call due by ``until`` (releasing its slot at its finish time)."""
        while self._in_flight and self._in_flight[0][0] <= until:
            finish, _, started, accepted = heapq.heappop(self._in_flight)
            self.now = max(self.now, finish)
            self.throttle.release(started, rate_limited=not accepted)
        self.now = max(self.now, until)

    def run(self, seconds: float) -> "Simulation":
        end = self.now + seconds
        while self.now < end:
            if self.throttle.active < self.concurrency:
                started = self.throttle.acquire()  # may sleep (a paced slot, a pause): calls finish meanwhile
                accepted = self.site(started)
                self.log.append((started, accepted))
                self._seq += 1
                heapq.heappush(self._in_flight, (started + self.latency, self._seq, started, accepted))
            else:
                self._advance(self._in_flight[0][0])
        return self

    def between(self, start: float, end: float) -> tuple[float, float]:
        """(accepted calls per second, share of calls refused) among calls started in [start, end)."""
        calls = [ok for t, ok in self.log if start <= t < end]
        accepted = sum(calls)
        return accepted / (end - start), 1 - accepted / len(calls)


def capped(rate: float, sim_clock, burst_seconds: float = 1.0):
    bucket = RateCap(rate, burst_seconds=burst_seconds, clock=sim_clock)
    return lambda started: bucket.admit("3_site")


def random_refusals(share: float, seed: int = 7):
    rng = random.Random(seed)
    return lambda started: rng.random() >= share


def test_converges_just_under_a_rate_cap_with_few_refusals():
    # 64 connections at 50 ms could send 1,280 calls/s; the key is allowed 400/s
    sim = Simulation(None)
    sim.site = capped(400, lambda: sim.now)
    sim.run(60)
    rate, refused = sim.between(10, 60)
    assert 0.90 * 400 <= rate <= 400 * (1 + 1 / 50)  # the bucket's rate, plus its one-second burst over 50 s
    assert refused <= 0.05
    assert 0.9 * 400 <= sim.throttle.ceiling <= 1.1 * 400
    # and quickly: the first five seconds already run near the cap
    early, _ = sim.between(1, 5)
    assert early >= 0.85 * 400


def test_a_steady_random_share_of_403048_costs_about_that_share():
    # 10% of calls refused whatever the rate: the ideal is 1,280 calls/s, 1,152 of them accepted
    sim = Simulation(random_refusals(0.10)).run(60)
    rate, refused = sim.between(5, 60)
    assert rate >= 0.85 * 1280  # the old halve-and-pause throttle got ~5% of this
    assert refused == pytest.approx(0.10, abs=0.02)
    assert sim.throttle.background == pytest.approx(0.10, abs=0.04)


def test_a_cap_and_random_refusals_together():
    sim = Simulation(None)
    bucket, noise = capped(400, lambda: sim.now), random_refusals(0.10, seed=3)
    sim.site = lambda started: bucket(started) and noise(started)  # the mock: cap first, then faults
    sim.run(60)
    rate, refused = sim.between(10, 60)
    assert rate >= 0.85 * 0.9 * 400  # the random tenth of the cap's calls is lost whatever we do
    assert refused <= 0.10 + 0.06


def test_a_cap_that_rises_is_found_again():
    sim = Simulation(None)
    caps = [200]
    buckets = {200: RateCap(200, clock=lambda: sim.now), 800: RateCap(800, clock=lambda: sim.now)}
    sim.site = lambda started: buckets[caps[0]].admit("3_site")
    sim.run(20)
    low, _ = sim.between(5, 20)
    caps[0] = 800  # another client of the key stopped
    sim.run(30)
    high, refused = sim.between(35, 50)
    assert low >= 0.9 * 200 and high >= 0.85 * 800 and refused <= 0.05


def test_a_client_much_faster_than_the_cap_overshoots_it_by_little_and_never_pauses():
    # 16 connections answered in 2 ms could send 8,000 calls/s at a key allowed 150/s (with the
    # mock's one-second burst): the refusals are those of finding the cap, not of a window's worth
    # of full-speed sending (335 of them before the hold-back, 1,131 at 5 ms), and the runs of
    # ~50 refusals between the cap's evenly spaced successes are not taken for a blocked site
    sim = Simulation(None, concurrency=16, latency=0.002)
    sim.site = capped(150, lambda: sim.now)
    sim.run(4)
    refused = sum(1 for _, ok in sim.log if not ok)
    assert refused <= 150  # a second of the cap (60 here)
    assert sim.throttle.last_penalty == float("-inf")  # nobody was paused
    assert 0.9 * 150 <= sim.throttle.ceiling <= 1.1 * 150
    rate, _ = sim.between(2, 4)
    assert rate >= 0.9 * 150  # and the allowance is used


def test_a_site_refusing_everything_pauses_every_worker_with_a_doubling_backoff():
    blocked_until = 5.0
    sim = Simulation(lambda started: started >= blocked_until, base=0.5, cap=4.0)
    sim.run(15)
    refused_calls = sum(1 for t, ok in sim.log if not ok)
    # a pause per event (0.5, 1, 2, 4 s x 0.75 jitter) and one concurrency's worth of calls each,
    # not a storm of immediate retries
    assert refused_calls <= 64 * 6
    assert sim.throttle.delay <= 4.0
    rate, refused = sim.between(10, 15)
    assert rate >= 0.9 * 1280 and refused == 0  # and full speed once the site accepts again


def test_the_first_refusal_pauses_everyone_and_one_burst_counts_once():
    now = [100.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    throttle = Throttle(8, base=1.0, cap=8.0, clock=lambda: now[0], sleep=sleep, jitter=lambda: 1.0)
    first, second = throttle.acquire(), throttle.acquire()
    throttle.release(first, rate_limited=True)  # nothing has succeeded yet: a hard block
    assert throttle.delay == 1.0 and throttle.resume_at == 101.0
    throttle.release(second, rate_limited=True)  # started before the pause: the same burst
    assert throttle.delay == 1.0
    later = throttle.acquire()  # every caller waits out the pause
    assert slept == [1.0]
    throttle.release(later, rate_limited=True)
    assert throttle.delay == 2.0
    for _ in range(40):
        throttle.release(throttle.acquire())
    assert throttle.delay == 0.0 and throttle.limit == 8  # concurrency is never narrowed


def test_isolated_refusals_after_successes_do_not_pause_anyone():
    now = [0.0]
    throttle = Throttle(8, clock=lambda: now[0], sleep=lambda s: pytest.fail("nobody should wait"))
    throttle.release(throttle.acquire())
    for _ in range(7):  # fewer than a concurrency's worth in a row
        throttle.release(throttle.acquire(), rate_limited=True)
    assert throttle.resume_at == 0.0 and throttle.delay == 0.0


def test_stop_wakes_a_worker_waiting_for_its_paced_slot():
    now = [0.0]
    throttle = Throttle(4, clock=lambda: now[0], sleep=lambda s: throttle.stop())
    throttle.rate, throttle._next_slot = 1.0, 10.0  # the next slot is 10 s away
    with pytest.raises(ThrottleStopped):
        throttle.acquire()
    assert throttle.active == 0


# ---------------------------------------------------------------------------------------------
# the whole import path against the mock (real time: bounds are loose, the contrast is not)


def _import_into(mock, count: int, concurrency: int):
    from gigya_migrate.client import GigyaClient
    from gigya_migrate.flows.import_accounts import ImportJob, import_records
    from gigya_migrate.flows.mapping import Mapping
    from gigya_migrate.flows.runner import RunOptions
    from mock_gigya import defaults

    client = GigyaClient(defaults.DEFAULT_API_KEY, user_key=defaults.DEFAULT_USER_KEY, secret=defaults.DEFAULT_SECRET,
                         max_retries=0)
    job = ImportJob(Mapping(fields={"first_name": "profile.firstName"}), client, defaults.DEFAULT_API_KEY, lookup=False)
    records = ({"email": f"user{i}@example.com", "first_name": f"User {i}"} for i in range(count))
    return import_records(records, job, RunOptions(concurrency=concurrency, progress=False))


def test_an_import_under_random_403048_loses_nothing_and_does_not_stall():
    from mock_gigya.inprocess import mock_gigya

    with mock_gigya() as mock:
        mock.faults.configure(rate_limit_prob=0.10, seed=5, methods=["accounts.importFullAccount"])
        report = _import_into(mock, 300, 8)
        stored = mock.accounts(mock.backend.sites()[0].api_key).count()
    assert (report.ok, report.failed, stored) == (300, 0, 300)
    assert report.rate_limited >= 15
    # the old halve-and-pause throttle slept 0.5 s, 1 s, 2 s ... per 403048 (minutes for this run)
    assert report.duration < 15


def test_an_import_into_a_rate_capped_mock_stays_under_the_cap():
    from mock_gigya.inprocess import mock_gigya

    with mock_gigya() as mock:
        mock.backend.server_options["rateCap"] = 150.0
        report = _import_into(mock, 600, 16)
        refused = sum(mock.rate_cap.refused.values())
    assert (report.ok, report.failed) == (600, 0)
    assert report.rate_limited == refused
    # the cap lets 150/s plus a one-second burst through: 600 records need at least ~3 s
    assert report.throughput <= 150 * 1.5
    # refusals are the overshoot of finding the cap (the bucket's saved-up second hides it at
    # first), not a steady share: bounded whatever the run's length. This client sends thousands of
    # calls a second in-process; before the hold-back (Throttle._hold_back) it sent at that speed
    # for a whole window and 268-654 calls were refused (median over 400); now 110-240 (two of
    # the cap's seconds at most). The steady share over a long run is make bench's
    # rate_limited_share (<= 0.05).
    assert refused <= 2 * 150


def test_paced_slots_are_never_handed_out_twice_by_many_waiting_workers():
    # 16 real threads wait for their paced slots at once (the case a one-thread simulation cannot
    # show); changing the rate while they wait must not book the same seconds again
    import threading
    import time

    throttle = Throttle(16, window=1000.0)  # no window closes: the rate stays what the test sets
    with throttle._cond:
        throttle._set_rate(40.0, time.monotonic())
    starts: list[float] = []
    stop_at = time.monotonic() + 1.5

    def worker():
        while time.monotonic() < stop_at:
            started = throttle.acquire()
            starts.append(started)
            throttle.release(started)
            with throttle._cond:  # what a window close does: set the (same) rate again
                throttle._set_rate(40.0, time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    elapsed = max(starts) - min(starts)
    # 40 slots a second, whatever the load: a loaded machine can only start fewer
    assert len(starts) <= 40 * elapsed + 2
