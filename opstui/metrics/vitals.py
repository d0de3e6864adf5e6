"""Core Web Vitals from the browsers: p75 over the window, per vital and per page, rated good / poor.

Each ``web_vital`` event (LCP, INP, CLS, TTFB, FCP; checked at the border) is folded twice: into its vital's
site-wide window and into its page's. A window is a :class:`~opstui.metrics.cells.QuantileWindow` (30 cells of
10 s for the 5-minute ``store.window``, one latency sketch each), so the p75 carries the sketch's documented
error: within 1 % of ``x[floor(0.75 * (n - 1))]``, the lower end of the exact rank interval of the sorted
values of the window (:mod:`opstui.metrics.sketch`). CLS is kept in thousandths inside the sketch, so a CLS
of 0.001 keeps that bound too.

The ratings are the web.dev thresholds on the p75 (:data:`THRESHOLDS`): *good* at or below the first,
*poor* above the second, *needs improvement* between.

Bounds: pages are keyed by their template (:func:`~opstui.metrics.keys.route_key`: ``/product/1234`` ->
``/product/:id``, the query string dropped); at most :data:`MAX_PAGES` pages are kept, a new page beyond that
takes the place of one idle for a whole window, else it is counted under :data:`OTHER`. So memory is
``(MAX_PAGES + 2) x 5 vitals x 30`` sketches whatever the traffic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from opstui.metrics.cells import QuantileWindow
from opstui.metrics.keys import route_key
from opstui.sources.events import VITALS, Event, WebVitalEvent

MAX_PAGES = 20
"""Pages whose vitals are kept one by one; the others are counted under :data:`OTHER`."""
OTHER = "other"
NO_PAGE = "(no page)"
NAME_CACHE = 10_000
"""Raw page -> template entries remembered (cleared when full)."""
QUANTILE = 0.75

THRESHOLDS: dict[str, tuple[float, float, str]] = {
    "LCP": (2500.0, 4000.0, "ms"),
    "INP": (200.0, 500.0, "ms"),
    "CLS": (0.1, 0.25, ""),
    "TTFB": (800.0, 1800.0, "ms"),
    "FCP": (1800.0, 3000.0, "ms"),
}
"""Per vital: good at or below the first, poor above the second, and the unit (web.dev's thresholds)."""
SCALE = {"CLS": 1000.0}
"""Factor applied inside the sketch (CLS in thousandths; see the module docstring)."""

GOOD = "good"
NEEDS_IMPROVEMENT = "needs-improvement"
POOR = "poor"


def rating(name: str, value: float) -> str:
    """``good``, ``needs-improvement`` or ``poor`` for a vital's value (a p75) against :data:`THRESHOLDS`."""
    good, poor, _ = THRESHOLDS[name]
    if value <= good:
        return GOOD
    return POOR if value > poor else NEEDS_IMPROVEMENT


def threshold_text(name: str, value: float) -> str:
    """A threshold as people say it: ``2.5 s``, ``200 ms``, ``0.1``."""
    unit = THRESHOLDS[name][2]
    if unit == "ms":
        return f"{value / 1000:g} s" if value >= 1000 else f"{value:g} ms"
    return f"{value:g}"


@dataclass(frozen=True, slots=True)
class VitalStat:
    """One vital over the window, site-wide (``page`` empty) or on one page."""

    name: str
    page: str
    p75: float
    count: int
    rating: str


class VitalWindows:
    """The site-wide and per-page windows of the five vitals (bounded: see the module docstring)."""

    def __init__(self, window: float = 300.0, max_pages: int = MAX_PAGES) -> None:
        self.window = window
        self.max_pages = max_pages
        self._site = {name: self._new(name) for name in VITALS}
        self._pages: dict[str, dict[str, QuantileWindow]] = {}
        self._seen: dict[str, float] = {}
        self._names: dict[str, str] = {}
        self.seen_any = False
        """A vital has arrived since start (the screens show the vitals only then)."""

    def _new(self, name: str) -> QuantileWindow:
        return QuantileWindow(self.window, scale=SCALE.get(name, 1.0))

    def _key(self, page: str) -> str:
        key = self._names.get(page)
        if key is None:
            if len(self._names) >= NAME_CACHE:
                self._names.clear()
            template = route_key(page)
            key = self._names[page] = NO_PAGE if not page or template == "(no route)" else template
        return key

    def _page(self, key: str, now: float) -> tuple[str, dict[str, QuantileWindow]]:
        windows = self._pages.get(key)
        if windows is not None:
            return key, windows
        if len(self._pages) >= self.max_pages + (OTHER in self._pages):
            idle = [page for page, seen in self._seen.items() if page != OTHER and seen < now - self.window]
            if idle:
                oldest = min(idle, key=self._seen.__getitem__)
                del self._pages[oldest], self._seen[oldest]
            else:
                key = OTHER
                windows = self._pages.get(OTHER)
                if windows is not None:
                    return key, windows
        windows = self._pages[key] = {name: self._new(name) for name in VITALS}
        return key, windows

    def observe(self, events: Iterable[Event], now: float) -> None:
        """Fold the ``web_vital`` events into their vital's and their page's windows."""
        for event in events:
            if type(event) is WebVitalEvent:
                self.seen_any = True
                self._site[event.name].add(event.ts, event.value, now)
                key, windows = self._page(self._key(event.page), now)
                windows[event.name].add(event.ts, event.value, now)
                self._seen[key] = now

    def site(self, now: float) -> list[VitalStat]:
        """Each vital with values in the window, site-wide, in :data:`VITALS` order."""
        return [stat for name in VITALS if (stat := _stat(name, "", self._site[name], now)) is not None]

    def pages(self, now: float) -> list[VitalStat]:
        """Each (page, vital) with values in the window; pages with the most LCP values first, then by name."""
        out: list[VitalStat] = []
        for page, windows in self._pages.items():
            out += [stat for name in VITALS if (stat := _stat(name, page, windows[name], now)) is not None]
        volume: dict[str, int] = {}
        for stat in out:
            volume[stat.page] = max(volume.get(stat.page, 0), stat.count)
        return sorted(out, key=lambda s: (-volume[s.page], s.page, VITALS.index(s.name)))

    @property
    def tracked(self) -> int:
        """Pages with windows now (``other`` included when used)."""
        return len(self._pages)


def _stat(name: str, page: str, window: QuantileWindow, now: float) -> VitalStat | None:
    value, count = window.quantile(QUANTILE, now)
    if value is None:
        return None
    return VitalStat(name, page, value, count, rating(name, value))
