"""The metric store's history on disk: read back at start, written in batches off the event loop.

:class:`History` owns one :class:`~opstui.metrics.history_file.HistoryFile` on a thread of its own (sqlite3
blocks; the loop never waits on the disk). Every ``store.flush_interval`` (10 s) it takes, on the loop, the
points each series gained since the last flush (whole :data:`~opstui.metrics.history_file.CHUNK` blocks and
whole hours, read from the store's rings, so nothing is buffered twice) and hands them to the thread, which
writes them in one transaction. What a ``kill -9`` loses is what was not yet flushed: at most one interval.
A clean stop flushes first.

One writer: a console asks the history for the writer's lock at each flush (an exclusive ``flock`` on
``FILE.lock`` for a file, an advisory lock for the team's PostgreSQL, see
:mod:`~opstui.metrics.history_pg`); the others read the history at start but do not write until the writer is
gone (its lock is released when it dies, ``kill -9`` included, and the next flush takes it over).

Series that a ``prometheus`` source records are not copied: Prometheus keeps their history and the source
backfills it at start (docs/prometheus.md).
"""

from __future__ import annotations

import asyncio
import logging
from array import array
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from opstui.clock import Clock
from opstui.metrics.history_file import CHUNK, HistoryError, HistoryFile, HistoryTables, SeriesWrite
from opstui.metrics.history_routes import RouteHours
from opstui.metrics.history_sql import HOUR
from opstui.metrics.ring import Ring
from opstui.metrics.sketch import LatencySketch
from opstui.metrics.store import MetricStore
from opstui.metrics.uptime import Excluded, Uptime, uptime_by_check

log = logging.getLogger(__name__)

T = TypeVar("T")


def _span(ring: Ring, start: float, length: float) -> tuple[array[float], array[float]]:
    """The ring's points in ``[start, start + length)`` as arrays."""
    times, values = ring.since(start, start + length)
    if times and times[-1] >= start + length:
        times.pop()
        values.pop()
    return array("d", times), array("d", values)


class History:
    """Loads the store from the file at start and keeps the file current; see the module docstring."""

    def __init__(
        self,
        path: Path,
        store: MetricStore,
        clock: Clock,
        *,
        rollup_retention: float,
        flush_interval: float = 10.0,
        exclude: frozenset[str] = frozenset(),
        opener: Callable[[], HistoryTables] | None = None,
        latencies: Callable[[bool], dict[int, LatencySketch]] | None = None,
        events: Callable[[], list[tuple[float, str, str, str]]] | None = None,
        route_latencies: Callable[[bool], RouteHours] | None = None,
        max_routes: int = 50,
    ) -> None:
        self.path = path
        self.opener: Callable[[], HistoryTables] = opener or (lambda: HistoryFile(path))
        """Opens the history (on the history's thread): the file at ``path`` unless told otherwise."""
        self.events = events
        """The event tail's lines since the last flush (time, level, source, message), for replay."""
        self.latencies = latencies
        """The request latencies per hour since the last flush (the event windows' archive; True at a clean
        stop takes the window's cells too): kept per hour for percentiles over days."""
        self.route_latencies = route_latencies
        """The same per route (the route windows' archive): kept per route and hour, at most ``max_routes``
        named routes an hour and the rest as ``other`` (``store.max_routes``, the live breakdown's bound)."""
        self.max_routes = max_routes
        self.store = store
        self.clock = clock
        self.retention = store.retention
        self.rollup_retention = rollup_retention
        self.flush_interval = flush_interval
        self.exclude = exclude
        """Metric names not copied (a prometheus source's: Prometheus has their history)."""
        self.writer = False
        """This console holds the file's lock and writes; False while another console on this host does."""
        self.loaded_points = 0
        self.written_batches = 0
        self.error: str | None = None
        """Why the last flush failed (one line); None once one succeeds again."""
        self._file: HistoryTables | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._flushed: dict[str, float] = {}
        """Per series key, the time of the newest point written."""
        self._pruned_hour: int | None = None

    async def _run(self, fn: Callable[[], T]) -> T:
        assert self._executor is not None
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)

    async def open(self) -> int:
        """Open the file (raises :class:`HistoryError`, one line) and load the last ``retention`` of every
        series into the store; returns the number of points loaded."""
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="opstui-history")
        try:
            self._file = await self._run(self.opener)
        except BaseException:
            self._executor.shutdown(wait=False)
            self._executor = None
            raise
        await self._take_lock()
        file = self._file
        since = self.clock.now() - self.retention
        loaded = await self._run(lambda: list(file.load(since)))
        for key, metric, labels, times, values in loaded:
            if metric in self.exclude or not times:
                continue
            if self.store.load(metric, labels, times, values):
                self._flushed[key] = times[-1]
                self.loaded_points += min(len(times), self.store.capacity)
        return self.loaded_points

    async def _take_lock(self) -> bool:
        if not self.writer and self._file is not None:
            file = self._file
            self.writer = await self._run(file.take_lock)
        return self.writer

    def collect(self) -> tuple[list[SeriesWrite], dict[str, float]]:
        """On the loop: what each series gained since its last write, as whole chunks and hours."""
        batch: list[SeriesWrite] = []
        marks: dict[str, float] = {}
        for key, metric, labels, ring in self.store.items():
            if metric in self.exclude:
                continue
            last, first = ring.last(), ring.first()
            if last is None or first is None:
                continue
            done = self._flushed.get(key)
            if done is not None and last[0] <= done:
                continue
            begin = first[0] if done is None else max(done, first[0])
            item = SeriesWrite(key, metric, labels)
            for start in range(int(begin // CHUNK * CHUNK), int(last[0]) + 1, CHUNK):
                item.chunks.append((start, *_span(ring, start, CHUNK)))
            minute = int(begin // 60 * 60)  # the minute of the newest point written: rolled up again, whole
            for hour in range(int(begin // HOUR * HOUR), int(last[0]) + 1, HOUR):
                begin_at = max(hour, minute)
                item.hours.append((hour, begin_at, *_span(ring, begin_at, hour + HOUR - begin_at)))
            batch.append(item)
            marks[key] = last[0]
        return batch, marks

    async def flush(self, final: bool = False) -> int:
        """Write what the series gained (when this console is the writer); returns the series written."""
        file = self._file
        writer = file is not None and await self._take_lock()
        # Taken either way (a console that does not write drops them: bounded), and after the last await before
        # the write: a stop that cancels the flush loop mid-flush must not lose what was taken and not yet written.
        hours = self.latencies(final) if self.latencies is not None else {}
        route_hours = self.route_latencies(final) if self.route_latencies is not None else {}
        lines = self.events() if self.events is not None else []
        if file is None or not writer:
            return 0
        batch, marks = self.collect()

        def write() -> None:
            if batch:
                file.write(batch)
            if hours:
                file.write_latency(hours)
            if route_hours:
                file.write_route_latency(route_hours, self.max_routes)
            if lines:
                file.write_events(lines)

        # One job on the history's thread: a cancel while it runs cannot split it (the thread finishes it, and
        # the stop's last flush queues behind it); the points are then written again, which is idempotent.
        await self._run(write)
        if batch:
            self._flushed.update(marks)
            self.written_batches += 1
        hour = int(self.clock.now() // HOUR)
        if hour != self._pruned_hour:
            now = self.clock.now()
            await self._run(lambda: file.prune(now, self.retention, self.rollup_retention))
            self._pruned_hour = hour
        self.error = None
        return len(batch)

    async def uptime(self, excluded: Excluded | None = None) -> list[Uptime]:
        """Every health check's uptime over 24 h / 7 d / 30 d / 90 d from the file (read on its thread), planned
        maintenance (``excluded``) left out."""
        file = self._file
        if file is None:
            return []
        now = self.clock.now()
        return await self._run(lambda: uptime_by_check(file, now, excluded=excluded))

    async def run(self) -> None:
        """Flush every ``flush_interval`` until cancelled; a failed flush is retried at the next one."""
        while True:
            await self.clock.sleep(self.flush_interval)
            try:
                await self.flush()
            except Exception as exc:  # noqa: BLE001 - a full disk or a locked file: shown, retried
                self.error = f"history not written: {type(exc).__name__}: {str(exc)[:160]}"
                log.warning(self.error)
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise asyncio.CancelledError

    async def close(self) -> None:
        """Flush what is left (a clean quit loses nothing), then close the file and release the lock."""
        if self._file is not None:
            try:
                await self.flush(final=True)
            except Exception as exc:  # noqa: BLE001 - quitting: say so, do not hang
                log.warning("history: last flush failed: %s: %s", type(exc).__name__, exc)
            file, self._file = self._file, None
            await self._run(file.close)  # releases the writer's lock
            self.writer = False
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None


__all__ = ["History", "HistoryError"]
