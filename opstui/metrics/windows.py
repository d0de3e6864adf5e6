"""Sliding-window aggregates over request and payment events: error rate, latency percentiles, payment
success, throughput and revenue over the last ``window`` seconds.

Requests and payments are the bulk of a websocket's traffic (tens of thousands a second), so they are never
stored one by one: each is folded into the *cell* of its second (``bucket``) in a ring of
``ceil(window / bucket)`` cells, and memory is bounded by that number of cells whatever the traffic.

A window at ``now`` is the cell holding ``now`` and the ``cells - 1`` before it: it reaches back between
``(cells - 1) * bucket`` and ``cells * bucket`` seconds, that is ``window`` to within one bucket. When
``now`` moves into a new cell, the cells that fall out of the window are cleared; that is the only eviction.

``stats()`` runs once a second, so it must not merge 300 latency sketches each time. The windows keep a
running sketch of the *sealed* cells (every cell of the window but the current one): a cell is merged into it
once, when ``now`` leaves it, and subtracted once, when it expires. ``stats()`` then merges just two sketches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from opstui.metrics.cells import CellRing
from opstui.metrics.sketch import LatencySketch
from opstui.sources.events import Event, PaymentEvent, RequestEvent

ARCHIVE_HOURS = 3
"""Hours an archive keeps until taken: the history takes it every flush (a few seconds), so more than this
means nobody does (history off, or refused at open) and the oldest hour is dropped: bounded either way."""


@dataclass(frozen=True, slots=True)
class WindowStats:
    """The aggregates of one window; percentages are 0-100, latencies in ms, None when there is no data."""

    error_rate: float | None
    """Percent of requests with status >= 500; None without requests."""
    latency_p50: float | None
    latency_p95: float | None
    latency_p99: float | None
    payment_success_rate: float | None
    """Percent of payments that succeeded; None without payments."""
    requests_per_min: float
    payments_per_min: float
    requests: int
    requests_failed: int
    payments: int
    payments_failed: int
    revenue: float
    """Sum of the amounts of the succeeded payments."""


class EventWindows(CellRing):
    """A ring of per-``bucket`` cells over the last ``window`` seconds, plus counters since start.

    ``observe`` folds events into the cell of their ``ts``:

    - an event older than the window is dropped and counted in :attr:`dropped`;
    - an event stamped after ``now`` (a sender whose clock runs ahead, by less or more than a bucket) goes
      into the current cell: it has been received, so it has happened, and a cell ahead of ``now`` would
      make the window span more than ``window`` seconds;
    - ``now`` never moves the window back: a clock stepping backwards reads as the newest ``now`` seen.

    The counters (:attr:`requests_total` and friends) count every request and payment observed, late ones
    included, so the core can record them as counter series for ``increase()`` in alert rules.
    """

    def __init__(self, window: float = 300.0, bucket: float = 1.0, *, archive: bool = False) -> None:
        super().__init__(window, bucket)
        self.window = window
        n = self.cells
        self._requests = [0] * n
        self._failed = [0] * n
        self._latency = [LatencySketch() for _ in range(n)]
        self._paid = [0] * n
        self._declined = [0] * n
        self._revenue = [0.0] * n
        self._sealed = LatencySketch()
        self.requests_total = 0
        self.requests_failed_total = 0
        self.payments_total = 0
        self.payments_failed_total = 0
        self.archive: dict[int, LatencySketch] | None = {} if archive else None
        """With ``archive``: the latencies of the cells that left the window, merged per hour (hour start ->
        sketch), until the history takes them (:meth:`take_archive`, every flush: a few entries at most)."""

    def _reset(self, current: int) -> None:
        for index in range(current - self.cells + 1, current + 1):
            self._retire(index)
        self._sealed.clear()

    def _seal(self, cell: int) -> None:
        self._sealed.merge(self._latency[cell])

    def _expire(self, index: int) -> None:
        self._sealed.subtract(self._latency[index % self.cells])
        self._retire(index)

    def _retire(self, index: int) -> None:
        """The cell of ``index`` leaves the window: its latencies go to the archive (when kept), then it is empty."""
        cell = index % self.cells
        if self.archive is not None and self._latency[cell].count:
            hour = math.floor(index * self.bucket / 3600.0) * 3600
            archive = self.archive
            sketch = archive.get(hour)
            if sketch is None:
                sketch = archive[hour] = LatencySketch()
                if len(archive) > ARCHIVE_HOURS:  # nobody takes it (no history): the newest hours, not weeks
                    del archive[min(archive)]
            sketch.merge(self._latency[cell])
        self._clear(cell)

    def take_archive(self, everything: bool = False) -> dict[int, LatencySketch]:
        """The archived hours since the last call, emptied; with ``everything`` (a clean stop) the cells still in
        the window too, so a quit loses nothing (they are then archived only once: the windows are done)."""
        if self.archive is None:
            return {}
        if everything and self._current is not None:
            for index in range(self._current - self.cells + 1, self._current + 1):
                self._retire(index)
            self._sealed.clear()
        taken, self.archive = self.archive, {}
        return taken

    def _clear(self, cell: int) -> None:
        self._requests[cell] = self._failed[cell] = self._paid[cell] = self._declined[cell] = 0
        self._revenue[cell] = 0.0
        self._latency[cell].clear()

    def observe(self, events: list[Event], now: float) -> None:
        """Fold the request and payment events of ``events`` into their cells; other events are ignored."""
        current = self._advance(now)
        n = self.cells
        oldest = current - n + 1
        bucket = self.bucket
        floor = math.floor
        requests, failed, latency = self._requests, self._failed, self._latency
        seen_requests = seen_failed = seen_payments = seen_declined = dropped = 0
        for event in events:
            kind = type(event)
            if kind is RequestEvent:
                seen_requests += 1
                bad = event.status >= 500  # type: ignore[union-attr]
                seen_failed += bad
                index = floor(event.ts / bucket)
                if index >= current:
                    cell = current % n
                elif index >= oldest:
                    cell = index % n
                    self._sealed.add(event.duration_ms)  # type: ignore[union-attr]
                    if index < self._first:
                        self._first = index
                else:
                    dropped += 1
                    continue
                requests[cell] += 1
                failed[cell] += bad
                latency[cell].add(event.duration_ms)  # type: ignore[union-attr]
            elif kind is PaymentEvent:
                seen_payments += 1
                ok = event.succeeded  # type: ignore[union-attr]
                seen_declined += not ok
                index = floor(event.ts / bucket)
                if index >= current:
                    cell = current % n
                elif index >= oldest:
                    cell = index % n
                    if index < self._first:
                        self._first = index
                else:
                    dropped += 1
                    continue
                if ok:
                    self._paid[cell] += 1
                    self._revenue[cell] += event.amount  # type: ignore[union-attr]
                else:
                    self._declined[cell] += 1
        self.requests_total += seen_requests
        self.requests_failed_total += seen_failed
        self.payments_total += seen_payments
        self.payments_failed_total += seen_declined
        self.dropped += dropped

    def stats(self, now: float) -> WindowStats:
        """The aggregates of the window ending at ``now``; cheap enough to call every second."""
        current = self._advance(now)
        requests = sum(self._requests)
        failed = sum(self._failed)
        paid = sum(self._paid)
        declined = sum(self._declined)
        payments = paid + declined
        if requests:
            latency = self._sealed.copy()
            latency.merge(self._latency[current % self.cells])
            p50, p95, p99 = latency.quantiles((0.50, 0.95, 0.99))
        else:
            p50 = p95 = p99 = None
        per_min = self.per_min(current)
        return WindowStats(
            error_rate=100.0 * failed / requests if requests else None,
            latency_p50=p50,
            latency_p95=p95,
            latency_p99=p99,
            payment_success_rate=100.0 * paid / payments if payments else None,
            requests_per_min=requests * per_min,
            payments_per_min=payments * per_min,
            requests=requests,
            requests_failed=failed,
            payments=payments,
            payments_failed=declined,
            revenue=sum(self._revenue),
        )
