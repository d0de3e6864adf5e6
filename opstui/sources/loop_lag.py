"""How late the console's own event loop runs, so a slow check can tell the console's load from the endpoint's.

A check's latency is measured on the loop that also parses the event stream, redraws the screen and runs the
rules: when that loop is held up, the answer sits in the socket until the loop comes back to it, and the wait
would count as the endpoint's slowness. A :class:`LoopLag` meter runs one cheap timer every :data:`TICK` seconds
while some check is in flight and records how late each tick fired; a check asks, when it ends, for the worst
lateness seen while it ran (:class:`LagWatch`). That is a real-time fact, like the latency itself, so it is
read from the loop's monotonic clock, not from the injected :class:`~opstui.clock.Clock`.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque

__all__ = ["OVERLOADED", "TICK", "LagWatch", "LoopLag", "loop_lag", "overload_note"]

TICK = 0.1
"""Seconds between two ticks of the meter while a check is in flight."""
KEEP = 600
"""Ticks remembered (a minute at :data:`TICK`): longer than any check's timeout is allowed to be."""
OVERLOADED = 0.1
"""A loop this many seconds late during a check makes the check's slowness the console's doubt, not the
endpoint's fault (a loop that keeps up is late by a millisecond or two)."""


class LoopLag:
    """One event loop's lateness, measured by a timer that runs only while someone watches."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._ticks: deque[tuple[float, float]] = deque(maxlen=KEEP)
        """(when the tick ran, how late it ran), loop time."""
        self._watchers = 0
        self._due: float | None = None
        self._handle: asyncio.TimerHandle | None = None

    def _schedule(self) -> None:
        self._due = self._loop.time() + TICK
        self._handle = self._loop.call_at(self._due, self._tick)

    def _tick(self) -> None:
        now = self._loop.time()
        if self._due is not None:
            self._ticks.append((now, max(0.0, now - self._due)))
        if self._watchers:
            self._schedule()
        else:
            self._due = self._handle = None

    def _watch(self) -> float:
        self._watchers += 1
        if self._handle is None:
            self._schedule()
        return self._loop.time()

    def _unwatch(self, since: float) -> float:
        """Stop watching; the worst lateness seen since ``since``, counting a tick that is overdue right now."""
        self._watchers -= 1
        now = self._loop.time()
        worst = max((late for when, late in self._ticks if when >= since), default=0.0)
        if self._due is not None and now > self._due:
            worst = max(worst, now - self._due)
        return worst

    def watch(self) -> LagWatch:
        """A context manager around one check; its :attr:`LagWatch.worst` is set on exit."""
        return LagWatch(self)


class LagWatch:
    """The worst lateness of the loop during one ``with`` block (seconds; 0 while the block runs)."""

    def __init__(self, meter: LoopLag) -> None:
        self._meter = meter
        self._since = 0.0
        self.worst = 0.0

    def __enter__(self) -> LagWatch:
        self._since = self._meter._watch()
        return self

    def __exit__(self, *exc: object) -> None:
        self.worst = self._meter._unwatch(self._since)


_METERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LoopLag] = weakref.WeakKeyDictionary()


def loop_lag() -> LagWatch:
    """Watch the running loop's lateness for one ``with`` block (one meter per loop, shared by every check)."""
    loop = asyncio.get_running_loop()
    meter = _METERS.get(loop)
    if meter is None:
        meter = _METERS[loop] = LoopLag(loop)
    return meter.watch()


def overload_note(lag: float) -> str:
    """What a check's row says when the console's loop was late enough to explain its slowness ('' if not)."""
    if lag < OVERLOADED:
        return ""
    return f"console overloaded: its event loop ran {lag * 1000:.0f} ms late during the check"
