"""Product events per window: count, sum and per minute equal the exact figures; labels break them down;
names beyond the bound count as ``other``."""

from __future__ import annotations

import pytest

from opstui.metrics.business import OTHER, BusinessWindows
from opstui.sources.events import BusinessEvent

NOW = 1_800_000_000.0  # a multiple of 10: the window's cells start on it


def test_count_sum_and_rate_over_the_window() -> None:
    windows = BusinessWindows(window=300.0)
    windows.observe([BusinessEvent(NOW - 400.0, "signup")], NOW - 400.0)  # the first cell seen: rate spans from it
    events = [
        BusinessEvent(NOW - 250.0, "signup"),
        BusinessEvent(NOW - 120.0, "signup"),
        BusinessEvent(NOW - 5.0, "signup"),
        BusinessEvent(NOW - 200.0, "donation", 25.0, (("campaign", "winter"),)),
        BusinessEvent(NOW - 10.0, "donation", 12.5, (("campaign", "winter"),)),
        BusinessEvent(NOW - 1.0, "donation", 40.0, (("campaign", "general"),)),
        BusinessEvent(NOW - 350.0, "donation", 1000.0),  # older than the window: not counted
    ]
    windows.observe(events, NOW)
    stats = {s.name: s for s in windows.by_name(NOW)}
    assert (stats["signup"].count, stats["signup"].total) == (3, 0.0)
    assert (stats["donation"].count, stats["donation"].total) == (3, 77.5)
    # 30 cells of 10 s: three events over the 300 s the window spans is 0.6 a minute.
    assert stats["signup"].per_min == pytest.approx(0.6)
    assert stats["donation"].per_min == pytest.approx(0.6)
    labelled = {(s.name, s.labels): (s.count, s.total) for s in windows.by_labels(NOW)}
    assert labelled == {
        ("donation", (("campaign", "general"),)): (1, 40.0),
        ("donation", (("campaign", "winter"),)): (2, 37.5),
    }
    assert stats["donation"].label_dict == {"name": "donation"}
    later = {s.name: s.count for s in windows.by_name(NOW + 200.0)}
    assert later == {"donation": 2, "signup": 1}  # the window moved on: only the last 300 s count
    assert {s.name: s.count for s in windows.by_name(NOW + 1000.0)} == {"donation": 0, "signup": 0}


def test_the_rate_of_a_young_window_counts_only_the_time_it_spans() -> None:
    windows = BusinessWindows(window=300.0)
    windows.observe([BusinessEvent(NOW + 1.0, "signup"), BusinessEvent(NOW + 2.0, "signup")], NOW + 5.0)
    [stat] = windows.by_name(NOW + 5.0)
    assert stat.count == 2 and stat.per_min == pytest.approx(12.0)  # two in one 10 s cell


def test_names_beyond_the_bound_count_as_other() -> None:
    windows = BusinessWindows(window=300.0, max_names=2, max_labelled=1)
    events = [BusinessEvent(NOW, f"event-{i}", float(i), (("k", str(i)),)) for i in range(5)]
    windows.observe(events, NOW)
    stats = {s.name: (s.count, s.total) for s in windows.by_name(NOW)}
    assert stats == {"event-0": (1, 0.0), "event-1": (1, 1.0), OTHER: (3, 9.0)}
    labelled = {(s.name, s.labels): s.count for s in windows.by_labels(NOW)}
    assert labelled == {
        ("event-0", (("k", "0"),)): 1,
        ("event-1", ((OTHER, "true"),)): 1,
        ("event-2", ((OTHER, "true"),)): 1,
        ("event-3", ((OTHER, "true"),)): 1,
        ("event-4", ((OTHER, "true"),)): 1,
    }
