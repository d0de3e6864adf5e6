"""Per-route error rate, latency and volume over the sliding window: "which endpoint?" answered.

Every request event carries its ``route``; the route's template (:func:`~opstui.metrics.keys.route_key`:
``/api/orders/1234`` -> ``/api/orders/:id``) keys a small :class:`~opstui.metrics.windows.EventWindows` of its
own, with 10-second cells (30 for a 5-minute window) instead of the global windows' 1-second ones, so a route
costs about 30 latency sketches, not 300.

Bounds: at most ``max_routes`` (``store.max_routes``, 50) routes are tracked; a new route beyond that takes the
place of one idle for a whole window, else it is counted under :data:`OTHER`. The raw-route -> template cache
holds at most :data:`NAME_CACHE` entries (cleared when full). So memory is ``max_routes x 30`` cells whatever
the traffic, and a flood of distinct URLs cannot grow it.

With ``archive`` each route's cells join an hourly sketch as they leave its window (and an idle route's, when its
place is taken), for the history to keep per route over days (:mod:`opstui.metrics.history_routes`): at most
``max_routes`` named routes an hour plus ``other``, and at most a few hours when nobody takes them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from opstui.metrics.keys import route_key
from opstui.metrics.sketch import LatencySketch
from opstui.metrics.windows import ARCHIVE_HOURS, EventWindows
from opstui.sources.events import Event, RequestEvent

OTHER = "other"
"""Where the requests of the routes beyond ``max_routes`` are counted."""
BUCKET = 10.0
"""Seconds per cell of a route's window."""
NAME_CACHE = 10_000


@dataclass(frozen=True, slots=True)
class RouteStats:
    """One route over the window; percentages 0-100, latencies in ms, None without requests."""

    route: str
    requests: int
    failed: int
    error_rate: float | None
    latency_p50: float | None
    latency_p95: float | None
    latency_p99: float | None
    requests_per_min: float


SORTS = {
    "errors": lambda r: (-(r.error_rate or 0.0), -r.requests, r.route),
    "p95": lambda r: (-(r.latency_p95 or 0.0), -r.requests, r.route),
    "volume": lambda r: (-r.requests, r.route),
}
"""The orders the routes pane offers: by error rate, by p95, by volume (ties: the busier route first)."""


class RouteWindows:
    """Per-route windows, bounded by ``max_routes`` (see the module docstring)."""

    def __init__(self, window: float = 300.0, max_routes: int = 50, *, archive: bool = False) -> None:
        self.window = window
        self.max_routes = max_routes
        self.archive = archive
        """Keep each route's latencies per hour as its cells leave the window, for the history to take
        (:meth:`take_archive`): percentiles per route over days."""
        self._routes: dict[str, EventWindows] = {}
        self._retired: dict[int, dict[str, LatencySketch]] = {}
        """The archived hours of routes whose windows were given to another route, until taken."""
        self._seen: dict[str, float] = {}
        self._names: dict[str, str] = {}

    def _key(self, route: str) -> str:
        key = self._names.get(route)
        if key is None:
            if len(self._names) >= NAME_CACHE:
                self._names.clear()
            key = self._names[route] = route_key(route)
        return key

    def _windows(self, key: str, now: float) -> EventWindows:
        windows = self._routes.get(key)
        if windows is not None:
            return windows
        if len(self._routes) >= self.max_routes + (OTHER in self._routes):
            idle = [name for name, seen in self._seen.items() if name != OTHER and seen < now - self.window]
            if not idle:
                key = OTHER
                windows = self._routes.get(OTHER)
                if windows is not None:
                    return windows
            else:
                oldest = min(idle, key=self._seen.__getitem__)
                self._keep(oldest, self._routes[oldest].take_archive(everything=True))
                del self._routes[oldest], self._seen[oldest]
        windows = self._routes[key] = EventWindows(self.window, BUCKET, archive=self.archive)
        return windows

    def observe(self, events: Iterable[Event], now: float) -> None:
        """Fold the request events into their routes' windows (one pass to group, one observe per route)."""
        groups: dict[str, list[Event]] = {}
        key_of = self._key
        for event in events:
            if type(event) is RequestEvent:
                key = key_of(event.route)
                group = groups.get(key)
                if group is None:
                    groups[key] = [event]
                else:
                    group.append(event)
        for key, group in groups.items():
            windows = self._windows(key, now)
            windows.observe(group, now)
            name = OTHER if windows is self._routes.get(OTHER) else key
            self._seen[name] = now

    def stats(self, now: float) -> list[RouteStats]:
        """Every route with requests in the window, busiest first."""
        out: list[RouteStats] = []
        for route, windows in self._routes.items():
            s = windows.stats(now)
            if s.requests:
                out.append(
                    RouteStats(
                        route,
                        s.requests,
                        s.requests_failed,
                        s.error_rate,
                        s.latency_p50,
                        s.latency_p95,
                        s.latency_p99,
                        s.requests_per_min,
                    )
                )
        return sorted(out, key=SORTS["volume"])

    def take_archive(self, everything: bool = False) -> dict[int, dict[str, LatencySketch]]:
        """Each route's archived hours since the last call (hour -> route -> sketch), emptied; with
        ``everything`` (a clean stop) the cells still in the windows too. At most ``max_routes`` named routes an
        hour, the rest under :data:`OTHER` (routes that took an idle route's place can outnumber it)."""
        for route, windows in self._routes.items():
            self._keep(route, windows.take_archive(everything))
        taken, self._retired = self._retired, {}
        return taken

    def _keep(self, route: str, hours: dict[int, LatencySketch]) -> None:
        for hour, sketch in hours.items():
            routes = self._retired.get(hour)
            if routes is None:
                routes = self._retired[hour] = {}
                if len(self._retired) > ARCHIVE_HOURS:  # nobody takes them (no history): bounded all the same
                    del self._retired[min(self._retired)]
            name = route if route in routes or len(routes) - (OTHER in routes) < self.max_routes else OTHER
            kept = routes.get(name)
            if kept is None:
                routes[name] = sketch
            else:
                kept.merge(sketch)

    @property
    def tracked(self) -> int:
        """Routes with windows now (``other`` included when used)."""
        return len(self._routes)
