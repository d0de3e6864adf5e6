"""EventWindows against an exact computation on the raw events; eviction, late and future events, counters."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opstui.metrics.sketch import MAX_VALUE, MIN_VALUE, RELATIVE_ACCURACY
from opstui.metrics.windows import EventWindows, WindowStats
from opstui.sources.events import DeployEvent, ErrorEvent, Event, MetricEvent, PaymentEvent, RequestEvent

T0 = 1_790_000_000.0


@dataclass
class Reference:
    """The window's definition, kept on the raw events: each event is pinned to a cell when observed
    (its own, or the current one when stamped ahead of now), and a window at ``now`` is the current cell and
    the ``cells - 1`` before it."""

    window: float
    bucket: float
    cells: int
    current: int | None = None
    first: int = 0
    kept: list[tuple[int, Event]] = field(default_factory=list)
    observed: list[Event] = field(default_factory=list)
    dropped: int = 0

    def advance(self, now: float) -> int:
        target = math.floor(now / self.bucket)
        if self.current is None:
            self.current = self.first = target
        self.current = max(self.current, target)
        return self.current

    def observe(self, events: list[Event], now: float) -> None:
        current = self.advance(now)
        for event in events:
            if not isinstance(event, RequestEvent | PaymentEvent):
                continue
            self.observed.append(event)
            cell = min(math.floor(event.ts / self.bucket), current)
            if cell <= current - self.cells:
                self.dropped += 1
            else:
                self.kept.append((cell, event))
                self.first = min(self.first, cell)

    def live(self, now: float) -> list[Event]:
        current = self.advance(now)
        return [event for cell, event in self.kept if cell > current - self.cells]


def clamped(value: float) -> float:
    return 0.0 if value <= 0 else min(max(value, MIN_VALUE), MAX_VALUE)


def check_percentile(estimate: float | None, durations: list[float], q: float) -> None:
    exact = sorted(clamped(d) for d in durations)
    pos = q * (len(exact) - 1)
    low, high = exact[math.floor(pos)], exact[math.ceil(pos)]
    assert estimate is not None
    assert low * (1 - RELATIVE_ACCURACY) <= estimate <= high * (1 + RELATIVE_ACCURACY)


def check(stats: WindowStats, ref: Reference, windows: EventWindows, now: float) -> None:
    live = ref.live(now)
    requests = [e for e in live if isinstance(e, RequestEvent)]
    payments = [e for e in live if isinstance(e, PaymentEvent)]
    failed = sum(1 for e in requests if e.status >= 500)
    paid = [e for e in payments if e.succeeded]
    assert stats.requests == len(requests)
    assert stats.requests_failed == failed
    assert stats.payments == len(payments)
    assert stats.payments_failed == len(payments) - len(paid)
    assert stats.revenue == pytest.approx(sum(e.amount for e in paid), abs=1e-6)
    if requests:
        assert stats.error_rate == pytest.approx(100.0 * failed / len(requests))
        durations = [e.duration_ms for e in requests]
        check_percentile(stats.latency_p50, durations, 0.50)
        check_percentile(stats.latency_p95, durations, 0.95)
        check_percentile(stats.latency_p99, durations, 0.99)
    else:
        assert stats.error_rate is stats.latency_p50 is stats.latency_p95 is stats.latency_p99 is None
    if payments:
        assert stats.payment_success_rate == pytest.approx(100.0 * len(paid) / len(payments))
    else:
        assert stats.payment_success_rate is None
    assert ref.current is not None
    minutes = (ref.current - max(ref.current - ref.cells + 1, ref.first) + 1) * ref.bucket / 60.0
    assert stats.requests_per_min == pytest.approx(len(requests) / minutes)
    assert stats.payments_per_min == pytest.approx(len(payments) / minutes)
    all_requests = [e for e in ref.observed if isinstance(e, RequestEvent)]
    all_payments = [e for e in ref.observed if isinstance(e, PaymentEvent)]
    assert windows.requests_total == len(all_requests)
    assert windows.requests_failed_total == sum(1 for e in all_requests if e.status >= 500)
    assert windows.payments_total == len(all_payments)
    assert windows.payments_failed_total == sum(1 for e in all_payments if not e.succeeded)
    assert windows.dropped == ref.dropped


def event_at(now: float) -> st.SearchStrategy[Event]:
    """Requests and payments stamped from well before the window to a few buckets ahead, plus noise."""
    ts = st.floats(min_value=-40.0, max_value=6.0).map(lambda offset: now + offset)
    latency = st.one_of(st.floats(min_value=0.0, max_value=3_000.0), st.sampled_from([0.0, 0.005, 0.3, 12.0]))
    return st.one_of(
        st.builds(RequestEvent, ts, st.sampled_from([200, 201, 404, 499, 500, 503]), latency),
        st.builds(PaymentEvent, ts, st.booleans(), st.floats(min_value=0.0, max_value=500.0)),
        st.builds(MetricEvent, ts, st.just("queue_length"), st.just(3.0)),
    )


Scenario = tuple[float, float, list[tuple[float, list[Event]]]]
"""window, bucket, and the (now, events) of each observe call."""


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    window, bucket = draw(st.sampled_from([(20.0, 1.0), (10.0, 0.5), (30.0, 5.0), (7.0, 2.0)]))
    now = T0 + draw(st.floats(min_value=0.0, max_value=10.0))
    steps: list[tuple[float, list[Event]]] = []
    for _ in range(draw(st.integers(min_value=1, max_value=12))):
        now += draw(
            st.one_of(
                st.floats(min_value=0.0, max_value=8.0),
                st.sampled_from([0.0, bucket, window]),
                st.floats(min_value=-3.0, max_value=0.0),
            )
        )
        steps.append((now, draw(st.lists(event_at(now), max_size=25))))
    return window, bucket, steps


@settings(deadline=None)
@given(scenarios())
def test_windows_match_exact_computation(scenario: Scenario) -> None:
    window, bucket, steps = scenario
    windows = EventWindows(window, bucket)
    ref = Reference(window, bucket, windows.cells)
    for now, events in steps:
        windows.observe(events, now)
        ref.observe(events, now)
        check(windows.stats(now), ref, windows, now)
    # and as time passes with no traffic, until the window is empty
    last = steps[-1][0]
    for later in (last + bucket, last + window / 2, last + window - bucket, last + window, last + 3 * window):
        check(windows.stats(later), ref, windows, later)
    assert windows.stats(last + 3 * window).requests == 0


def test_empty_window_gives_none() -> None:
    stats = EventWindows().stats(T0)
    assert stats == WindowStats(None, None, None, None, None, 0.0, 0.0, 0, 0, 0, 0, 0.0)


def test_only_payments_or_only_requests() -> None:
    windows = EventWindows()
    windows.observe([PaymentEvent(T0, True, 10.0)], T0)
    stats = windows.stats(T0)
    assert stats.payment_success_rate == 100.0 and stats.revenue == 10.0
    assert stats.error_rate is None and stats.latency_p99 is None
    windows.observe([RequestEvent(T0, 503, 40.0)], T0)
    stats = windows.stats(T0)
    assert stats.error_rate == 100.0
    assert stats.latency_p50 == pytest.approx(40.0, rel=RELATIVE_ACCURACY)


def test_old_cells_are_evicted_as_now_advances() -> None:
    windows = EventWindows(window=300.0, bucket=1.0)
    windows.observe([RequestEvent(T0 + 0.2, 500, 10.0), PaymentEvent(T0 + 0.7, False)], T0 + 0.9)
    windows.observe([RequestEvent(T0 + 100.5, 200, 20.0)], T0 + 100.5)
    assert windows.stats(T0 + 299.99).requests == 2
    stats = windows.stats(T0 + 300.0)
    assert (stats.requests, stats.requests_failed, stats.payments) == (1, 0, 0)
    assert stats.error_rate == 0.0
    assert stats.latency_p99 == pytest.approx(20.0, rel=RELATIVE_ACCURACY)
    assert windows.stats(T0 + 400.5).requests == 0
    # counters are since start: eviction does not touch them
    assert (windows.requests_total, windows.requests_failed_total) == (2, 1)
    assert (windows.payments_total, windows.payments_failed_total) == (1, 1)


def test_late_events_within_the_window_count_older_ones_are_dropped() -> None:
    windows = EventWindows(window=60.0, bucket=1.0)
    now = T0 + 1000.0
    windows.stats(now)
    windows.observe(
        [
            RequestEvent(now - 58.5, 200, 5.0),
            RequestEvent(now - 61.0, 500, 5.0),
            PaymentEvent(now - 30.0, True, 7.5),
            PaymentEvent(now - 600.0, True, 99.0),
        ],
        now,
    )
    stats = windows.stats(now)
    assert (stats.requests, stats.requests_failed, stats.payments, stats.revenue) == (1, 0, 1, 7.5)
    assert windows.dropped == 2
    assert windows.requests_total == 2 and windows.requests_failed_total == 1 and windows.payments_total == 2
    # the late request sits in its own (old) cell, so it leaves the window first
    assert windows.stats(now + 1.0).requests == 0
    assert windows.stats(now + 1.0).payments == 1


def test_future_events_go_to_the_current_cell() -> None:
    windows = EventWindows(window=10.0, bucket=1.0)
    now = T0 + 0.5
    windows.observe([RequestEvent(now + 0.7, 200, 5.0), RequestEvent(now + 3600.0, 502, 5.0)], now)
    assert windows.stats(now).requests == 2
    # they expire with the cell they were put in, not with their own timestamps
    assert windows.stats(T0 + 9.99).requests == 2
    assert windows.stats(T0 + 10.0).requests == 0
    assert windows.dropped == 0


def test_a_clock_stepping_back_does_not_move_the_window_back() -> None:
    windows = EventWindows(window=10.0, bucket=1.0)
    windows.observe([RequestEvent(T0 + 20.0, 200, 5.0)], T0 + 20.0)
    windows.observe([RequestEvent(T0 + 5.0, 200, 5.0)], T0 + 5.0)
    assert windows.stats(T0 + 5.0).requests == 1
    assert windows.dropped == 1


def test_a_jump_beyond_the_window_clears_everything() -> None:
    windows = EventWindows(window=10.0, bucket=1.0)
    windows.observe([RequestEvent(T0 + i, 200, 5.0 + i) for i in range(10)], T0 + 9.0)
    assert windows.stats(T0 + 9.0).requests == 10
    windows.observe([RequestEvent(T0 + 500.0, 200, 80.0)], T0 + 500.0)
    stats = windows.stats(T0 + 500.0)
    assert stats.requests == 1
    assert stats.latency_p50 == pytest.approx(80.0, rel=RELATIVE_ACCURACY)


def test_rate_per_minute_counts_only_the_time_since_start() -> None:
    windows = EventWindows(window=300.0, bucket=1.0)
    windows.observe([RequestEvent(T0 + i / 6, 200, 5.0) for i in range(60)], T0 + 9.9)
    assert windows.stats(T0 + 9.9).requests_per_min == pytest.approx(360.0)
    # five minutes later the full window divides
    assert windows.stats(T0 + 299.0).requests_per_min == pytest.approx(12.0)


def test_other_events_are_ignored_and_stats_is_read_only() -> None:
    windows = EventWindows()
    events: list[Event] = [
        MetricEvent(T0, "q", 1.0),
        DeployEvent(T0, "v1"),
        ErrorEvent(T0, "critical", "boom"),
        RequestEvent(T0, 200, 12.0),
    ]
    windows.observe(events, T0)
    assert windows.stats(T0) == windows.stats(T0)
    assert windows.stats(T0).requests == 1 and windows.requests_total == 1


def test_cell_count_and_bad_arguments() -> None:
    assert EventWindows(window=0.3, bucket=0.1).cells == 3
    assert EventWindows(window=300.0, bucket=7.0).cells == 43
    for window, bucket in ((10.0, 0.0), (1.0, 2.0), (10.0, -1.0)):
        with pytest.raises(ValueError):
            EventWindows(window, bucket)
