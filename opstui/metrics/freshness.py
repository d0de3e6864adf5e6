"""How old each series is, and how old it may get before it is stale.

Never calm while broken: a number that stopped moving because its source died must not read as a number
that is current. So every series knows its *age* (clock time since its newest point) and its *limit*, the
``stale_after`` of the source that records it (:func:`opstui.config.models.source_stale_after`). Older than
its limit, a series is stale: its tile says so, its KPI is UNKNOWN and the rules see it as absent, as
Prometheus' staleness markers make a vanished target's series absent.

Two kinds of series need more than their newest point:

- the *stream* series (error rate, latency percentiles, payment success, throughput and the counters) are
  computed once a second from the event windows, which hold minutes of events after a stream dies. Their
  age is the time since the last event arrived, and their limit the streams' ``stale_after``;
- a series no source claims (a test's or a script's samples) has no source to ask: the rules judge it by
  their ``lookback`` alone, and a tile by :data:`UNCLAIMED_STALE_AFTER`.
"""

from __future__ import annotations

from opstui.clock import Clock
from opstui.metrics.sample import series_key
from opstui.metrics.store import MetricStore

DERIVED = (
    "error_rate",
    "latency_p50",
    "latency_p95",
    "latency_p99",
    "payment_success_rate",
    "requests_per_min",
    "payments_per_min",
)
"""The figures the monitor computes from the streams' windows once a second (opstui.monitor writes them)."""

FOLDED = (
    "web_vital_p75",
    "web_vital_page_p75",
    "business_count",
    "business_sum",
    "business_per_min",
    "business_labels_count",
    "business_labels_sum",
)
"""The labelled figures the monitor folds from the streams' web vitals and product events once a second."""

STREAM_SERIES = frozenset(
    (*DERIVED, *FOLDED, "requests_total", "requests_failed_total", "payments_total", "payments_failed_total")
)
"""Series the monitor derives from the event streams' windows once a second."""

UNCLAIMED_STALE_AFTER = 120.0
"""A tile's limit for a series no source claims (two minutes, as the tiles always said)."""


class Freshness:
    """The age and limit of every series; the monitor claims series for their sources as they record."""

    def __init__(self, store: MetricStore, clock: Clock, stream_stale_after: float | None = None) -> None:
        self._store = store
        self._clock = clock
        self.stream_stale_after = stream_stale_after
        """The event streams' ``stale_after`` (the longest, with several); None without a stream."""
        self.last_event: float | None = None
        """Clock time the streams last delivered an event (None before the first)."""
        self._limits: dict[str, float] = {}
        """Series key -> its source's ``stale_after``; bounded by the store's ``max_series``."""

    def claim(self, metric: str, labels: dict[str, str] | None, stale_after: float | None) -> None:
        """``metric{labels}`` is recorded by a source whose data is stale after ``stale_after`` seconds."""
        if stale_after is None or len(self._limits) >= self._store.max_series:
            return
        key = series_key(metric, labels)
        if key not in self._limits:
            self._limits[key] = stale_after

    def limit(self, metric: str, labels: dict[str, str] | None = None) -> float | None:
        """The series' ``stale_after``; None when no source claims it."""
        if metric in STREAM_SERIES and self.stream_stale_after is not None:
            return self.stream_stale_after
        return self._limits.get(series_key(metric, labels))

    def age(self, metric: str, labels: dict[str, str] | None = None, now: float | None = None) -> float | None:
        """Seconds since the series was last fed; None when it has no point."""
        point = self._store.latest(metric, labels)
        if point is None:
            return None
        at = self._clock.now() if now is None else now
        newest = point[0]
        if metric in STREAM_SERIES and self.last_event is not None:
            newest = min(newest, self.last_event)  # recomputed each second, but fed only by events
        return max(0.0, at - newest)

    def is_stale(
        self,
        metric: str,
        labels: dict[str, str] | None = None,
        now: float | None = None,
        unclaimed: float | None = None,
    ) -> bool:
        """True when the series has a point older than its limit (``unclaimed`` for a series no source claims;
        None: such a series is never stale here)."""
        limit = self.limit(metric, labels)
        if limit is None:
            limit = unclaimed
        if limit is None:
            return False
        age = self.age(metric, labels, now)
        return age is not None and age > limit
