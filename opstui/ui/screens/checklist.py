"""The Checklist screen (key ``4``): the first-48-hours tasks and the daily / weekly / monthly ones,
most urgent first, ticked from the keyboard.

The screen reads ``core.checklist`` once a second (re-deriving countdowns from the ticks already read;
the core's loop re-reads the state store every few seconds). Every key that changes something goes
to the checklist in a worker, and the row turns done only after the state store has committed the
tick, so what is shown done survives a ``kill -9``. A failure is a notification, never a crash.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import ClassVar, TypeVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Input, Static

from opstui.checklist.board import Checklist
from opstui.checklist.model import TimelineEntry
from opstui.ui.plain import plain
from opstui.ui.screens.filtered import FilterableScreen
from opstui.ui.widgets.checklist_modals import CHECKLIST_CSS, ChecklistTextModal
from opstui.ui.widgets.checklist_progress import ChecklistProgress, TimelineLine, timeline_text
from opstui.ui.widgets.checklist_table import ChecklistTable, checklist_rows
from opstui.ui.widgets.checklist_timeline import TaskTimeline

log = logging.getLogger(__name__)
T = TypeVar("T")

HELP = """\
## Checklist

Every recurring task (the seeds' first 48 hours, daily, weekly and monthly), most urgent first:
**overdue** (past due and its grace), **due**, due **soon**, upcoming, skipped, done, closed. A bar per
group shows this period's progress; the first-48-hours group says *complete* once 48 hours have passed.

- `space` tick the selected task: done for this period (or the coming one, when due soon), recorded with
  your name, host, time and the linked metric's value.
- `x` skip it for this period, with a reason. `n` add a note. `u` undo your last tick.
- `/` filter by title, group, status or cadence (`escape` clears). Arrows or `j` / `k` move.

Tasks with `auto:` are ticked by the console itself ("auto") when their condition holds.
Nothing is shown done before the state store has it.
"""


class ChecklistScreen(FilterableScreen):
    """Checklist: the first-48-hours tasks and the daily / weekly / monthly ones."""

    TITLE_TEXT = "Checklist"
    HELP = HELP
    CSS_PATH = CHECKLIST_CSS
    FILTER_ID = "checklist-filter"
    LIST_ID = "checklist-tasks"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "tick", "Tick", id="checklist.tick", tooltip="Mark the selected task done for this period"),
        Binding("x", "skip", "Skip", id="checklist.skip", tooltip="Skip the task for this period, with a reason"),
        Binding("n", "note", "Note", id="checklist.note", tooltip="Add a note to the task"),
        Binding("u", "undo", "Undo", id="checklist.undo", tooltip="Undo your last tick"),
        Binding("slash", "filter", "Filter", id="checklist.filter", tooltip="Filter tasks by text"),
        Binding("escape", "clear_filter", "Clear filter", id="checklist.clear_filter", show=False),
        Binding("j", "down", "Down", id="checklist.down", show=False),
        Binding("k", "up", "Up", id="checklist.up", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._stay = False
        """Set by a tick or skip: the next redraw keeps the cursor on its line, not on the task that sank."""

    def compose_body(self) -> ComposeResult:
        yield Static("", id="checklist-status")
        yield ChecklistProgress(id="checklist-progress")
        yield Input(placeholder="filter: title, group, status or cadence", id="checklist-filter")
        yield ChecklistTable(id="checklist-tasks")
        yield TaskTimeline(id="checklist-task-timeline")
        yield TimelineLine("", id="checklist-timeline", markup=False)

    def on_mount(self) -> None:
        self.table.focus()

    @property
    def table(self) -> ChecklistTable:
        return self.query_one(ChecklistTable)

    @property
    def checklist(self) -> Checklist | None:
        return self.core.checklist

    # Reading --------------------------------------------------------------------------------------

    def refresh_from_core(self) -> None:
        checklist = self.checklist
        status = self.query_one("#checklist-status", Static)
        if checklist is None:
            reason = self.core.unavailable()
            status.update(plain(f"Checklist unavailable: {reason}"))
            return
        views = checklist.reevaluate()
        self.core.overdue_tasks = checklist.overdue
        rows = checklist_rows(views, self.query_text)
        self.table.show(rows, follow=not self._stay)
        self._stay = False
        self.query_one(ChecklistProgress).show(checklist.progress())
        entries = checklist.timeline()
        self.query_one(TimelineLine).update(timeline_text(entries, {t.id: t.group for t in checklist.tasks}))
        self._show_timeline(entries)
        notes = []
        if self.query_text:
            notes.append(f"filter '{self.query_text}': {len(rows)} of {len(views)} tasks")
        if checklist.error:
            notes.append(f"not refreshed: {checklist.error}")
        status.update(plain("  ".join(notes)))
        status.display = bool(notes)  # a line back for the table at 80x24 when there is nothing to say
        status.set_class(bool(checklist.error), "-error")

    def _show_timeline(self, entries: list[TimelineEntry] | None = None) -> None:
        """The selected task's 48 hours in the strip under the table (it follows the cursor)."""
        checklist = self.checklist
        if checklist is None or not self.live:
            return
        task_id = self.table.selected_id
        task = next((t for t in checklist.tasks if t.id == task_id), None)
        if entries is None:
            entries = checklist.timeline()
        self.query_one(TaskTimeline).show(task, entries, checklist.launch_at, checklist.clock.now())

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table is self.table:
            self._show_timeline()

    def _redraw(self) -> None:
        if not self.live:
            return  # the console is closing: the stored change is kept, there is nothing to show it on
        self.refresh_from_core()
        self.refresh_header()

    # Keys -----------------------------------------------------------------------------------------

    def action_down(self) -> None:
        self.table.action_cursor_down()

    def action_up(self) -> None:
        self.table.action_cursor_up()

    def _selected(self) -> tuple[Checklist, str, str] | None:
        checklist, task_id = self.checklist, self.table.selected_id
        if checklist is None or task_id is None:
            self.notify("no task selected", severity="warning", timeout=2)
            return None
        row = self.table.row_for(task_id)
        return checklist, task_id, row.title if row else task_id

    def action_tick(self) -> None:
        selected = self._selected()
        if selected is not None:
            checklist, task_id, title = selected
            self._run(checklist.tick(task_id), lambda t: f"✓ {title}" + (f" ({t.value})" if t.value else ""), stay=True)

    def action_skip(self) -> None:
        selected = self._selected()
        if selected is None:
            return
        checklist, task_id, title = selected

        def answered(reason: str | None) -> None:
            if reason:
                self._run(checklist.skip(task_id, reason), lambda _: f"↷ skipped {title} for this period", stay=True)

        self.app.push_screen(ChecklistTextModal(f"Skip '{title}' for this period: why?", "the reason"), answered)

    def action_note(self) -> None:
        selected = self._selected()
        if selected is None:
            return
        checklist, task_id, title = selected

        def answered(text: str | None) -> None:
            if text:
                self._run(checklist.note(task_id, text), lambda _: f"note added to {title}")

        self.app.push_screen(ChecklistTextModal(f"Note on '{title}'", "what you saw or did"), answered)

    def action_undo(self) -> None:
        checklist = self.checklist
        if checklist is not None:
            self._run(
                checklist.undo(),
                lambda t: "nothing of yours to undo" if t is None else f"undone: your tick on {t.task_id}",
            )

    def filter_changed(self) -> None:
        self.refresh_from_core()

    def _run(self, action: Awaitable[T], done: Callable[[T], str], stay: bool = False) -> None:
        self._act(action, done, stay)

    @work(group="checklist-action", exit_on_error=False)
    async def _act(self, action: Awaitable[T], done: Callable[[T], str], stay: bool) -> None:
        """Await the stored change, then show it; a failure is one line, the console carries on."""
        try:
            result = await action
        except Exception as exc:  # noqa: BLE001 - shown, not raised
            log.warning("checklist action failed: %s", exc)
            self.notify(str(exc) or type(exc).__name__, title="not done", severity="error")
            return
        self._stay = stay
        self._redraw()
        self.notify(done(result), timeout=3)
