"""The p50 / p95 / p99 latency chart over ``ui.chart_window``, with a marker at every deploy.

Series are downsampled to the chart's width before plotting (a plotext chart of 3 x 3,000 points
costs ~121 ms, of 3 x width points ~10 ms; see DESIGN.md), keeping each bucket's maximum so a
spike never disappears. The chart is rebuilt only when its data or size changed.

The plot is built in a worker thread, on a plotext figure of its own, and swapped in when done: at 160x48
a build is ~35-100 ms, which on the event loop would hold every key pressed meanwhile (bench/ui.py, one
refresh). ``render`` only returns the last finished plot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.app import RenderResult
from textual.color import Color
from textual_plotext import PlotextPlot
from textual_plotext.plot import Plot

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


@dataclass(frozen=True)
class PlotSpec:
    """Everything a build needs, read on the event loop: the thread touches no widget and no app state."""

    lines: tuple[tuple[tuple[float, ...], tuple[float, ...], str, tuple[int, int, int]], ...]
    deploys: tuple[float, ...]
    accent: tuple[int, int, int]
    window: float
    width: int
    height: int
    theme: str


def build_plot(spec: PlotSpec) -> Text:
    """The chart as text, on a figure of its own (safe in a worker thread: plotext's figures share no state
    that a build writes)."""
    plt = Plot()
    for xs, ys, label, colour in spec.lines:
        plt.plot(list(xs), list(ys), label=label, marker="braille", color=colour)
    for x in spec.deploys:
        plt.vline(x, spec.accent)
    plt.xlim(-spec.window / 60, 0)
    plt.xlabel("minutes ago (| deploy)")
    if not spec.lines:
        plt.title("no latency data yet")
    plt.plotsize(spec.width, spec.height)
    plt._set_size(spec.width, spec.height)  # as textual-plotext's own render does (its issue #5)
    plt.theme(spec.theme)
    return Text.from_ansi(plt.build())


class LatencyChart(PlotextPlot):
    """Latency percentiles in milliseconds against minutes before now."""

    def __init__(self) -> None:
        super().__init__(id="latency-chart")
        self.border_title = "Latency (ms)"
        self._key: object = None
        self._plot_text: Text = Text("")
        self.builds = 0
        """Plots swapped in (tests count them)."""

    def render(self) -> RenderResult:
        return self._plot_text

    def on_resize(self) -> None:
        self._key = None  # the next draw rebuilds at the new size

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
        variables = self.app.theme_variables
        lines = []
        for metric, label, colour in SERIES:
            xs, ys = series.get(metric, ([], []))
            xs, ys = downsample(xs, ys, width)
            if xs:
                lines.append(
                    (tuple((x - now) / 60 for x in xs), tuple(ys), label, _rgb(variables.get(colour, "white")))
                )
        spec = PlotSpec(
            lines=tuple(lines),
            deploys=tuple((ts - now) / 60 for ts, _ in deploys if now - window <= ts <= now),
            accent=_rgb(variables.get("accent", "white")),
            window=window,
            width=self.size.width,
            height=self.size.height,
            theme=self._get_plotext_theme_name(self.app.theme),
        )
        self.run_worker(lambda: self._build(spec, key), thread=True, group="latency-chart", exit_on_error=False)

    def _build(self, spec: PlotSpec, key: object) -> None:
        try:
            text = build_plot(spec)
        except Exception as exc:  # noqa: BLE001 - a plotting bug shows on the chart, it never ends the console
            text = Text(f"chart unavailable: {type(exc).__name__}: {exc}"[:200])
        if self.app.is_running:
            self.app.call_from_thread(self._swap, text, key)

    def _swap(self, text: Text, key: object) -> None:
        if key != self._key:
            return  # a newer build is on its way (or a resize asked for one): this one is already old
        self._plot_text = text
        self.builds += 1
        self.refresh()


def _rgb(value: str) -> tuple[int, int, int]:
    return Color.parse(value).rgb
