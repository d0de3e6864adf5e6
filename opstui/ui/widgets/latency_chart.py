"""The p50 / p95 / p99 latency chart over ``ui.chart_window``, with a marker at every deploy.

Drawn by :mod:`opstui.ui.widgets.line_chart` (series downsampled to the chart's braille width, each bucket's
maximum kept so a spike never disappears), and built again only when its data, its size or the deploys
changed: at most once per store resolution (5 s), since a chart point is that wide anyway.
"""

from __future__ import annotations

from collections.abc import Sequence

from opstui.ui.widgets.line_chart import LineChart, Series

SERIES = (
    ("latency_p50", "p50", "status-ok"),
    ("latency_p95", "p95", "status-warn"),
    ("latency_p99", "p99", "status-crit"),
)


class LatencyChart(LineChart):
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
        """Build again at most once per ``every`` seconds of data, or at once on new data after a gap or a
        deploy; skipped while hidden (a resize rebuilds by itself)."""
        if not self.display or self.size.width == 0:
            return
        has_data = tuple(bool(ts) for ts, _ in series.values())
        key = (int(now // max(every, 1.0)), has_data, tuple(deploys[-5:]))
        if key == self._key:
            return
        self._key = key
        lines = []
        for metric, label, colour in SERIES:
            xs, ys = series.get(metric, ([], []))
            lines.append(Series(label, colour, [(x - now) / 60 for x in xs], ys))
        self.plot(
            lines,
            (-window / 60, 0.0),
            x_label="minutes ago, │ deploy",
            markers=[(ts - now) / 60 for ts, _version in deploys if now - window <= ts <= now],
            empty="no latency data yet",
        )
