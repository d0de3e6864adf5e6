"""Small sliding windows for the rarer streams (web vitals, product events): one ring of cells per key.

The request windows (:mod:`opstui.metrics.windows`) fold every kind of figure into one ring; the web vitals
and the product events are keyed (a vital on a page, an event name), so each key gets a ring of its own, of
``ceil(window / bucket)`` cells of ``bucket`` seconds (10 s: 30 cells for the 5-minute window), with the same
rules as the request windows, which are a :class:`CellRing` too (its arithmetic is written once, here):

- a window at ``now`` is the cell holding ``now`` and the ``cells - 1`` before it;
- a value older than the window is dropped (counted in :attr:`CellRing.dropped`), one stamped after ``now``
  goes into the current cell, and ``now`` never moves a ring back.
"""

from __future__ import annotations

import math

from opstui.metrics.sketch import LatencySketch

BUCKET = 10.0
"""Seconds per cell."""


class CellRing:
    """The cell arithmetic of every sliding window here: which cell ``now`` is in, which cells leave the
    window when it moves, and the per-minute factor. Subclasses keep the cells' contents and say, through
    :meth:`_seal`, :meth:`_expire` and :meth:`_reset`, what leaving and expiring mean for them; the request
    windows (:class:`~opstui.metrics.windows.EventWindows`) are one, so the rules are written once."""

    __slots__ = ("bucket", "cells", "dropped", "_current", "_first")

    def __init__(self, window: float, bucket: float = BUCKET) -> None:
        if not bucket > 0 or not window >= bucket:
            raise ValueError("need 0 < bucket <= window")
        self.bucket = bucket
        # round() first, so 0.3 / 0.1 (2.9999999999999996) gives 3 cells, not 4 or 2.
        self.cells = math.ceil(round(window / bucket, 9))
        self.dropped = 0
        """Values older than the window when they arrived."""
        self._current: int | None = None
        """Index (``floor(ts / bucket)``) of the newest cell; None until the first call."""
        self._first = 0
        """Index of the oldest cell ever written to or passed through: the rate's span starts there."""

    def _advance(self, now: float) -> int:
        """Move the current cell to the one holding ``now``, expiring the cells that leave the window."""
        target = math.floor(now / self.bucket)
        current = self._current
        if current is None:
            self._current = self._first = target
            return target
        if target <= current:
            return current
        n = self.cells
        if target - current >= n:
            self._reset(current)
        else:
            self._seal(current % n)
            for index in range(current - n + 1, target - n + 1):
                self._expire(index)
        self._current = target
        return target

    def _slot(self, ts: float, current: int) -> tuple[int, bool] | None:
        """The cell for a value at ``ts`` and whether that cell is sealed; None when older than the window."""
        index = math.floor(ts / self.bucket)
        if index >= current:
            return current % self.cells, False
        if index >= current - self.cells + 1:
            self._first = min(self._first, index)
            return index % self.cells, True
        self.dropped += 1
        return None

    def per_min(self, current: int, since: float | None = None) -> float:
        """Per-minute factor over the cells the window spans, the current one counted whole, and only since
        the first cell seen (a console started a minute ago must not divide a minute of traffic by five), or
        since ``since`` when that is earlier (the stream was heard before this key's first value)."""
        first = self._first if since is None else min(self._first, math.floor(since / self.bucket))
        spanned = current - max(current - self.cells + 1, first) + 1
        return 60.0 / (spanned * self.bucket)

    def _reset(self, current: int) -> None:
        """``now`` jumped a whole window or more past ``current``: every cell of the window leaves it."""
        for index in range(current - self.cells + 1, current + 1):
            self._expire(index)

    def _seal(self, cell: int) -> None:
        """The current cell is left behind (a ring keeping a running total of sealed cells adds it there)."""

    def _expire(self, index: int) -> None:
        """The cell of ``index`` (``index % cells``) leaves the window: empty it."""
        raise NotImplementedError


class QuantileWindow(CellRing):
    """Values in a latency sketch per cell, plus the running sketch of the sealed cells (merged once each).

    ``scale`` multiplies values before they enter the sketch and divides quantiles after: CLS (0.001-1) is
    kept in thousandths, inside the sketch's 1 % range (which starts at 0.01).
    """

    __slots__ = ("scale", "_sketches", "_sealed")

    def __init__(self, window: float, bucket: float = BUCKET, scale: float = 1.0) -> None:
        super().__init__(window, bucket)
        self.scale = scale
        self._sketches = [LatencySketch() for _ in range(self.cells)]
        self._sealed = LatencySketch()

    def _reset(self, current: int) -> None:
        for sketch in self._sketches:
            sketch.clear()
        self._sealed.clear()

    def _seal(self, cell: int) -> None:
        self._sealed.merge(self._sketches[cell])

    def _expire(self, index: int) -> None:
        cell = index % self.cells
        self._sealed.subtract(self._sketches[cell])
        self._sketches[cell].clear()

    def add(self, ts: float, value: float, now: float) -> None:
        current = self._advance(now)
        slot = self._slot(ts, current)
        if slot is None:
            return
        cell, sealed = slot
        scaled = value * self.scale
        self._sketches[cell].add(scaled)
        if sealed:
            self._sealed.add(scaled)

    def quantile(self, q: float, now: float) -> tuple[float | None, int]:
        """The ``q``-quantile of the window and how many values it holds ((None, 0) when empty)."""
        current = self._advance(now)
        merged = self._sealed.copy()
        merged.merge(self._sketches[current % self.cells])
        value = merged.quantile(q)
        return (None if value is None else value / self.scale), merged.count


class CountWindow(CellRing):
    """How many values arrived per cell and their sum: count, sum and per-minute rate over the window."""

    __slots__ = ("_counts", "_sums")

    def __init__(self, window: float, bucket: float = BUCKET) -> None:
        super().__init__(window, bucket)
        self._counts = [0] * self.cells
        self._sums = [0.0] * self.cells

    def _expire(self, index: int) -> None:
        cell = index % self.cells
        self._counts[cell] = 0
        self._sums[cell] = 0.0

    def add(self, ts: float, value: float, now: float) -> None:
        slot = self._slot(ts, self._advance(now))
        if slot is not None:
            self._counts[slot[0]] += 1
            self._sums[slot[0]] += value

    def totals(self, now: float, since: float | None = None) -> tuple[int, float, float]:
        """(count, sum, count per minute) over the window ending at ``now``; the rate's span starts at the
        first value's cell or at ``since`` when earlier."""
        current = self._advance(now)
        count = sum(self._counts)
        return count, sum(self._sums), count * self.per_min(current, since)
