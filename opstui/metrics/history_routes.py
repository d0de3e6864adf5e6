"""Per-route latency over days: one sketch per route and hour in the history, bounded like the live routes.

The whole stream's latencies are kept per hour (the ``latency`` table); "which endpoint got slow last week?"
needs the same per route. Each route's cells leave its window into an hourly sketch
(:meth:`~opstui.metrics.routes.RouteWindows.take_archive`), and a flush merges them into the ``route_latency``
row of that hour and route, so the hours on record merge to exactly the sketch of every request of the route.

Bounds: at most ``store.max_routes`` named routes per hour, the rest merged under :data:`~opstui.metrics.routes.OTHER`
(checked against the rows already on record, so two sessions or consoles within one hour cannot name more between
them); a route name is cut at :data:`MAX_ROUTE` characters. A row is the sketch's counts zlib-compressed (the
int64 pairs of :meth:`~opstui.metrics.sketch.LatencySketch.to_bytes` are mostly zero bytes): about 0.2 KB for a
quiet route-hour, 1 KB for a busy one, 4 KB at most in practice; kept for ``store.rollup_retention`` like the
whole stream's hours and pruned with them.

Why a table of its own rather than a route column on ``latency``: files and schemas written before it keep their
``latency`` rows and key as they are; the new table is made when missing (``CREATE TABLE IF NOT EXISTS`` at every
writable open, the way ``latency`` and ``events`` joined format 1), and a read-only open of an older history reads
it as nothing on record. No format change, no migration step to fail half way.
"""

from __future__ import annotations

import math
import zlib

from opstui.metrics.history_sql import HOUR, HistoryConnection, seconds_ceil
from opstui.metrics.routes import OTHER
from opstui.metrics.sketch import LatencySketch

MAX_ROUTE = 200
"""Characters of a route's name on record (the border cuts an event's route there already)."""
UPSERT_ROUTE_LATENCY = (
    "INSERT INTO route_latency VALUES (?, ?, ?) ON CONFLICT (hour, route) DO UPDATE SET data = excluded.data"
)
RouteHours = dict[int, dict[str, LatencySketch]]
"""Hour start -> route -> the sketch of that route's latencies in that hour."""


def pack(sketch: LatencySketch) -> bytes:
    """A sketch as a row's blob: its bytes compressed (4x smaller: bucket numbers and counts are small int64s).
    Level 1: as small as level 6 on these blobs (measured: 895 and 886 bytes) in a sixth of the time (19 us)."""
    return zlib.compress(sketch.to_bytes(), 1)


def unpack(blob: bytes) -> LatencySketch:
    """The sketch of :func:`pack`'s blob (raises ValueError or zlib.error on one that is not)."""
    return LatencySketch.from_bytes(zlib.decompress(blob))


class RouteLatencyTables(HistoryConnection):
    """The ``route_latency`` table's writes and reads, written once for SQLite and PostgreSQL."""

    def write_route_latency(self, hours: RouteHours, max_routes: int) -> None:
        """Merge each route's hour into its row (one transaction); a route beyond the ``max_routes`` already
        named in that hour joins ``other`` (the busiest new routes are named first)."""
        if not any(hours.values()):
            return
        self._begin()
        try:
            for hour, routes in sorted(hours.items()):
                on_record = {
                    str(route): bytes(blob)
                    for route, blob in self._rows("SELECT route, data FROM route_latency WHERE hour = ?", hour)
                }
                named = {route for route in on_record if route != OTHER}
                changed: dict[str, LatencySketch] = {}
                for route, sketch in sorted(routes.items(), key=lambda item: (-item[1].count, item[0])):
                    name = route[:MAX_ROUTE]
                    if name != OTHER and name not in named:
                        if len(named) >= max_routes:
                            name = OTHER
                        else:
                            named.add(name)
                    merged = changed.get(name)
                    if merged is None:
                        blob = on_record.get(name)
                        merged = changed[name] = unpack(blob) if blob is not None else LatencySketch()
                    merged.merge(sketch)
                self._many(UPSERT_ROUTE_LATENCY, [(hour, name, pack(sketch)) for name, sketch in changed.items()])
            self._exec("COMMIT")
        except BaseException:
            self._exec("ROLLBACK")
            raise

    def route_latencies(self, since: float, until: float = math.inf) -> dict[str, LatencySketch]:
        """Every route's latencies over the hours that start in ``[since's hour, until)``, merged per route
        (``other`` among them when used). Empty when none is on record, or the history predates the table."""
        return self._merged(
            "SELECT route, data FROM route_latency WHERE hour >= ? AND hour < ?",
            int(since // HOUR * HOUR),
            seconds_ceil(until),
        )

    def route_latency(self, route: str, since: float, until: float = math.inf) -> LatencySketch:
        """One route's latencies over the hours that start in ``[since's hour, until)``; empty when none."""
        found = self._merged(
            "SELECT route, data FROM route_latency WHERE hour >= ? AND hour < ? AND route = ?",
            int(since // HOUR * HOUR),
            seconds_ceil(until),
            route[:MAX_ROUTE],
        )
        return found.get(route[:MAX_ROUTE], LatencySketch())

    def _merged(self, sql: str, *args: object) -> dict[str, LatencySketch]:
        try:
            rows = self._rows(sql, *args)
        except Exception as error:  # noqa: BLE001 - a read-only history older than the table: nothing on record
            if "route_latency" in str(error):
                return {}
            raise
        out: dict[str, LatencySketch] = {}
        for route, blob in rows:
            sketch = unpack(bytes(blob))
            merged = out.get(str(route))
            if merged is None:
                out[str(route)] = sketch
            else:
                merged.merge(sketch)
        return out
