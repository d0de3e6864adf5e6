"""The event tail, grouped: deploys, errors and sources going down or coming back, one row per kind.

The same error repeated dozens of times is one row (:mod:`opstui.metrics.errors`: same source, level and
message shape) with its count, the time it was last seen, a per-minute sparkline of the last 15 minutes and
its latest full text; a group first seen in the last 5 minutes is marked ``new``. Rows are ordered by the
time last seen (by timestamp, not arrival: a deploy webhook that lands late still takes its place), newest on
top. ``enter`` on a row shows the latest full line and the group's fields; ``/`` filters (source, level or
text); ``escape`` clears the filter. The table is rebuilt only when a group changed (the groups' version),
at the screen's 1 Hz pace, never per event, and holds at most :data:`MAX_ROWS` rows.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from opstui.clock import zone
from opstui.metrics.errors import TREND_MINUTES, ErrorGroup, ErrorGroups
from opstui.monitor import LogEntry
from opstui.sanitize import clean
from opstui.ui.plain import plain_text
from opstui.ui.widgets.formatting import clock_time
from opstui.ui.widgets.row_table import Column, RowTable

LEVEL_STYLE = {
    "critical": ("✖", "status-crit"),
    "error": ("✖", "status-crit"),
    "warning": ("▲", "status-warn"),
    "deploy": ("⇡", "accent"),
    "info": ("●", "status-ok"),
}
MAX_ROWS = 200
"""Groups listed at most (the newest); the bound of the table whatever the groups."""
TREND_WIDTH = 8
"""Minutes of the sparkline shown in the row (the group keeps 15)."""
_BARS = " ▁▂▃▄▅▆▇█"


def spark(counts: Sequence[int]) -> str:
    """Per-minute counts as block characters, scaled to the largest; a quiet minute is a space."""
    top = max(counts, default=0)
    if not top:
        return " " * len(counts)
    return "".join(_BARS[0 if c == 0 else max(1, round(8 * c / top))] for c in counts)


def newest_first(events: Sequence[LogEntry], limit: int) -> list[LogEntry]:
    """The ``limit`` newest entries by timestamp, newest first; equal times keep the later arrival first."""
    indexes = heapq.nlargest(limit, range(len(events)), key=lambda i: (events[i].ts, i))
    return [events[i] for i in indexes]


def group_matches(group: ErrorGroup, needle: str) -> bool:
    """The ``/`` filter: a case-insensitive substring of the source, the level or the latest text."""
    if not needle:
        return True
    needle = needle.casefold()
    return any(needle in part.casefold() for part in (group.source, group.level, group.latest))


def group_cells(group: ErrorGroup, now: float, zone_name: str) -> tuple[str, ...]:
    """The plain text of each column for one group."""
    icon, _ = LEVEL_STYLE.get(group.level, ("·", "text-muted"))
    return (
        clock_time(group.last, zone_name),
        f"{icon} {group.level}",
        group.source,
        f"{group.count:,}",
        spark(group.trend(now, TREND_WIDTH)),
        ("new · " if group.is_new(now) else "") + group.latest,
    )


FIELDS = ("last", "level", "source", "count", "trend", "text")
"""A row's fields, left to right, laid out in one line of fixed widths (:func:`field_widths`)."""
GAP = 2
"""Spaces between two fields."""


def field_widths(width: int) -> tuple[int, ...]:
    """Fixed widths for a pane whose content is ``width`` wide (inside its border and padding): the latest text
    gets what is left (never a sideways scroll)."""
    source = 12 if width >= 100 else 10
    fixed = (8, 10, source, 5, TREND_WIDTH)
    rest = width - sum(fixed) - GAP * len(fixed) - 4  # the cell's padding, and room for a scrollbar
    return (*fixed, max(10, rest))


def fit(text: str, width: int, right: bool = False) -> str:
    """``text`` in exactly ``width`` cells: cut with an ellipsis, padded on the right (or the left)."""
    if len(text) > width:
        return text[: max(0, width - 1)] + "…"
    return text.rjust(width) if right else text.ljust(width)


def row_text(cells: Sequence[str], widths: Sequence[int], colours: dict[str, str], level: str, new: bool) -> Text:
    """One group as one line: its fields at their widths, the level in its colour, ``new ·`` in bold accent.

    One cell a row rather than a column a field: a row's line is made once, not six cells (the tail is the
    pane that changes most under an error flood; docs/performance.md)."""
    line = Text(no_wrap=True, overflow="ellipsis")
    _, variable = LEVEL_STYLE.get(level, ("·", "text-muted"))
    for index, (cell, width) in enumerate(zip(cells, widths, strict=True)):
        if index:
            line.append(" " * GAP)
        start = len(line)
        line.append(fit(clean(cell), width, right=FIELDS[index] == "count"))
        if FIELDS[index] == "level":
            line.stylize(colours.get(variable, ""), start, start + width)
        elif FIELDS[index] == "text" and new:
            line.stylize(f"bold {colours.get('accent', '')}", start, start + 3)
    return line


def split_row(line: str, widths: Sequence[int]) -> list[str]:
    """A row's line back into its fields (what a test or a copy wants), spaces trimmed."""
    fields, at = [], 0
    for width in widths:
        fields.append(line[at : at + width].strip())
        at += width + GAP
    return fields


class GroupDetail(ModalScreen[None]):
    """``enter`` on a group: its latest full line and its fields."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,q", "app.pop_screen", "Close", id="events.detail_close"),
    ]
    DEFAULT_CSS = """
    GroupDetail { align: center middle; }
    GroupDetail > #group-detail {
        width: 90%; max-width: 110; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, group: ErrorGroup, now: float, zone_name: str) -> None:
        super().__init__()
        self.group = group
        self.now = now
        self.zone_name = zone_name

    def compose(self) -> ComposeResult:
        g = self.group
        tz = zone(self.zone_name)
        stamp = "%Y-%m-%d %H:%M:%S"
        lines = Text("\n").join(
            [
                plain_text(g.latest, multiline=True),
                Text(""),
                plain_text(f"source   {g.source}"),
                plain_text(f"level    {g.level}"),
                plain_text(f"count    {g.count:,} ({g.recent(self.now):,} in the last {TREND_MINUTES} minutes)"),
                plain_text(f"first    {datetime.fromtimestamp(g.first, tz).strftime(stamp)}"),
                plain_text(f"last     {datetime.fromtimestamp(g.last, tz).strftime(stamp)}"),
                plain_text(f"trend    {spark(g.trend(self.now))} (a minute a bar, {TREND_MINUTES} minutes)"),
                plain_text(f"grouped  {g.shape}"),
            ]
        )
        box = Static(lines, id="group-detail")
        box.border_title = "Event"
        box.border_subtitle = "escape closes"
        yield box


class EventTail(Vertical):
    """The grouped events that fit the pane, seen last on top; a filter box shown by ``/``."""

    TITLE = "Events · grouped · newest first"

    def __init__(self) -> None:
        super().__init__(id="event-tail")
        self.border_title = self.TITLE
        self.query_text = ""
        self._key: object = None
        self._groups: list[ErrorGroup] = []
        self._now = 0.0
        self._zone = "UTC"
        self._errors: ErrorGroups | None = None
        self._widths: tuple[int, ...] = ()
        self._lines: dict[str, str] = {}
        """What each row shows now, by group key: a refresh updates only the rows whose text changed."""

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter: source, level or text (escape clears)", id="event-filter")
        yield RowTable([Column("line")], id="event-table", show_header=False)

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._forget())

    def _columns(self) -> None:
        """(Re)make the one column for the pane's width: on the first draw and after a resize."""
        widths = field_widths(self.size.width or 80)
        if widths == self._widths:
            return
        self._widths = widths
        self.table.set_columns([Column("line", "Event", sum(widths) + GAP * (len(widths) - 1))])
        self._lines = {}
        self._key = None

    @property
    def widths(self) -> tuple[int, ...]:
        """The fields' widths now (:func:`split_row` takes a row apart with them)."""
        return self._widths

    @property
    def table(self) -> RowTable:
        return self.query_one("#event-table", RowTable)

    def _forget(self) -> None:
        self._key = None
        self._lines = {}

    def show(self, errors: ErrorGroups, now: float, zone_name: str) -> None:
        """Rebuild the rows when a group changed, the minute turned (sparklines, "new"), or the filter moved."""
        self._errors = errors
        self._columns()
        key = (errors.version, int(now // 60), self.query_text, zone_name)
        if key == self._key:
            return
        self._key = key
        self._now, self._zone = now, zone_name
        groups = errors.groups()
        shown = [g for g in groups if group_matches(g, self.query_text)][:MAX_ROWS]
        self._draw_rows(shown, now, zone_name)
        self._groups = shown
        parts = [self.TITLE]
        if self.query_text:
            parts.append(f"filter '{self.query_text}': {len(shown)} of {len(groups)}")
        self.border_title = " · ".join(parts)
        if not shown and not self.query_text:
            self.border_title = f"{self.TITLE} · no events yet"

    def _draw_rows(self, shown: list[ErrorGroup], now: float, zone_name: str) -> None:
        """Every shown group's row; a row's line is made again only when its text changed (a count, a
        sparkline), and the table redraws only those (it keeps the cursor on its group)."""
        colours = self.app.theme_variables
        lines = {g.key: "\x00".join(group_cells(g, now, zone_name)) + ("\x01" if g.is_new(now) else "") for g in shown}
        rows = []
        for group in shown:
            if lines[group.key] != self._lines.get(group.key):
                cells = group_cells(group, now, zone_name)
                rows.append((group.key, [row_text(cells, self._widths, colours, group.level, group.is_new(now))]))
            else:
                rows.append((group.key, self.table.get_row(group.key)))
        self.table.set_rows(rows)
        self._lines = lines

    def on_row_table_row_selected(self, event: RowTable.RowSelected) -> None:
        event.stop()
        group = next((g for g in self._groups if g.key == event.row_key), None)
        if group is not None:
            self.app.push_screen(GroupDetail(group, self._now, self._zone))

    def open_filter(self) -> None:
        box = self.query_one("#event-filter", Input)
        box.add_class("-shown")
        box.focus()

    def clear_filter(self) -> None:
        box = self.query_one("#event-filter", Input)
        box.value = ""
        box.remove_class("-shown")
        self.query_text = ""
        self.table.focus()
        self._reshow()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.query_text = event.value.strip()
        self._reshow()

    def _reshow(self) -> None:
        """Apply the filter now, not at the next redraw."""
        self._key = None
        if self._errors is not None:
            self.show(self._errors, self._now, self._zone)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value.strip():
            event.input.remove_class("-shown")
        self.table.focus()
