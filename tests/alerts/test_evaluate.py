"""Evaluation against a real metric store: every expression form gives the vector PromQL would."""

from __future__ import annotations

import math

import pytest

from opstui.alerts.evaluate import Context, Vector, evaluate
from opstui.alerts.expr import parse
from opstui.clock import FakeClock
from opstui.metrics.store import MetricStore

API = (("source", "api"),)
WEB = (("source", "web"),)


def run(text: str, store: MetricStore, clock: FakeClock, lookback: float = 300.0) -> Vector:
    return evaluate(parse(text), Context(store, clock.now(), lookback))


def feed(store: MetricStore, clock: FakeClock, metric: str, values: list[float], **labels: str) -> None:
    """One point a second ending now, oldest first."""
    now = clock.now()
    for i, value in enumerate(values):
        store.record(metric, value, now - (len(values) - 1 - i), labels or None)


def test_a_metric_alone_is_its_latest_value(store: MetricStore, clock: FakeClock) -> None:
    feed(store, clock, "error_rate", [1.0, 7.5])
    assert run("error_rate", store, clock) == {(): 7.5}
    assert run("missing", store, clock) == {}


@pytest.mark.parametrize(
    ("op", "holds"), [(">", True), (">=", True), ("<", False), ("<=", False), ("==", False), ("!=", True)]
)
def test_comparisons_keep_the_left_value_when_they_hold(
    store: MetricStore, clock: FakeClock, op: str, holds: bool
) -> None:
    feed(store, clock, "error_rate", [7.5])
    assert run(f"error_rate {op} 5", store, clock) == ({(): 7.5} if holds else {})


def test_a_number_on_the_left_keeps_the_metric_value(store: MetricStore, clock: FakeClock) -> None:
    feed(store, clock, "error_rate", [7.5])
    assert run("5 < error_rate", store, clock) == {(): 7.5}
    assert run("2 > 1", store, clock) == {(): 2.0}
    assert run("1 > 2", store, clock) == {}


def test_label_matchers_pick_series(store: MetricStore, clock: FakeClock) -> None:
    feed(store, clock, "check_up", [0.0], source="api")
    feed(store, clock, "check_up", [1.0], source="web")
    assert run("check_up == 0", store, clock) == {API: 0.0}
    assert run('check_up{source="web"}', store, clock) == {WEB: 1.0}
    assert run('check_up{source!="web"}', store, clock) == {API: 0.0}
    assert run('check_up{source=~"a.*"}', store, clock) == {API: 0.0}
    assert run('check_up{source!~"a.*"}', store, clock) == {WEB: 1.0}
    assert run('check_up{source=~"p"}', store, clock) == {}  # anchored, as in PromQL


def test_a_point_older_than_the_lookback_is_absent(store: MetricStore, clock: FakeClock) -> None:
    feed(store, clock, "error_rate", [9.0])
    clock.advance(300.0)
    assert run("error_rate > 5", store, clock) == {(): 9.0}
    clock.advance(1.0)
    assert run("error_rate > 5", store, clock) == {}


def test_arithmetic(store: MetricStore, clock: FakeClock) -> None:
    feed(store, clock, "db_connections", [80.0])
    feed(store, clock, "db_max_connections", [100.0])
    assert run("db_connections / db_max_connections * 100 > 75", store, clock) == {(): 80.0}
    assert run("db_connections - 30 + 2", store, clock) == {(): 52.0}
    assert run("-db_connections", store, clock) == {(): -80.0}
    assert run("2 * 3 - 1", store, clock) == {(): 5.0}
    assert math.isinf(run("db_connections / 0", store, clock)[()])


def test_and_or_unless(store: MetricStore, clock: FakeClock) -> None:
    feed(store, clock, "error_rate", [7.0])
    feed(store, clock, "payment_success_rate", [99.0])
    assert run("error_rate > 5 and payment_success_rate < 95", store, clock) == {}
    assert run("error_rate > 5 and payment_success_rate > 95", store, clock) == {(): 7.0}
    assert run("error_rate > 50 or payment_success_rate > 95", store, clock) == {(): 99.0}
    assert run("error_rate > 5 or payment_success_rate > 95", store, clock) == {(): 7.0}  # left wins
    assert run("error_rate > 5 unless payment_success_rate > 95", store, clock) == {}
    assert run("error_rate > 5 unless payment_success_rate < 95", store, clock) == {(): 7.0}


def test_labelled_sides_match_on_labels(store: MetricStore, clock: FakeClock) -> None:
    feed(store, clock, "check_up", [0.0], source="api")
    feed(store, clock, "check_up", [0.0], source="web")
    feed(store, clock, "check_latency_ms", [900.0], source="api")
    assert run("check_up == 0 and check_latency_ms > 800", store, clock) == {API: 0.0}
    assert run("check_up == 0 unless check_latency_ms > 800", store, clock) == {WEB: 0.0}
    assert run("check_latency_ms > 800 or check_up == 0", store, clock) == {API: 900.0, WEB: 0.0}


def test_an_unlabelled_side_applies_to_every_series(store: MetricStore, clock: FakeClock) -> None:
    feed(store, clock, "check_up", [0.0], source="api")
    feed(store, clock, "check_up", [0.0], source="web")
    feed(store, clock, "error_rate", [9.0])
    assert run("check_up == 0 and error_rate > 5", store, clock) == {API: 0.0, WEB: 0.0}
    assert run("error_rate > 5 and check_up == 0", store, clock) == {(): 9.0}
    assert run("check_up == 0 and error_rate > 50", store, clock) == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("avg_over(latency, 5s)", 3.0),
        ("min_over(latency, 5s)", 1.0),
        ("max_over(latency, 5s)", 5.0),
        ("sum_over(latency, 5s)", 15.0),
        ("count_over(latency, 5s)", 5.0),
        ("last_over(latency, 5s)", 5.0),
        ("delta(latency, 5s)", 4.0),
        ("avg_over(latency, 2s)", 4.0),  # the last two seconds: points at now-2, now-1, now
        ("quantile_over(0.5, latency, 5s)", 3.0),
        ("p95_over(latency, 5s)", 4.8),
        ("p50_over(latency, 5s)", 3.0),
        ("avg_over_time(latency[5s])", 3.0),
    ],
)
def test_window_functions(store: MetricStore, clock: FakeClock, text: str, expected: float) -> None:
    feed(store, clock, "latency", [1.0, 2.0, 3.0, 4.0, 5.0])
    assert run(text, store, clock)[()] == pytest.approx(expected)


def test_window_functions_keep_labels_per_series(store: MetricStore, clock: FakeClock) -> None:
    feed(store, clock, "check_latency_ms", [100.0, 300.0], source="api")
    feed(store, clock, "check_latency_ms", [1000.0, 3000.0], source="web")
    assert run("avg_over(check_latency_ms, 1m) > 1000", store, clock) == {WEB: 2000.0}


def test_count_over_counts_points_in_the_window(store: MetricStore, clock: FakeClock) -> None:
    feed(store, clock, "payment_failed", [1.0] * 12)
    assert run("count_over(payment_failed, 5m) > 10", store, clock) == {(): 12.0}
    clock.advance(295.0)  # seven points have left the window
    assert run("count_over(payment_failed, 5m) > 10", store, clock) == {}


def test_rate_and_increase_of_a_counter_survive_a_reset(store: MetricStore, clock: FakeClock) -> None:
    # 10 a second for 4 s, then the service restarts and counts 0, 5.
    feed(store, clock, "payments_failed_total", [100.0, 110.0, 120.0, 130.0, 140.0, 0.0, 5.0])
    assert run("increase(payments_failed_total, 1m)", store, clock) == {(): 45.0}
    assert run("rate(payments_failed_total[1m])", store, clock) == {(): pytest.approx(45.0 / 6.0)}
    assert run("increase(payments_failed_total, 1m) > 10", store, clock) == {(): 45.0}


def test_a_window_without_points_gives_nothing(store: MetricStore, clock: FakeClock) -> None:
    feed(store, clock, "latency", [1.0])
    clock.advance(120.0)
    assert run("avg_over(latency, 1m)", store, clock) == {}
    assert run("count_over(latency, 1m)", store, clock) == {}


def test_absent(store: MetricStore, clock: FakeClock) -> None:
    assert run('absent(check_up{source="api"})', store, clock) == {API: 1.0}
    feed(store, clock, "check_up", [1.0], source="api")
    assert run('absent(check_up{source="api"})', store, clock) == {}
    assert run('absent(check_up{source="web"})', store, clock) == {WEB: 1.0}
    clock.advance(301.0)  # older than the lookback: absent again
    assert run('absent(check_up{source="api"})', store, clock) == {API: 1.0}


def test_absent_over(store: MetricStore, clock: FakeClock) -> None:
    feed(store, clock, "queue_length", [20.0])
    assert run("absent_over(queue_length, 5m)", store, clock) == {}
    clock.advance(299.0)
    assert run("absent_over(queue_length, 5m)", store, clock) == {}
    clock.advance(2.0)
    assert run("absent_over(queue_length, 5m)", store, clock) == {(): 1.0}
    assert run("absent_over_time(never_seen[1m])", store, clock) == {(): 1.0}


def test_stale_gives_each_silent_series_its_age(store: MetricStore, clock: FakeClock) -> None:
    feed(store, clock, "check_up", [1.0], source="api")
    clock.advance(60.0)
    feed(store, clock, "check_up", [1.0], source="web")
    clock.advance(70.0)
    assert run("stale(check_up, 2m)", store, clock) == {API: 130.0}
    assert run("stale(check_up, 2m) > 200", store, clock) == {}
    assert run("stale(never_seen, 2m)", store, clock) == {}  # never seen is absent(), not stale
