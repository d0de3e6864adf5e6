"""A log-bucketed latency histogram (DDSketch-style) with a guaranteed relative error.

Why not keep the raw latencies: at 50,000 requests a second a five-minute window would hold 15 million
floats; an exact percentile would need them all, sorted, every second. A sketch keeps one counter per
*logarithmic* bucket instead, so memory is bounded by the number of buckets, not the number of requests,
and two sketches merge by adding counters (which lets the sliding windows keep one sketch per second).

The error bound
---------------
Bucket ``i`` holds the values in ``[gamma**i, gamma**(i + 1))`` and reports them all as the single value
``2 * gamma**(i + 1) / (gamma + 1)``, which is within ``(gamma - 1) / (gamma + 1)`` relative error of every
value in the bucket. ``gamma`` is chosen for 0.99 % so that, with floating-point rounding of the logarithm
at bucket edges, the promise below holds with margin:

    For the ``n`` values added (after clamping, see below) sorted as ``x[0] <= ... <= x[n-1]``,
    ``quantile(q)`` returns a value within ``RELATIVE_ACCURACY`` (1 %) relative error of
    ``x[floor(q*(n-1))]``, the lower end of the exact rank interval
    ``[x[floor(q*(n-1))], x[ceil(q*(n-1))]]`` that every interpolating definition of the ``q``-quantile
    falls in.

Zero and negative values are counted in a zero bucket and reported exactly as ``0.0``. Positive values are
clamped to ``[MIN_VALUE, MAX_VALUE]`` = ``[0.01 ms, 10**7 ms]`` (10 microseconds to about 2.8 hours) before
bucketing: sub-millisecond latencies down to 10 microseconds keep the 1 % bound, a value below it is reported
as about ``0.01`` and one above as about ``10**7``. That clamp bounds a sketch at ``BUCKETS`` (1,048)
counters plus the zero bucket, however wide the data. Counters live in a dict keyed by bucket, so a sketch
costs memory only for the buckets its data actually touches (a typical latency spread touches a few hundred).
"""

from __future__ import annotations

import math
import sys
from array import array
from collections.abc import Iterable, Sequence
from itertools import chain

RELATIVE_ACCURACY = 0.01
"""The documented bound: every quantile is within 1 % of a value from the exact rank interval."""
MIN_VALUE = 0.01
"""Smallest positive value kept with the relative bound (ms); smaller positive values are clamped up to it."""
MAX_VALUE = 1e7
"""Largest value kept with the relative bound (ms); larger values are clamped down to it."""

_BUCKET_ACCURACY = 0.0099
_GAMMA = (1 + _BUCKET_ACCURACY) / (1 - _BUCKET_ACCURACY)
_INV_LN_GAMMA = 1.0 / math.log(_GAMMA)
# Shifts bucket numbers so that MIN_VALUE falls in bucket 0 and every index is a small non-negative int,
# which lets ``int()`` (truncation) stand in for the slower ``math.floor``.
_OFFSET = -math.floor(math.log(MIN_VALUE) * _INV_LN_GAMMA)
BUCKETS = int(math.log(MAX_VALUE) * _INV_LN_GAMMA + _OFFSET) + 1
"""The most buckets a sketch can hold (besides the zero bucket), a consequence of the clamp."""
_REPRESENTATIVE = tuple(2 * _GAMMA ** (i - _OFFSET + 1) / (_GAMMA + 1) for i in range(BUCKETS))
_LOG = math.log


class LatencySketch:
    """Counts of values per logarithmic bucket; ``add`` is O(1), ``quantile`` is O(buckets used)."""

    __slots__ = ("_bins", "_zero", "_count")

    def __init__(self) -> None:
        self._bins: dict[int, int] = {}
        self._zero = 0
        self._count = 0

    @property
    def count(self) -> int:
        """How many values were added (and merged in, minus those subtracted)."""
        return self._count

    def add(self, value: float) -> None:
        """Count one value (ms); the ingest path calls this once per request, so it is kept minimal."""
        self._count += 1
        if value >= MIN_VALUE:
            i = int(_LOG(value if value < MAX_VALUE else MAX_VALUE) * _INV_LN_GAMMA + _OFFSET)
            bins = self._bins
            bins[i] = bins.get(i, 0) + 1
        elif value > 0:
            bins = self._bins
            bins[0] = bins.get(0, 0) + 1
        else:
            self._zero += 1

    def add_many(self, values: Iterable[float]) -> None:
        """Count every value of ``values``."""
        for value in values:
            self.add(value)

    def merge(self, other: LatencySketch) -> None:
        """Add ``other``'s counts into this sketch (as if its values had been added here)."""
        bins = self._bins
        for i, c in other._bins.items():
            bins[i] = bins.get(i, 0) + c
        self._zero += other._zero
        self._count += other._count

    def subtract(self, other: LatencySketch) -> None:
        """Remove ``other``'s counts, which must have been merged into this sketch before.

        Counts are integers, so a running total kept by merging and subtracting stays exact: this is
        what lets a sliding window drop its oldest second without re-merging the rest.
        """
        bins = self._bins
        for i, c in other._bins.items():
            left = bins[i] - c
            if left:
                bins[i] = left
            else:
                del bins[i]
        self._zero -= other._zero
        self._count -= other._count

    def copy(self) -> LatencySketch:
        """An independent sketch with the same counts."""
        twin = LatencySketch()
        twin._bins = dict(self._bins)
        twin._zero = self._zero
        twin._count = self._count
        return twin

    def clear(self) -> None:
        """Forget every value."""
        self._bins.clear()
        self._zero = 0
        self._count = 0

    def to_bytes(self) -> bytes:
        """The counts as little-endian int64s (zero count, total, then bucket and count pairs): what the
        history keeps per hour, a few KB for a typical spread of latencies."""
        flat = array("q", [self._zero, self._count])
        flat.extend(chain.from_iterable(sorted(self._bins.items())))  # one extend: a flush packs 50 route sketches
        if sys.byteorder == "big":
            flat.byteswap()
        return flat.tobytes()

    @classmethod
    def from_bytes(cls, blob: bytes) -> LatencySketch:
        """A sketch from :meth:`to_bytes` (raises ValueError on a blob that is not one)."""
        flat = array("q")
        flat.frombytes(blob)
        if sys.byteorder == "big":
            flat.byteswap()
        if len(flat) < 2 or len(flat) % 2:
            raise ValueError("not a latency sketch")
        sketch = cls()
        sketch._zero, sketch._count = flat[0], flat[1]
        sketch._bins = dict(zip(flat[2::2], flat[3::2], strict=True))
        return sketch

    def quantile(self, q: float) -> float | None:
        """The ``q``-quantile (0 <= q <= 1) within the module's error bound; None when empty."""
        return self.quantiles((q,))[0]

    def quantiles(self, qs: Sequence[float]) -> list[float | None]:
        """Several quantiles in one pass over the buckets (p50, p95 and p99 cost one sort, not three)."""
        for q in qs:
            if not 0.0 <= q <= 1.0:
                raise ValueError(f"quantile must be between 0 and 1, not {q}")
        if not self._count:
            return [None] * len(qs)
        last = self._count - 1
        ranks = sorted((math.floor(q * last), k) for k, q in enumerate(qs))
        out: list[float | None] = [None] * len(qs)
        pending = iter(ranks)
        rank, k = next(pending)
        # Cumulative count of the values at or below the current bucket; ranks are 0-based.
        seen = self._zero
        try:
            while rank < seen:
                out[k] = 0.0
                rank, k = next(pending)
            bins = self._bins
            for i in sorted(bins):
                seen += bins[i]
                while rank < seen:
                    out[k] = _REPRESENTATIVE[i]
                    rank, k = next(pending)
        except StopIteration:
            pass
        return out
