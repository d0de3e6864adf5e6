"""The metric store: one bounded :class:`Ring` per series, and aggregates over time windows.

Capacity per series is ``retention / resolution`` (34,560 points for 48 h at 5 s, about 550 KB),
and the number of series is capped by ``max_series``: memory is bounded by the config.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable

from opstui.clock import Clock
from opstui.metrics.ring import Ring
from opstui.metrics.sample import series_key


def quantile(sorted_values: list[float], q: float) -> float:
    """Exact quantile with linear interpolation between closest ranks (numpy's default)."""
    if not sorted_values:
        return math.nan
    if len(sorted_values) == 1:
        return sorted_values[0]
    pos = (len(sorted_values) - 1) * min(1.0, max(0.0, q))
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


AGGREGATES: dict[str, Callable[[list[float], list[float]], float]] = {
    "avg": lambda t, v: sum(v) / len(v),
    "min": lambda t, v: min(v),
    "max": lambda t, v: max(v),
    "sum": lambda t, v: sum(v),
    "count": lambda t, v: float(len(v)),
    "last": lambda t, v: v[-1],
    "first": lambda t, v: v[0],
    # Per-second increase of a counter over the window (resets count from zero, as Prometheus does).
    "rate": lambda t, v: (
        math.nan
        if len(v) < 2 or t[-1] <= t[0]
        else sum(max(0.0, b - a) if b >= a else b for a, b in zip(v, v[1:], strict=False)) / (t[-1] - t[0])
    ),
    "delta": lambda t, v: v[-1] - v[0],
}


class MetricStore:
    """All series, keyed by ``series_key(metric, labels)``."""

    def __init__(
        self, clock: Clock, retention: float = 48 * 3600.0, resolution: float = 5.0, max_series: int = 2000
    ) -> None:
        self.clock = clock
        self.retention = retention
        self.resolution = resolution
        self.max_series = max_series
        self.capacity = max(1, math.ceil(retention / resolution)) if resolution > 0 else 1
        self._series: dict[str, Ring] = {}
        self._by_name: dict[str, list[tuple[str, dict[str, str]]]] = {}
        self.dropped_series = 0
        """Samples refused because ``max_series`` was reached."""

    def record(self, metric: str, value: float, ts: float | None = None, labels: dict[str, str] | None = None) -> None:
        key = series_key(metric, labels)
        ring = self._series.get(key)
        if ring is None:
            if len(self._series) >= self.max_series:
                self.dropped_series += 1
                return
            ring = self._series[key] = Ring(self.capacity, self.resolution)
            self._by_name.setdefault(metric, []).append((key, dict(labels or {})))
        ring.append(self.clock.now() if ts is None else ts, float(value))

    def load(self, metric: str, labels: dict[str, str], ts: array[float], values: array[float]) -> bool:
        """Put a series read back from disk into an empty ring (the history does this before any source runs);
        False when ``max_series`` is reached or the series already has points."""
        key = series_key(metric, labels)
        ring = self._series.get(key)
        if ring is None:
            if len(self._series) >= self.max_series:
                self.dropped_series += 1
                return False
            ring = self._series[key] = Ring(self.capacity, self.resolution)
            self._by_name.setdefault(metric, []).append((key, dict(labels)))
        elif len(ring):
            return False
        ring.load(ts, values)
        return True

    def clear(self) -> None:
        """Forget every series (a replay moving its cursor back loads the store again)."""
        self._series.clear()
        self._by_name.clear()

    def items(self) -> list[tuple[str, str, dict[str, str], Ring]]:
        """Every series as (key, metric, labels, ring), for the history writer."""
        return [
            (key, metric, labels, self._series[key]) for metric, keyed in self._by_name.items() for key, labels in keyed
        ]

    def ring(self, metric: str, labels: dict[str, str] | None = None) -> Ring | None:
        return self._series.get(series_key(metric, labels))

    def series(self, metric: str) -> list[tuple[str, dict[str, str]]]:
        """Every (key, labels) of one metric name, for label matching."""
        return list(self._by_name.get(metric, ()))

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def latest(self, metric: str, labels: dict[str, str] | None = None) -> tuple[float, float] | None:
        """The newest (ts, value) of a series, or None."""
        ring = self.ring(metric, labels)
        return ring.last() if ring else None

    def value(self, metric: str, labels: dict[str, str] | None = None) -> float | None:
        point = self.latest(metric, labels)
        return None if point is None else point[1]

    def window(
        self, metric: str, seconds: float, labels: dict[str, str] | None = None, until: float | None = None
    ) -> tuple[list[float], list[float]]:
        """Points of the last ``seconds`` (ending at ``until`` or now)."""
        ring = self.ring(metric, labels)
        if ring is None:
            return [], []
        end = self.clock.now() if until is None else until
        return ring.since(end - seconds, end)

    def aggregate(
        self, metric: str, fn: str, seconds: float, labels: dict[str, str] | None = None, q: float | None = None
    ) -> float | None:
        """``avg``/``min``/``max``/``sum``/``count``/``last``/``rate``/``delta``/``quantile`` over a window.

        None when the window holds no points (``count`` then gives 0).
        """
        times, values = self.window(metric, seconds, labels)
        if fn == "count":
            return float(len(values))
        if not values:
            return None
        if fn == "quantile":
            return quantile(sorted(values), 0.5 if q is None else q)
        result = AGGREGATES[fn](times, values)
        return None if math.isnan(result) else result

    def nbytes(self) -> int:
        """Bytes held by the ring buffers (the bulk of the store's memory)."""
        return sum(r.nbytes() for r in self._series.values())

    def latest_all(self) -> dict[str, float]:
        """The newest value of every series, keyed by series key (for ``check --json``)."""
        out: dict[str, float] = {}
        for key, ring in self._series.items():
            point = ring.last()
            if point is not None and not math.isnan(point[1]):
                out[key] = point[1]
        return out
