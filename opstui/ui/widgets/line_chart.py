"""A braille line chart drawn by hand: the Engineering screen's latency and the incident's metric.

Why not plotext (the first round drew both through ``textual-plotext``): a plotext braille plot of three
series at the console's size took 35-90 ms to build and as long again to decode its ANSI output into
Textual's text, on the event loop, each time the chart moved (every 5 s of data): the worst refresh was
112 ms, three frames, and a key pressed meanwhile waited for it (issue "Fast under fire"; docs/performance.md
has the figures). A thread did not help (the work holds the GIL). This chart rasterises the points straight
into braille cells (2 x 4 dots each) as a few styled runs a line, built only when the data or the size
changed, and hands Textual ready strips (a repaint reuses them; Content would be laid out again each time).

Colours are theme variables (``$status-ok`` ...), resolved when the strips are made, again after a theme change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.strip import Strip
from textual.style import Style as VisualStyle
from textual.widget import Widget

BRAILLE = 0x2800
DOT_BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
"""The bit of the dot at (row, column) inside a braille cell (Unicode's braille pattern numbering)."""
AXIS_STYLE = "$text-muted"
MARKER_STYLE = "$accent"

Runs = list[tuple[str, str]]
"""One line: pieces of text with the theme variable that colours them (``$status-ok``; ``""`` plain)."""
Lines = list[Runs]


def plain(lines: Lines) -> str:
    """The chart's text without colours (for tests and a plain terminal)."""
    return "\n".join("".join(text for text, _ in runs) for runs in lines)


@dataclass(frozen=True)
class Series:
    """One line: its label, a theme colour variable (``status-ok``) and its points."""

    label: str
    colour: str
    xs: Sequence[float]
    ys: Sequence[float]


@dataclass
class Raster:
    """A ``width`` x ``height`` grid of braille cells: each cell's dot mask and the series drawn last in it."""

    width: int
    height: int
    masks: list[list[int]] = field(init=False)
    owners: list[list[int]] = field(init=False)

    def __post_init__(self) -> None:
        self.masks = [[0] * self.width for _ in range(self.height)]
        self.owners = [[-1] * self.width for _ in range(self.height)]

    def dot(self, x: int, y: int, owner: int) -> None:
        """Set the dot at ``(x, y)`` in dot coordinates (``2 * width`` x ``4 * height``, y down)."""
        cx, cy = x >> 1, y >> 2
        self.masks[cy][cx] |= DOT_BITS[y & 3][x & 1]
        self.owners[cy][cx] = owner

    def line(self, x0: int, y0: int, x1: int, y1: int, owner: int) -> None:
        """Every dot between two points (a straight step per dot along the longer axis); the dot's work is
        inlined, since a jagged series of a wide chart sets tens of thousands of dots."""
        steps = max(abs(x1 - x0), abs(y1 - y0))
        if steps == 0:
            self.dot(x0, y0, owner)
            return
        masks, owners, bits = self.masks, self.owners, DOT_BITS
        ddx, ddy, half, twice = x1 - x0, y1 - y0, steps, 2 * steps  # integer rounding: no float per dot
        for i in range(steps + 1):
            x, y = x0 + (2 * ddx * i + half) // twice, y0 + (2 * ddy * i + half) // twice
            row, col = y >> 2, x >> 1
            masks[row][col] |= bits[y & 3][x & 1]
            owners[row][col] = owner


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k at or above ``value``: the y axis' top (0 and below: 1)."""
    if value <= 0 or not math.isfinite(value):
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if value <= step * power * (1 + 1e-9):
            return step * power
    return 10.0 * power


def nice_step(span: float, most: int) -> float:
    """A 1 / 2 / 5 x 10^k step that cuts ``span`` into at most ``most`` parts."""
    if span <= 0 or most <= 0:
        return max(span, 1.0)
    raw = span / most
    power = 10.0 ** math.floor(math.log10(raw))
    for step in (1.0, 2.0, 5.0, 10.0):
        if step * power >= raw:
            return step * power
    return 10.0 * power


def number(value: float) -> str:
    """A short axis label: ``0``, ``250``, ``2.5``, ``1.5k``."""
    if abs(value) >= 10_000:
        return f"{value / 1000:.0f}k"
    if abs(value) >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:.3g}" if value != int(value) else f"{int(value)}"


def raster(
    series: Sequence[Series], width: int, height: int, x_range: tuple[float, float], y_range: tuple[float, float]
) -> Raster:
    """The series' lines in a ``width`` x ``height`` cell grid, x over ``x_range`` and y over ``y_range``
    (points outside are drawn at the edge)."""
    grid = Raster(width, height)
    x0, x1 = x_range
    y0, y1 = y_range
    dots_x, dots_y = 2 * width - 1, 4 * height - 1
    x_span, y_span = (x1 - x0) or 1.0, (y1 - y0) or 1.0
    for owner, line in enumerate(series):
        last: tuple[int, int] | None = None
        for x, y in zip(line.xs, line.ys, strict=False):
            if not (math.isfinite(x) and math.isfinite(y)):
                last = None
                continue
            dx = min(dots_x, max(0, round((x - x0) / x_span * dots_x)))
            dy = min(dots_y, max(0, round((1 - (y - y0) / y_span) * dots_y)))
            if last is None:
                grid.dot(dx, dy, owner)
            else:
                grid.line(last[0], last[1], dx, dy, owner)
            last = (dx, dy)
    return grid


def downsample(xs: Sequence[float], ys: Sequence[float], buckets: int) -> tuple[list[float], list[float]]:
    """At most ``buckets`` points: each bucket's last x and maximum y, so a spike never disappears."""
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


def draw(
    series: Sequence[Series],
    width: int,
    height: int,
    x_range: tuple[float, float],
    *,
    x_label: str = "",
    markers: Sequence[float] = (),
    empty: str = "no data yet",
) -> Lines:
    """The whole chart as ``height`` lines of styled runs, ``width`` cells at most: a legend line, the plot
    with its y axis, the x ticks.

    ``markers`` are x positions drawn as a vertical line (deploys, an incident's start) where no point is.
    """
    plotted = [Series(s.label, s.colour, *downsample(s.xs, s.ys, 2 * width)) for s in series if len(s.xs) and len(s.ys)]
    values = [y for s in plotted for y in s.ys if math.isfinite(y)]
    if not values or width < 12 or height < 4:
        return [[(empty[: max(0, width)], AXIS_STYLE)]]
    top = nice_ceiling(max(values) * 1.05)
    low = min(values)
    bottom = -nice_ceiling(-low * 1.05) if low < 0 else 0.0
    labels = [number(top), number((top + bottom) / 2), number(bottom)]
    pad = max(len(label) for label in labels)
    plot_w, plot_h = width - pad - 1, height - 2
    grid = raster(plotted, plot_w, plot_h, x_range, (bottom, top))
    lines = [_legend(plotted, x_label, width)]
    marker_cols = _marker_columns(markers, x_range, plot_w)
    for row in range(plot_h):
        label = labels[0] if row == 0 else labels[2] if row == plot_h - 1 else ""
        if row == plot_h // 2 and 0 < row < plot_h - 1:
            label = labels[1]
        parts: Runs = [(label.rjust(pad) + ("┤" if label else "│"), AXIS_STYLE)]
        parts.extend(_cells(grid, row, plotted, marker_cols))
        lines.append(parts)
    lines.append([(" " * (pad + 1) + _ticks(x_range, plot_w), AXIS_STYLE)])
    return lines


def _legend(series: Sequence[Series], x_label: str, width: int) -> Runs:
    legend: Runs = []
    for s in series:
        legend.extend((("━ ", f"${s.colour}"), (f"{s.label}  ", "")))
    room = width - sum(len(text) for text, _ in legend)
    if x_label and room > len(x_label):
        legend.append((x_label.rjust(room), AXIS_STYLE))
    return legend


def _marker_columns(markers: Sequence[float], x_range: tuple[float, float], plot_w: int) -> set[int]:
    x0, x1 = x_range
    span = (x1 - x0) or 1.0
    return {round((m - x0) / span * (plot_w - 1)) for m in markers if x0 <= m <= x1}


def _cells(grid: Raster, row: int, series: Sequence[Series], markers: set[int]) -> Runs:
    """One plot row as runs of the same style: braille in its series' colour, a marker's bar, blanks."""
    runs: Runs = []
    text: list[str] = []
    style = ""
    for col, (mask, owner) in enumerate(zip(grid.masks[row], grid.owners[row], strict=True)):
        if mask:
            char, cell_style = chr(BRAILLE + mask), f"${series[owner].colour}"
        elif col in markers:
            char, cell_style = "│", MARKER_STYLE
        else:
            char, cell_style = " ", ""
        if cell_style != style and text:
            runs.append(("".join(text), style))
            text = []
        style = cell_style
        text.append(char)
    if text:
        runs.append(("".join(text), style))
    return runs


def _ticks(x_range: tuple[float, float], plot_w: int) -> str:
    """The x axis' tick labels under their columns, as many as fit with a gap between them."""
    x0, x1 = x_range
    span = x1 - x0
    if span <= 0:
        return ""
    step = nice_step(span, max(1, plot_w // 8))
    out = [" "] * plot_w
    first = math.ceil(x0 / step) * step
    ticks = [first + i * step for i in range(int((x1 - first) / step + 1e-9) + 1)]
    free = 0
    for tick in ticks:
        label = number(round(tick, 6))
        col = round((tick - x0) / span * (plot_w - 1))
        start = min(max(col - len(label) // 2, free), plot_w - len(label))
        if start < free:
            continue
        out[start : start + len(label)] = label
        free = start + len(label) + 1
    return "".join(out)


class LineChart(Widget):
    """Shows what :func:`draw` made, as strips built once per build and per theme; repaints reuse them."""

    DEFAULT_CSS = """
    LineChart { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's own name
        super().__init__(id=id)
        self._args: tuple[Sequence[Series], tuple[float, float], str, Sequence[float], str] | None = None
        self._lines: Lines = []
        self._strips: list[Strip] | None = None
        self._strips_for: object = None
        self._built_for: tuple[int, int] = (0, 0)

    def plot(
        self,
        series: Sequence[Series],
        x_range: tuple[float, float],
        *,
        x_label: str = "",
        markers: Sequence[float] = (),
        empty: str = "no data yet",
    ) -> None:
        """Draw these series now (and again at the new size on a resize)."""
        self._args = (series, x_range, x_label, markers, empty)
        self._build()

    @property
    def text(self) -> str:
        """What the chart shows now, without colours."""
        return plain(self._lines)

    def _build(self) -> None:
        width, height = self.content_region.width, self.content_region.height
        if self._args is None or width <= 0 or height <= 0:
            return
        series, x_range, x_label, markers, empty = self._args
        self._lines = draw(series, width, height, x_range, x_label=x_label, markers=markers, empty=empty)
        self._strips = None
        self._built_for = (width, height)
        self.refresh()

    def on_resize(self) -> None:
        if (self.content_region.width, self.content_region.height) != self._built_for:
            self._build()

    def render_line(self, y: int) -> Strip:
        visual = self.visual_style
        key = (self.app.theme, visual)
        if self._strips is None or self._strips_for != key:
            self._strips = self._make_strips(visual)
            self._strips_for = key
        width = self.content_region.width
        base = visual.rich_style
        if y >= len(self._strips):
            return Strip.blank(width, base)
        return self._strips[y].crop_extend(0, width, base)

    def _make_strips(self, visual: VisualStyle) -> list[Strip]:
        """Each line's runs as segments, the theme's variables resolved as Content would (``auto`` too)."""
        variables = self.app.theme_variables
        styles: dict[str, RichStyle] = {"": visual.rich_style}
        strips = []
        for runs in self._lines:
            segments = []
            for text, variable in runs:
                style = styles.get(variable)
                if style is None:
                    try:
                        style = (visual + VisualStyle.parse(variable, variables)).rich_style
                    except Exception:  # noqa: BLE001 - a theme without the variable: the text's own colour
                        style = visual.rich_style
                    styles[variable] = style
                segments.append(Segment(text, style))
            strips.append(Strip(segments))
        return strips
