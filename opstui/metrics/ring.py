"""A fixed-capacity ring of (time, value) points in two ``array('d')``: 16 bytes a point.

One point per resolution slot: a sample landing in the same slot as the newest point replaces it
(last value wins), so a metric reported every second still costs one point per ``resolution``.

The arrays grow with the points (doubling, from :data:`FIRST` slots) up to ``capacity``: a series costs what it
holds, not its whole 48 hours (553 KB at 5 s) from its first point. Allocating the capacity up front made
2,000 series, ``store.max_series``, cost 1.1 GB whatever they held (a demo history with many short-lived
series did). While the ring is not full it never wraps (``_start`` is 0), so growing is an extension.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections.abc import Iterator

FIRST = 64
"""Slots a new ring starts with (1 KB): five minutes at 5 s."""


class Ring:
    """Time-ordered points of one series, oldest dropped first once full."""

    __slots__ = ("capacity", "resolution", "_ts", "_vals", "_start", "_size")

    def __init__(self, capacity: int, resolution: float) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.resolution = resolution
        self._ts = array("d", bytes(8 * min(capacity, FIRST)))
        self._vals = array("d", bytes(8 * min(capacity, FIRST)))
        self._start = 0
        self._size = 0

    def _grow(self, need: int) -> None:
        """Room for ``need`` points (at most ``capacity``): double, or to ``need`` if more. Only while not full."""
        have = len(self._ts)
        if need <= have:
            return
        more = min(self.capacity, max(need, 2 * have)) - have
        self._ts.frombytes(bytes(8 * more))
        self._vals.frombytes(bytes(8 * more))

    def __len__(self) -> int:
        return self._size

    def append(self, ts: float, value: float) -> None:
        """Add a point; an older or same-slot timestamp replaces the newest point's value."""
        if self._size:
            last = (self._start + self._size - 1) % self.capacity
            last_ts = self._ts[last]
            if ts <= last_ts or (
                self.resolution > 0 and math.floor(ts / self.resolution) == math.floor(last_ts / self.resolution)
            ):
                self._ts[last] = max(ts, last_ts)
                self._vals[last] = value
                return
        if self._size < self.capacity:
            idx = self._size  # not full: never wrapped, _start is 0
            self._grow(idx + 1)
            self._size += 1
        else:
            idx = self._start
            self._start = (self._start + 1) % self.capacity
        self._ts[idx] = ts
        self._vals[idx] = value

    def load(self, ts: array[float], values: array[float]) -> None:
        """Fill an empty ring with points read back from disk (time-ordered, one per slot), keeping the newest
        ``capacity``: two slice copies, so 48 hours of a series load in microseconds, not 34,560 appends."""
        if self._size:
            raise ValueError("load() fills an empty ring only")
        n = min(len(ts), len(values), self.capacity)
        if not n:
            return
        self._grow(n)
        self._ts[0:n] = ts[len(ts) - n : len(ts)]
        self._vals[0:n] = values[len(values) - n : len(values)]
        self._start = 0
        self._size = n

    def first(self) -> tuple[float, float] | None:
        """The oldest point still held, or None."""
        if not self._size:
            return None
        return self._ts[self._start], self._vals[self._start]

    def last(self) -> tuple[float, float] | None:
        if not self._size:
            return None
        idx = (self._start + self._size - 1) % self.capacity
        return self._ts[idx], self._vals[idx]

    def _index_since(self, since: float) -> int:
        """Logical index of the first point with ts >= since (binary search over the ring)."""
        ts, start, cap, size = self._ts, self._start, self.capacity, self._size

        class _View:
            def __len__(self) -> int:
                return size

            def __getitem__(self, i: int) -> float:
                return ts[(start + i) % cap]

        return bisect_left(_View(), since)

    def since(self, since: float, until: float | None = None) -> tuple[list[float], list[float]]:
        """Points with ``since <= ts`` (and ``ts <= until``), oldest first, as two lists."""
        first = self._index_since(since)
        times: list[float] = []
        values: list[float] = []
        for i in range(first, self._size):
            idx = (self._start + i) % self.capacity
            t = self._ts[idx]
            if until is not None and t > until:
                break
            times.append(t)
            values.append(self._vals[idx])
        return times, values

    def __iter__(self) -> Iterator[tuple[float, float]]:
        for i in range(self._size):
            idx = (self._start + i) % self.capacity
            yield self._ts[idx], self._vals[idx]

    def nbytes(self) -> int:
        return self._ts.itemsize * len(self._ts) + self._vals.itemsize * len(self._vals)
