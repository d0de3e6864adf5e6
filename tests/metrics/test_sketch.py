"""LatencySketch: quantiles within the documented 1 % of the exact rank interval; merge, subtract, clamp."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opstui.metrics.sketch import BUCKETS, MAX_VALUE, MIN_VALUE, RELATIVE_ACCURACY, LatencySketch

latencies = st.one_of(
    st.floats(min_value=0.0, max_value=5_000.0),
    st.floats(min_value=MIN_VALUE, max_value=1.0),
    st.sampled_from([0.0, 0.001, MIN_VALUE, 1.0, 1_000.0, MAX_VALUE, 1e9]),
    st.floats(min_value=-10.0, max_value=1e12),
)
quantile_levels = st.one_of(st.floats(min_value=0.0, max_value=1.0), st.sampled_from([0.0, 0.5, 0.95, 0.99, 1.0]))


def clamped(value: float) -> float:
    """What the sketch promises to be accurate about: zero for <= 0, else the value clamped to its range."""
    return 0.0 if value <= 0 else min(max(value, MIN_VALUE), MAX_VALUE)


def assert_within_bound(estimate: float | None, values: list[float], q: float) -> None:
    """``estimate`` is within 1 % of ``x[floor(q(n-1))]``, hence of a value of the exact rank interval."""
    exact = sorted(clamped(v) for v in values)
    pos = q * (len(exact) - 1)
    low, high = exact[math.floor(pos)], exact[math.ceil(pos)]
    assert estimate is not None
    assert abs(estimate - low) <= RELATIVE_ACCURACY * low
    assert low * (1 - RELATIVE_ACCURACY) <= estimate <= high * (1 + RELATIVE_ACCURACY)


@given(st.lists(latencies, min_size=1, max_size=300), quantile_levels)
def test_quantile_within_relative_error_of_exact_rank(values: list[float], q: float) -> None:
    sketch = LatencySketch()
    sketch.add_many(values)
    assert sketch.count == len(values)
    assert_within_bound(sketch.quantile(q), values, q)


@given(st.lists(latencies, min_size=1, max_size=200), st.lists(quantile_levels, min_size=1, max_size=5))
def test_quantiles_in_one_pass_match_single_calls(values: list[float], qs: list[float]) -> None:
    sketch = LatencySketch()
    sketch.add_many(values)
    assert sketch.quantiles(qs) == [sketch.quantile(q) for q in qs]


@given(st.lists(latencies, min_size=1, max_size=200))
def test_quantiles_are_monotonic(values: list[float]) -> None:
    sketch = LatencySketch()
    sketch.add_many(values)
    p50, p95, p99 = sketch.quantiles((0.5, 0.95, 0.99))
    assert p50 is not None and p95 is not None and p99 is not None
    assert p50 <= p95 <= p99


@given(st.lists(latencies, max_size=100), st.lists(latencies, max_size=100), quantile_levels)
def test_merge_is_the_same_as_adding_everything(left: list[float], right: list[float], q: float) -> None:
    a, b, both = LatencySketch(), LatencySketch(), LatencySketch()
    a.add_many(left)
    b.add_many(right)
    both.add_many(left + right)
    a.merge(b)
    assert a.count == both.count == len(left) + len(right)
    assert a.quantile(q) == both.quantile(q)


@given(st.lists(latencies, min_size=1, max_size=100), st.lists(latencies, max_size=100), quantile_levels)
def test_subtract_undoes_merge(kept: list[float], removed: list[float], q: float) -> None:
    total, gone, alone = LatencySketch(), LatencySketch(), LatencySketch()
    total.add_many(kept)
    gone.add_many(removed)
    alone.add_many(kept)
    total.merge(gone)
    total.subtract(gone)
    assert total.count == len(kept)
    assert total.quantile(q) == alone.quantile(q)


def test_empty_sketch_has_no_quantiles() -> None:
    sketch = LatencySketch()
    assert sketch.count == 0
    assert sketch.quantile(0.5) is None
    assert sketch.quantiles((0.5, 0.99)) == [None, None]


def test_clear_and_copy() -> None:
    sketch = LatencySketch()
    sketch.add_many([1.0, 2.0, 3.0])
    twin = sketch.copy()
    sketch.clear()
    assert sketch.count == 0 and sketch.quantile(1.0) is None
    assert twin.count == 3
    assert twin.quantile(1.0) == pytest.approx(3.0, rel=RELATIVE_ACCURACY)


def test_zero_and_sub_millisecond_values() -> None:
    sketch = LatencySketch()
    sketch.add_many([0.0, 0.0, 0.25, 0.5])
    assert sketch.quantile(0.0) == 0.0
    assert sketch.quantile(1 / 3) == 0.0
    assert sketch.quantile(2 / 3) == pytest.approx(0.25, rel=RELATIVE_ACCURACY)
    assert sketch.quantile(1.0) == pytest.approx(0.5, rel=RELATIVE_ACCURACY)


def test_out_of_range_values_are_clamped_and_buckets_bounded() -> None:
    assert 1000 < BUCKETS < 1100
    sketch = LatencySketch()
    sketch.add_many([1e-9, 1e-3, -5.0, 1e15, math.inf])
    assert sketch.quantile(0.0) == 0.0
    assert sketch.quantile(0.25) == pytest.approx(MIN_VALUE, rel=RELATIVE_ACCURACY)
    assert sketch.quantile(1.0) == pytest.approx(MAX_VALUE, rel=RELATIVE_ACCURACY)


@pytest.mark.parametrize("q", [-0.01, 1.01, math.nan])
def test_quantile_level_outside_0_1_is_refused(q: float) -> None:
    sketch = LatencySketch()
    sketch.add(1.0)
    with pytest.raises(ValueError):
        sketch.quantile(q)
