"""Replay: the history on disk played back into a metric store, on a clock with a movable cursor.

:class:`ReplayClock` is the one clock of a replaying console: its ``now()`` is the *cursor*, a past moment that
runs ``speed`` times faster than real time while playing, stands still while paused, and jumps when told.
:class:`Replayer` keeps a store showing exactly what was known at the cursor: every series' points up to it,
nothing after. Moving forward appends the points passed; moving back empties the store and loads it again up
to the new cursor (two slice copies a series, :meth:`~opstui.metrics.ring.Ring.load`).

What is replayed: the full-resolution series the history keeps (``store.retention``, 48 h), so the tiles,
sparklines, the latency chart and the health of the KPIs show as they were, and the event tail's lines
(deploys, errors, sources going down and coming back) up to the cursor. Source states as such and the
incidents' actions are not in the history and are not replayed.
"""

from __future__ import annotations

import asyncio
import time
from array import array
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

from opstui.metrics.history_file import HistoryTables
from opstui.metrics.store import MetricStore


class ReplayClock:
    """A clock whose now is a cursor in the past: playing, paused, or moved by a step."""

    def __init__(self, start: float, speed: float = 1.0, wall: Callable[[], float] = time.monotonic) -> None:
        self.speed = speed
        self.playing = True
        self._wall = wall
        self._cursor = start
        self._since = wall()

    def now(self) -> float:
        if not self.playing:
            return self._cursor
        return self._cursor + (self._wall() - self._since) * self.speed

    def _settle(self) -> None:
        self._cursor, self._since = self.now(), self._wall()

    def pause(self) -> None:
        self._settle()
        self.playing = False

    def play(self) -> None:
        self._since = self._wall()
        self.playing = True

    def toggle(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def jump(self, seconds: float) -> None:
        """Move the cursor by ``seconds`` (negative: back), playing or not."""
        self._settle()
        self._cursor += seconds

    def set(self, when: float) -> None:
        self._settle()
        self._cursor = when

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self.speed)


@dataclass(slots=True)
class _Series:
    metric: str
    labels: dict[str, str]
    times: array[float]
    values: array[float]


class Replayer:
    """Keeps ``store`` at what was known at the clock's cursor; call :meth:`advance` once a tick."""

    def __init__(
        self,
        file: HistoryTables,
        store: MetricStore,
        clock: ReplayClock,
        on_event: Callable[[tuple[float, str, str, str]], None] | None = None,
        forget_events: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.on_event = on_event
        """Shows one recorded event-tail line (time, level, source, message) when the cursor passes it."""
        self.forget_events = forget_events
        """Empties the event tail when the cursor goes back (the lines up to it are shown again)."""
        self.lines = file.events(0.0) if on_event is not None else []
        self._line = 0
        self.series = [_Series(metric, labels, ts, vals) for _, metric, labels, ts, vals in file.load(0.0)]
        self.first = min((s.times[0] for s in self.series if s.times), default=None)
        """The oldest point on record: where a replay can start."""
        self.last = max((s.times[-1] for s in self.series if s.times), default=None)
        self._upto: float | None = None
        self._index = [0] * len(self.series)
        self.newest: float | None = None
        """The newest point up to the cursor (the header's data age at the cursor), after :meth:`advance`."""

    def advance(self) -> None:
        """Bring the store to the cursor: append what was passed, or reload when the cursor went back."""
        now = self.clock.now()
        if self._upto is not None and now < self._upto:
            self.store.clear()
            self._upto = None
            self._line = 0
            if self.forget_events is not None:
                self.forget_events()
        if self.on_event is not None:
            end = bisect_right(self.lines, now, key=lambda line: line[0])
            for line in self.lines[self._line : end]:
                self.on_event(line)
            self._line = end
        if self._upto is None:
            for i, s in enumerate(self.series):
                end = bisect_right(s.times, now)
                self._index[i] = end
                if end:
                    self.store.load(s.metric, s.labels, s.times[:end], s.values[:end])
        else:
            for i, s in enumerate(self.series):
                start, end = self._index[i], bisect_right(s.times, now)
                for j in range(start, end):
                    self.store.record(s.metric, s.values[j], s.times[j], s.labels or None)
                self._index[i] = end
        self._upto = now
        self.newest = max((s.times[i - 1] for s, i in zip(self.series, self._index, strict=True) if i), default=None)
