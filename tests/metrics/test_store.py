"""MetricStore: series keys, window queries, aggregates (rate with a counter reset), the max_series cap."""

from __future__ import annotations

import math

import pytest

from opstui.clock import FakeClock
from opstui.metrics.store import MetricStore, quantile

T0 = 1_790_000_000.0


@pytest.fixture
def store() -> MetricStore:
    return MetricStore(FakeClock(T0), retention=3600.0, resolution=1.0, max_series=3)


def test_record_and_latest(store: MetricStore) -> None:
    assert store.value("queue") is None and store.latest("queue") is None
    store.record("queue", 3, T0 - 5)
    store.record("queue", 7)
    assert store.latest("queue") == (T0, 7.0)
    store.record("latency", 1.0, labels={"source": "api"})
    assert store.value("latency") is None
    assert store.value("latency", {"source": "api"}) == 1.0
    assert store.series("latency") == [('latency{source="api"}', {"source": "api"})]
    assert store.names() == ["latency", "queue"]


def test_capacity_follows_retention_and_resolution() -> None:
    store = MetricStore(FakeClock(T0), retention=48 * 3600.0, resolution=5.0)
    assert store.capacity == 34_560
    store.record("m", 1.0)
    assert store.nbytes() == 64 * 16, "a series costs what it holds, not its capacity"


def test_a_ring_grows_to_its_capacity_then_wraps() -> None:
    from opstui.metrics.ring import Ring

    ring = Ring(capacity=1000, resolution=1.0)
    for t in range(2500):
        ring.append(float(t), float(t))
        if t == 99:
            assert ring.nbytes() == 128 * 16  # doubled from 64 as the points came
    assert ring.nbytes() == 1000 * 16 and len(ring) == 1000
    assert list(ring)[0] == (1500.0, 1500.0) and ring.last() == (2499.0, 2499.0)
    assert ring.since(2497.0) == ([2497.0, 2498.0, 2499.0], [2497.0, 2498.0, 2499.0])
    loaded = Ring(capacity=1000, resolution=1.0)
    from array import array

    loaded.load(array("d", [float(t) for t in range(300)]), array("d", [1.0] * 300))
    assert len(loaded) == 300 and loaded.first() == (0.0, 1.0) and loaded.nbytes() >= 300 * 16
    loaded.append(300.0, 2.0)
    assert loaded.last() == (300.0, 2.0)


def test_window_query_ends_at_now_or_until(store: MetricStore) -> None:
    for i in range(10):
        store.record("m", float(i), T0 - 9 + i)
    assert store.window("m", 3.0) == ([T0 - 3, T0 - 2, T0 - 1, T0], [6.0, 7.0, 8.0, 9.0])
    assert store.window("m", 2.0, until=T0 - 5) == ([T0 - 7, T0 - 6, T0 - 5], [2.0, 3.0, 4.0])
    assert store.window("nothing", 60.0) == ([], [])


def test_aggregates(store: MetricStore) -> None:
    for i, v in enumerate([4.0, 1.0, 3.0, 2.0]):
        store.record("m", v, T0 - 3 + i)
    expected = {"avg": 2.5, "min": 1.0, "max": 4.0, "sum": 10.0, "count": 4.0, "last": 2.0, "first": 4.0, "delta": -2.0}
    for fn, value in expected.items():
        assert store.aggregate("m", fn, 60.0) == value
    assert store.aggregate("m", "quantile", 60.0, q=0.5) == 2.5
    assert store.aggregate("m", "quantile", 60.0) == 2.5
    assert store.aggregate("m", "max", 1.0) == 3.0  # both ends of the window are included
    assert store.aggregate("nothing", "avg", 60.0) is None
    assert store.aggregate("nothing", "count", 60.0) == 0.0


def test_rate_counts_a_counter_reset_from_zero(store: MetricStore) -> None:
    for i, v in enumerate([0.0, 10.0, 20.0, 5.0, 15.0]):
        store.record("requests_total", v, T0 - 40 + 10 * i)
    # 10 + 10 + 5 (reset: the new value counts from zero) + 10 over 40 seconds
    assert store.aggregate("requests_total", "rate", 60.0) == pytest.approx(35.0 / 40.0)


def test_rate_needs_two_points(store: MetricStore) -> None:
    store.record("c", 5.0, T0)
    assert store.aggregate("c", "rate", 60.0) is None


def test_max_series_caps_new_series_only(store: MetricStore) -> None:
    for name in ("a", "b", "c", "d"):
        store.record(name, 1.0)
    assert store.names() == ["a", "b", "c"]
    assert store.dropped_series == 1
    store.record("a", 2.0, T0 + 1)
    assert store.value("a") == 2.0 and store.dropped_series == 1


def test_latest_all_skips_nan(store: MetricStore) -> None:
    store.record("a", 1.0)
    store.record("b", math.nan)
    assert store.latest_all() == {"a": 1.0}


def test_exact_quantile_interpolates() -> None:
    assert math.isnan(quantile([], 0.5))
    assert quantile([3.0], 0.9) == 3.0
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert quantile([1.0, 2.0, 3.0, 4.0], 1.5) == 4.0
