"""The one clock every part of opstui reads time from.

Sources, the metric store, rules, incidents and the checklist never call ``time.time()`` or
``asyncio.sleep()`` themselves: they are handed a :class:`Clock`. Production uses
:class:`SystemClock`; tests use :class:`FakeClock` to cross a ``for: 5m`` or a 48-hour window in
milliseconds, and the demo can run a time-warped :class:`SystemClock`.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str) -> ZoneInfo:
    """The config's time zone for showing times; UTC for a name this machine does not know.

    ``validate`` refuses an unknown zone, so the fallback only matters for a zone database that changed
    under a running config: a time in UTC is better than no screen.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


class Clock(Protocol):
    """Wall-clock time in unix seconds, and a way to wait for it to pass."""

    def now(self) -> float:
        """Return the current time as unix seconds."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait until ``seconds`` of this clock's time have passed."""
        ...


class SystemClock:
    """The real clock, optionally warped (``speed`` > 1 runs faster than real time)."""

    def __init__(self, speed: float = 1.0) -> None:
        self.speed = speed
        self._origin_wall = time.time()
        self._origin_mono = time.monotonic()

    def now(self) -> float:
        if self.speed == 1.0:
            return time.time()
        return self._origin_wall + (time.monotonic() - self._origin_mono) * self.speed

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self.speed)


class FakeClock:
    """A clock that only moves when a test says so.

    ``await clock.sleep(n)`` parks the caller until :meth:`advance` (or :meth:`set`) carries the
    clock past its deadline, so a test can drive a source loop or an escalation timer step by step
    without any real waiting.
    """

    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self._now = start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._counter = itertools.count()

    def now(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + seconds, next(self._counter), future))
        await future

    def set(self, when: float) -> None:
        """Jump to ``when`` (unix seconds), waking every sleeper whose deadline has passed."""
        self._now = max(self._now, when)
        while self._sleepers and self._sleepers[0][0] <= self._now:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds``."""
        self.set(self._now + seconds)

    @property
    def sleepers(self) -> int:
        """How many tasks are waiting on this clock (lets a test wait until a loop is parked)."""
        return sum(1 for _, _, f in self._sleepers if not f.done())
