"""One KPI tile: the label in the border, the value with a level shape, a sparkline, the target.

The tile's class is the KPI's level (``-target``, ``-off-target``, ``-warning``, ``-critical``,
``-stale``, ``-no-data``; ``-maintenance`` while its source is in an open maintenance window); the colours
live in ``styles/engineering.tcss`` as theme variables.

A stale KPI (its newest point older than its source's ``stale_after``) shows its last value dimmed behind
the ``◌`` shape, in a dashed border whose bottom says ``stale 2m`` where the target was: the old number is
never shown as if it were now, and the word stale fits the narrowest tile.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Static

from opstui.monitor import KpiView
from opstui.status import KpiLevel
from opstui.ui.plain import plain
from opstui.ui.widgets.formatting import LEVEL_ICON, age, number
from opstui.ui.widgets.spark_bars import SparkBars

LEVEL_CLASSES = tuple(f"-{level.value}" for level in KpiLevel)


class KpiTile(Widget):
    """A KPI's current value against its thresholds, with its recent history."""

    def __init__(self, view: KpiView) -> None:
        super().__init__(id=f"kpi-{view.key or view.metric}", classes="kpi-tile")
        self.metric = view.metric
        self.border_title = plain(view.label)
        self._shown: KpiView | None = None
        self._value = Static("—", classes="kpi-value")
        self._spark = SparkBars(classes="kpi-spark")
        self._window: str | None = None
        """The maintenance window its source is in, as last shown."""

    def compose(self) -> ComposeResult:
        yield self._value
        yield self._spark

    def show(self, view: KpiView, maintenance: str | None = None) -> None:
        """Redraw from one view; a tile whose view did not change costs nothing, and only the parts that
        changed are touched (a class change restyles the tile, a new tooltip or history repaints).
        ``maintenance``: the open maintenance window its source is in; the tile then says ``maintenance``
        (planned, neither down nor calm)."""
        shown, self._shown = self._shown, view
        window, self._window = self._window, maintenance
        if view == shown and maintenance == window:
            return
        if maintenance != window:
            self.set_class(maintenance is not None, "-maintenance")
        if shown is None or view.level != shown.level:
            # One class change, one restyle of the tile (set_class per class restyled it once per class).
            self.set_classes({*(c for c in self.classes if c not in LEVEL_CLASSES), f"-{view.level.value}"})
        self._value.update(plain(value_text(view, number)))
        self._spark.data = view.history
        self.border_subtitle = plain(subtitle(view) if maintenance is None else "maintenance")
        tip = _thresholds(view)
        tooltip = plain(tip if maintenance is None else f"under maintenance ({maintenance}); {tip}")
        if tooltip != self.tooltip:
            self.tooltip = tooltip


def value_text(view: KpiView, fmt: Callable[[float | None, str], str]) -> str:
    """The tile's value line: the level's shape and the number (for a stale KPI, the last one seen)."""
    return f"{LEVEL_ICON[view.level]} {fmt(view.value, view.unit)}"


def subtitle(view: KpiView) -> str:
    """The bottom border: ``stale 2m`` while the KPI is stale, else its target (or nothing)."""
    if view.level is KpiLevel.STALE:
        return f"stale {age(view.age)}"
    return f"target {view.target}" if view.target else ""


def _thresholds(view: KpiView) -> str:
    parts = [
        f"{name} {rule}"
        for name, rule in (("target", view.target), ("warning", view.warning), ("critical", view.critical))
        if rule
    ]
    if view.level is KpiLevel.STALE:
        old = number(view.value, view.unit)
        return f"{view.label}: stale, no new data for {age(view.age)} (last value {old}); " + ", ".join(parts)
    return f"{view.label}: {view.level.value}; " + ", ".join(parts)
