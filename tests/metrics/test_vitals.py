"""Web vitals: p75 per vital and per page against an exact computation on the same events, the web.dev
ratings at their exact boundaries, and the page bound (the rest as ``other``)."""

from __future__ import annotations

import math
import random

import pytest

from opstui.metrics.sketch import RELATIVE_ACCURACY
from opstui.metrics.vitals import GOOD, NEEDS_IMPROVEMENT, OTHER, POOR, THRESHOLDS, VitalWindows, rating
from opstui.sources.events import VITALS, WebVitalEvent

NOW = 1_800_000_000.0


def exact_p75(values: list[float]) -> float:
    """The definition the sketch documents: x[floor(0.75 (n - 1))] of the sorted values."""
    ordered = sorted(values)
    return ordered[math.floor(0.75 * (len(ordered) - 1))]


def draw(rng: random.Random, name: str) -> float:
    return rng.lognormvariate(math.log(0.06), 0.9) if name == "CLS" else rng.lognormvariate(math.log(900.0), 0.7)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_p75_per_vital_and_per_page_equals_an_exact_computation(seed: int) -> None:
    rng = random.Random(seed)
    pages = ["/", "/checkout", "/products/17", "/products/912?ref=mail"]
    events = [
        WebVitalEvent(NOW - rng.uniform(0.0, 280.0), name, draw(rng, name), rng.choice(pages))
        for _ in range(3000)
        for name in [rng.choice(VITALS)]
    ]
    windows = VitalWindows(window=300.0)
    windows.observe(events, NOW)
    site = {s.name: s for s in windows.site(NOW)}
    for name in VITALS:
        values = [e.value for e in events if e.name == name]
        assert site[name].count == len(values)
        exact = exact_p75(values)
        assert abs(site[name].p75 - exact) <= RELATIVE_ACCURACY * exact, name
        assert site[name].rating == rating(name, site[name].p75)
    by_page = {(s.page, s.name): s for s in windows.pages(NOW)}
    assert {page for page, _ in by_page} == {"/", "/checkout", "/products/:id"}  # ids and query dropped
    for (page, name), stat in by_page.items():
        values = [
            e.value
            for e in events
            if e.name == name and (e.page == page or page == "/products/:id" and e.page.startswith("/products/"))
        ]
        assert stat.count == len(values)
        assert abs(stat.p75 - exact_p75(values)) <= RELATIVE_ACCURACY * exact_p75(values)


def test_a_tiny_cls_keeps_the_bound_and_zero_is_exact() -> None:
    windows = VitalWindows()
    values = [0.0, 0.0, 0.0, 0.0005, 0.001, 0.002, 0.003, 0.004]
    windows.observe([WebVitalEvent(NOW, "CLS", v, "/") for v in values], NOW)
    [stat] = windows.site(NOW)
    assert abs(stat.p75 - exact_p75(values)) <= RELATIVE_ACCURACY * exact_p75(values)
    windows = VitalWindows()
    windows.observe([WebVitalEvent(NOW, "CLS", 0.0, "/") for _ in range(4)], NOW)
    assert windows.site(NOW)[0].p75 == 0.0


def test_values_leave_the_window_as_time_passes() -> None:
    windows = VitalWindows(window=300.0)
    windows.observe([WebVitalEvent(NOW - 100.0, "LCP", 5000.0, "/"), WebVitalEvent(NOW, "LCP", 1000.0, "/")], NOW)
    assert windows.site(NOW)[0].count == 2
    later = NOW + 250.0  # the first is now 350 s old: out of the window; the second 250 s: in it
    [stat] = windows.site(later)
    assert stat.count == 1 and abs(stat.p75 - 1000.0) <= 10.0 and stat.rating == GOOD
    assert windows.site(NOW + 400.0) == []
    windows.observe([WebVitalEvent(NOW, "LCP", 1.0, "/")], NOW + 400.0)  # older than the window: dropped
    assert windows.site(NOW + 400.0) == []


@pytest.mark.parametrize("name", VITALS)
def test_ratings_at_the_exact_boundaries(name: str) -> None:
    good, poor, _ = THRESHOLDS[name]
    assert rating(name, 0.0) == GOOD
    assert rating(name, good) == GOOD
    assert rating(name, good * 1.001) == NEEDS_IMPROVEMENT
    assert rating(name, poor) == NEEDS_IMPROVEMENT
    assert rating(name, poor * 1.001) == POOR


def test_the_web_dev_thresholds() -> None:
    assert THRESHOLDS == {
        "LCP": (2500.0, 4000.0, "ms"),
        "INP": (200.0, 500.0, "ms"),
        "CLS": (0.1, 0.25, ""),
        "TTFB": (800.0, 1800.0, "ms"),
        "FCP": (1800.0, 3000.0, "ms"),
    }
    assert [rating("LCP", v) for v in (2400.0, 3000.0, 4100.0)] == [GOOD, NEEDS_IMPROVEMENT, POOR]
    assert [rating("CLS", v) for v in (0.05, 0.2, 0.3)] == [GOOD, NEEDS_IMPROVEMENT, POOR]


def test_pages_beyond_the_bound_count_as_other_until_one_is_idle_for_a_window() -> None:
    windows = VitalWindows(window=300.0, max_pages=3)
    events = [WebVitalEvent(NOW, "LCP", 1000.0 * (i + 1), f"/page-{i}") for i in range(6)]
    windows.observe(events, NOW)
    pages = {s.page: s for s in windows.pages(NOW)}
    assert set(pages) == {"/page-0", "/page-1", "/page-2", OTHER}
    assert pages[OTHER].count == 3
    assert abs(pages[OTHER].p75 - exact_p75([4000.0, 5000.0, 6000.0])) <= 40.0
    assert windows.tracked == 4
    # Five minutes and more later, /page-0 .. /page-2 are idle: a new page takes one's place.
    windows.observe([WebVitalEvent(NOW + 400.0, "LCP", 1.0, "/fresh")], NOW + 400.0)
    assert "/fresh" in {s.page for s in windows.pages(NOW + 400.0)}
    assert windows.tracked <= 4
