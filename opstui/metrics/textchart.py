"""Text charts of a series for Markdown and terminals: one row of block characters, scaled to the span.

Used by ``opstui report ID`` to put the metrics around an incident into its review from the history on disk,
readable once the console is gone, in a terminal, a pull request or a wiki.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

BARS = "▁▂▃▄▅▆▇█"
WIDTH = 60
"""Columns of a chart: each is the mean of the points in its slice of the span."""


def columns(times: Sequence[float], values: Sequence[float], since: float, until: float, width: int) -> list[float]:
    """The mean of the points in each of ``width`` equal slices of ``[since, until)``; NaN where there is none."""
    sums = [0.0] * width
    counts = [0] * width
    span = max(until - since, 1e-9)
    for t, v in zip(times, values, strict=False):
        column = int((t - since) / span * width)
        if 0 <= column < width and not math.isnan(v):
            sums[column] += v
            counts[column] += 1
    return [sums[i] / counts[i] if counts[i] else math.nan for i in range(width)]


def chart(
    times: Sequence[float],
    values: Sequence[float],
    since: float,
    until: float,
    marks: Mapping[float, str] | None = None,
    width: int = WIDTH,
) -> list[str]:
    """Two lines: the bars (a space where there is no data) and, under them, ``^`` at each mark's time with its
    letter (``o`` opened, ``r`` resolved ...). Empty when the span holds no point."""
    cells = columns(times, values, since, until, width)
    known = [c for c in cells if not math.isnan(c)]
    if not known:
        return []
    low, high = min(known), max(known)
    scale = (high - low) or 1.0
    bars = "".join(
        " " if math.isnan(c) else BARS[min(len(BARS) - 1, int((c - low) / scale * (len(BARS) - 1) + 0.5))]
        for c in cells
    )
    ruler = [" "] * width
    for at, letter in sorted((marks or {}).items()):
        column = int((at - since) / max(until - since, 1e-9) * width)
        if 0 <= column < width:
            ruler[column] = letter[:1]
    return [bars, "".join(ruler).rstrip()]
