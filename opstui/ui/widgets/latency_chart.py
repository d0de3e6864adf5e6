"""The p50 / p95 / p99 latency chart over ``ui.chart_window``, with a marker at every deploy.

Series are downsampled to the chart's width before plotting (a plotext chart of 3 x 3,000 points
costs ~121 ms, of 3 x width points ~10 ms; see docs/performance.md), keeping each bucket's maximum so a
spike never disappears. The chart is rebuilt only when its data or size changed.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.color import Color
from textual_plotext import PlotextPlot

SERIES = (
    ("latency_p50", "p50", "status-ok"),
    ("latency_p95", "p95", "status-warn"),
    ("latency_p99", "p99", "status-crit"),
)


def downsample(xs: Sequence[float], ys: Sequence[float], buckets: int) -> tuple[list[float], list[float]]:
    """At most ``buckets`` points: each bucket's last x and maximum y."""
    if buckets <= 0 or len(xs) <= buckets:
        return list(xs), list(ys)
    out_x: list[float] = []
    out_y: list[float] = []
    size = len(xs) / buckets
    for bucket in range(buckets):
        start, end = int(bucket * size), int((bucket + 1) * size)
        if end > start:
            out_x.append(xs[end - 1])
            out_y.append(max(ys[start:end]))
    return out_x, out_y


class LatencyChart(PlotextPlot):
    """Latency percentiles in milliseconds against minutes before now."""

    def __init__(self) -> None:
        super().__init__(id="latency-chart")
        self.border_title = "Latency (ms)"
        self._key: object = None

    def show(
        self,
        series: dict[str, tuple[list[float], list[float]]],
        deploys: Sequence[tuple[float, str]],
        now: float,
        window: float,
        every: float = 5.0,
    ) -> None:
        """Replot at most once per ``every`` seconds of data (the store's resolution: a chart point is
        that wide anyway), or at once on a resize, a theme change or a deploy; skipped while hidden.
        A braille plot costs ~35 ms to build at 75x20, so replotting each second would be most of
        the console's idle CPU."""
        if not self.display or self.size.width == 0:
            return
        width = max(10, self.size.width - 8)
        has_data = tuple(bool(ts) for ts, _ in series.values())
        key = (int(now // max(every, 1.0)), has_data, tuple(deploys[-5:]), width, self.size.height, self.app.theme)
        if key == self._key:
            return
        self._key = key
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        variables = self.app.theme_variables
        any_data = False
        for metric, label, colour in SERIES:
            xs, ys = series.get(metric, ([], []))
            xs, ys = downsample(xs, ys, width)
            if xs:
                any_data = True
                plt.plot(
                    [(x - now) / 60 for x in xs],
                    ys,
                    label=label,
                    marker="braille",
                    color=_rgb(variables.get(colour, "white")),
                )
        accent = _rgb(variables.get("accent", "white"))
        for ts, _version in deploys:
            if now - window <= ts <= now:
                plt.vline((ts - now) / 60, accent)
        plt.xlim(-window / 60, 0)
        plt.xlabel("minutes ago (| deploy)")
        if not any_data:
            plt.title("no latency data yet")
        self.refresh()


def _rgb(value: str) -> tuple[int, int, int]:
    return Color.parse(value).rgb
