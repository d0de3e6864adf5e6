"""The checklist's task table: one row per task, most urgent first, keyed by task id.

Rows are plain data (:class:`ChecklistRow`) derived from the core's views, so the table can diff
them and touch only the cells that changed (a countdown ticking costs one cell, not a redraw).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import DataTable

from opstui.checklist.model import TaskStatus, TaskView
from opstui.ui.plain import plain_text
from opstui.ui.widgets.formatting import age

COLUMNS = (
    ("status", "Status"),
    ("task", "Task"),
    ("due", "Due"),
    ("cadence", "Every"),
    ("last", "Last tick"),
    ("live", "Now"),
)
"""Most needed first: at 80 columns status, task and due always fit."""
NARROW = 100
"""Below this many columns the table drops "Now" (the timeline pane and the tick record carry it) and
shortens "Every" and "Last tick", so nothing scrolls sideways at 80x24."""
STATUS_TEXT = {
    TaskStatus.OVERDUE: "✖ overdue",
    TaskStatus.DUE: "▲ due",
    TaskStatus.DUE_SOON: "◔ soon",
    TaskStatus.UPCOMING: "· upcoming",
    TaskStatus.SKIPPED: "↷ skipped",
    TaskStatus.DONE: "✓ done",
    TaskStatus.INACTIVE: "– closed",
}
"""A shape with each word, so the status reads without colour (NO_COLOR, colour blindness)."""
TITLE_WIDTH = 60
"""Longest title shown whole on a wide terminal; narrower terminals cut titles to fit."""
MIN_TITLE = 20
SCROLLBAR = 2


@dataclass(frozen=True, slots=True)
class TableLayout:
    """Which columns show and how wide each may be, for one terminal width."""

    columns: tuple[tuple[str, str], ...]
    widths: dict[str, int]
    """Most characters a cell of each column shows (longer text is cut with ``…``)."""
    compact: bool

    @property
    def title_width(self) -> int:
        return self.widths["task"]


def table_layout(width: int, rows: Sequence[ChecklistRow] = ()) -> TableLayout:
    """The columns for a table ``width`` wide showing ``rows``: under :data:`NARROW`, no "Now" and short
    cadence / last tick. Each column is as wide as its longest cell (up to a cap); the title gets the rest."""
    compact = width < NARROW
    columns = COLUMNS[:5] if compact else COLUMNS
    caps = (
        {"status": 10, "due": 11, "cadence": 11, "last": 10}
        if compact
        else {"status": 10, "due": 11, "cadence": 17, "last": 16, "live": 14 if width < 140 else 28}
    )
    probe = TableLayout(columns, {**caps, "task": TITLE_WIDTH}, compact)
    texts = [row.cells(probe) for row in rows]
    widths = {}
    for index, (key, label) in enumerate(columns):
        if key != "task":
            widths[key] = min(caps[key], max([len(label), *(len(cells[index]) for cells in texts)]))
    padding = 2 * len(columns)  # one cell of padding each side of every column
    room = width - SCROLLBAR - padding - sum(widths.values())
    widths["task"] = max(MIN_TITLE, min(TITLE_WIDTH, room))
    if not compact and room > TITLE_WIDTH:
        widths["live"] = min(caps["live"] * 2, widths["live"] + room - TITLE_WIDTH)  # room for the value
    return TableLayout(columns, widths, compact)


def short_cadence(text: str) -> str:
    """``every 5m`` -> ``5m``, ``hourly`` -> ``1h``, ``weekly mon 09:00`` -> ``mon 09:00``,
    ``monthly 1st 09:00`` -> ``1st 09:00``; ``daily 09:00`` and cron stay as they are."""
    if text == "hourly":
        return "1h"
    for prefix in ("every ", "weekly ", "monthly "):
        if text.startswith(prefix):
            return text.removeprefix(prefix)
    return text


def cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


@dataclass(frozen=True, slots=True)
class ChecklistRow:
    """What one row shows; equal rows are not redrawn."""

    task_id: str
    status: TaskStatus
    title: str
    cadence: str
    due: str
    last: str
    live: str

    def cells(self, layout: TableLayout | None = None) -> tuple[str, ...]:
        """The row's cells for ``layout``'s columns, each cut to its width (the widest layout by default)."""
        layout = layout or table_layout(200)
        texts = {
            "status": STATUS_TEXT[self.status],
            "task": self.title,
            "due": self.due,
            "cadence": short_cadence(self.cadence) if layout.compact else self.cadence,
            "last": self.last.removesuffix(" ago") if layout.compact else self.last,
            "live": self.live,
        }
        return tuple(cut(texts[key], layout.widths[key]) for key, _ in layout.columns)


def due_text(view: TaskView) -> str:
    """``overdue 4m``, ``due 1m ago``, ``in 40s``, ``next in 3h``; ``—`` when nothing is coming."""
    now = view.now
    if view.status is TaskStatus.OVERDUE:
        return f"overdue {age(view.overdue_by)}"
    if view.status is TaskStatus.DUE and view.due_at is not None:
        return f"due {age(now - view.due_at)} ago"
    if view.due_at is None:
        return "—"
    if view.status in (TaskStatus.DONE, TaskStatus.SKIPPED) and view.due_at > now:
        return f"next in {age(view.due_at - now)}"
    return f"in {age(max(0.0, view.due_at - now))}"


def last_text(view: TaskView) -> str:
    """``alice 3m ago``; ``auto 3m ago`` for the console's own ticks; ``—`` when never ticked."""
    tick = view.last
    if tick is None:
        return "—"
    who = "auto" if tick.actor.endswith("(auto)") else tick.actor
    return f"{who} {age(view.now - tick.at)} ago"


def checklist_rows(views: Sequence[TaskView], query: str = "") -> list[ChecklistRow]:
    """Rows for ``views`` (already most urgent first) whose title, group, status or cadence contain ``query``."""
    needle = query.strip().lower()
    rows = []
    for view in views:
        task = view.task
        if needle and not any(
            needle in text.lower()
            for text in (task.title, task.group, view.status.value.replace("_", " "), task.cadence_text)
        ):
            continue
        rows.append(
            ChecklistRow(
                task.id, view.status, task.title, task.cadence_text, due_text(view), last_text(view), view.live or ""
            )
        )
    return rows


class ChecklistTable(DataTable[str | Text]):
    """The tasks; overdue rows in ``$status-crit``, due ones in ``$status-warn`` (theme variables only)."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's own name
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._shown: list[ChecklistRow] = []
        self._layout: TableLayout | None = None
        """The layout the rows were drawn with; a new one (the terminal was resized) rebuilds the table."""

    def layout_for(self, rows: Sequence[ChecklistRow]) -> TableLayout:
        """The layout for the table's current width (the widest before the first layout pass)."""
        return table_layout(self.size.width or 200, rows)

    @property
    def columns_shown(self) -> list[str]:
        return [key for key, _ in self._layout.columns] if self._layout else []

    @property
    def selected_id(self) -> str | None:
        """The task under the cursor, or None when the table is empty."""
        if not self._shown or not 0 <= self.cursor_row < len(self._shown):
            return None
        return self._shown[self.cursor_row].task_id

    @property
    def task_ids(self) -> list[str]:
        return [row.task_id for row in self._shown]

    def row_for(self, task_id: str) -> ChecklistRow | None:
        return next((row for row in self._shown if row.task_id == task_id), None)

    def show(self, rows: list[ChecklistRow], follow: bool = True) -> None:
        """Show ``rows``: changed cells in place, a rebuild only when the order (or width) changed.

        On a rebuild the cursor follows its task (``follow``), or stays on its line: after a tick the
        task sinks to the done ones and the cursor is then on the next thing to do.
        """
        layout = self.layout_for(rows)
        if [r.task_id for r in rows] == self.task_ids and layout == self._layout:
            for old, new in zip(self._shown, rows, strict=True):
                if old == new:
                    continue
                styled = self._styled(new)
                recolour = old.status != new.status
                before, after = old.cells(layout), new.cells(layout)
                for index, (key, _) in enumerate(layout.columns):
                    if recolour or before[index] != after[index]:
                        self.update_cell(new.task_id, key, styled[index])
            self._shown = rows
            return
        selected, line = self.selected_id, self.cursor_row
        with self.app.batch_update():
            if layout != self._layout:
                self.clear(columns=True)
                for key, label in layout.columns:
                    self.add_column(label, key=key, width=layout.widths[key])
            else:
                self.clear()
            self._layout = layout
            for row in rows:
                self.add_row(*self._styled(row), key=row.task_id)
            self._shown = rows
            if follow and selected in self.task_ids:
                self.move_cursor(row=self.task_ids.index(selected), animate=False)
            elif rows:
                self.move_cursor(row=min(max(line, 0), len(rows) - 1), animate=False)

    def _styled(self, row: ChecklistRow) -> tuple[str | Text, ...]:
        variables = self.app.get_css_variables()
        style = {
            TaskStatus.OVERDUE: f"bold {variables.get('status-crit', 'red')}",
            TaskStatus.DUE: variables.get("status-warn", "yellow"),
            TaskStatus.DONE: variables.get("status-ok", "green"),
            TaskStatus.INACTIVE: variables.get("status-nodata", "grey"),
        }.get(row.status, "")
        cells: list[str | Text] = [plain_text(cell) for cell in row.cells(self._layout)]  # notes, names: not markup
        cells[0].stylize(style)  # type: ignore[union-attr]
        if row.status in (TaskStatus.OVERDUE, TaskStatus.DUE):
            cells[2].stylize(style)  # type: ignore[union-attr]
        return tuple(cells)
