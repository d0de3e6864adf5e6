"""A one-line sparkline of a KPI's recent values, drawn once per change of its values, width or colours.

Why not Textual's ``Sparkline``: it renders through Rich on every repaint, blending a colour per bar each time,
and seven tiles of them were the largest repaint left in a worst-case refresh (docs/performance.md, "Fast
under fire"). This one draws the same picture (the values cut into one bucket a cell, each bucket's largest
value as a bar from ``▁`` to ``█`` between the smallest and largest value, its colour blended from the
``spark--min-color`` to the ``spark--max-color`` component colour by its height) into one cached strip.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.strip import Strip
from textual.widget import Widget

BARS = "▁▂▃▄▅▆▇█"


def bucket_tops(values: Sequence[float], width: int) -> list[float]:
    """The largest value of each of ``width`` consecutive buckets (fewer values than cells: a value a cell,
    repeated to fill the width, as Textual's sparkline draws them)."""
    count = len(values)
    if count == 0 or width <= 0:
        return []
    buckets = [values[count * i // width : count * (i + 1) // width] for i in range(width)]
    tops = [max(bucket) for bucket in buckets if bucket]
    step = len(tops) / width
    return [tops[int(i * step)] for i in range(width)]


class SparkBars(Widget):
    """Recent values as one line of bars; ``data`` sets them (the line is drawn again only when they change)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"spark--min-color", "spark--max-color"}

    DEFAULT_CSS = """
    SparkBars { height: 1; }
    """

    def __init__(self, *, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self._data: tuple[float, ...] = ()
        self._strip: tuple[object, Strip] | None = None

    @property
    def data(self) -> tuple[float, ...]:
        return self._data

    @data.setter
    def data(self, values: Sequence[float]) -> None:
        values = tuple(values)
        if values != self._data:
            self._data = values
            self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        _, base = self.background_colors
        low = base + self.get_component_styles("spark--min-color").color
        high = base + self.get_component_styles("spark--max-color").color
        background = self.rich_style
        if y > 0:
            return Strip.blank(width, background)
        key = (self._data, width, low, high, background)
        if self._strip is None or self._strip[0] != key:
            self._strip = (key, self._draw(width, low, high, background))
        return self._strip[1]

    def _draw(self, width: int, low: Color, high: Color, background: Style) -> Strip:
        data = self._data
        if not data:
            segments = [Segment("▁" * width, background + Style.from_color(low.rich_color))]
        elif len(data) == 1:
            segments = [Segment("█" * width, background + Style.from_color(high.rich_color))]
        else:
            smallest, largest = min(data), max(data)
            extent = (largest - smallest) or 1.0
            segments = []
            for top in bucket_tops(data, width):
                ratio = (top - smallest) / extent
                index = min(len(BARS) - 1, int(ratio * (len(BARS) - 1)))
                colour = low.blend(high, ratio).rich_color
                segments.append(Segment(BARS[index], background + Style.from_color(colour)))
        return Strip(Segment.simplify(segments), width)
