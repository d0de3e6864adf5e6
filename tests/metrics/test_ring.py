"""Ring: wrap-around, one point per resolution slot, time-window queries."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opstui.metrics.ring import Ring


def test_wraps_around_dropping_the_oldest() -> None:
    ring = Ring(3, resolution=0.0)
    for t in range(5):
        ring.append(float(t), t * 10.0)
    assert len(ring) == 3
    assert list(ring) == [(2.0, 20.0), (3.0, 30.0), (4.0, 40.0)]
    assert ring.last() == (4.0, 40.0)
    assert ring.nbytes() == 3 * 16


def test_same_resolution_slot_replaces_the_newest_point() -> None:
    ring = Ring(10, resolution=5.0)
    ring.append(10.0, 1.0)
    ring.append(12.0, 2.0)
    assert list(ring) == [(12.0, 2.0)]
    ring.append(15.0, 3.0)
    assert list(ring) == [(12.0, 2.0), (15.0, 3.0)]


def test_an_older_timestamp_replaces_the_newest_value_and_keeps_time_ordered() -> None:
    ring = Ring(10, resolution=1.0)
    ring.append(10.0, 1.0)
    ring.append(20.0, 2.0)
    ring.append(5.0, 9.0)
    assert list(ring) == [(10.0, 1.0), (20.0, 9.0)]


def test_empty_ring() -> None:
    ring = Ring(4, resolution=1.0)
    assert len(ring) == 0 and ring.last() is None and ring.since(0.0) == ([], [])
    with pytest.raises(ValueError):
        Ring(0, resolution=1.0)


@given(
    st.integers(min_value=1, max_value=20),
    st.lists(st.integers(min_value=0, max_value=200), max_size=60),
    st.integers(min_value=-10, max_value=210),
    st.integers(min_value=-10, max_value=210),
)
def test_since_matches_a_plain_list_across_wrap_around(capacity: int, steps: list[int], since: int, until: int) -> None:
    ring = Ring(capacity, resolution=0.0)
    points: list[tuple[float, float]] = []
    t = 0.0
    for step in steps:
        t += step + 1  # strictly increasing: every append is a new point
        ring.append(t, -t)
        points = (points + [(t, -t)])[-capacity:]
    expected = [(ts, v) for ts, v in points if since <= ts <= until]
    times, values = ring.since(float(since), float(until))
    assert list(zip(times, values, strict=True)) == expected
    assert ring.since(float(since)) == ([ts for ts, _ in points if ts >= since], [v for ts, v in points if ts >= since])
