"""The alerts view (``L`` on the On-call screen): every rule's state, as the rule engine last saw it.

One line per alert (a rule with labels can have several), or one ``inactive`` line for a rule with none,
showing its main metric now. A firing or pending alert that one of opstui's silences covers says
``silenced``. The last evaluation error of a broken rule is on its line: a broken rule never fires, so it must
never look quiet. Read from the core on each redraw, redrawn only when something changed; ``/`` filters.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Input, Static

from opstui.alerts.model import AlertState
from opstui.alerts.rules import RuleState
from opstui.clock import zone
from opstui.ui.plain import plain, plain_text
from opstui.ui.screens.audit import CELL_PADDING, clip, when_text
from opstui.ui.screens.base import ConsoleScreen

SILENCED = "silenced"
INHIBITED = "inhibited"

HELP = """\
## Alerts

Every alert rule's state as the rule engine last evaluated it: **inactive** (with its metric now),
**pending** (true, waiting for its `for`), **firing**, **resolved** (shown for a while after it stops),
**silenced** (firing or pending, but one of opstui's silences covers it: it opens no incident) or
**inhibited** (an inhibit rule holds it back while another alert fires: it opens no incident).
**Since** is when it entered that state; **Value** is the expression's value at its last true
evaluation (for an inactive rule, its main metric now). A rule whose evaluation fails shows the error.

- `/` filter by rule, state or label (`escape` clears it); `escape` again goes back.
"""


def shown_state(row: RuleState, silenced: bool, inhibited: bool = False) -> str:
    if row.state in (AlertState.FIRING, AlertState.PENDING):
        if inhibited:
            return INHIBITED
        if silenced:
            return SILENCED
    return row.state.value


def row_text(row: RuleState, state: str) -> str:
    """What ``/`` searches: the rule, the shown state, the labels and the error."""
    labels = " ".join(f"{k}={v}" for k, v in row.labels)
    return f"{row.rule} {state} {row.severity.value} {labels} {row.error or ''}".casefold()


def value_text(value: float | None) -> str:
    if value is None:
        return "no data"
    return f"{value:.4g}"


def column_widths(width: int) -> tuple[int, int, int, int, int, int]:
    """Rule, state, severity, value, since, and the labels / error column, which takes what is left."""
    rule = 26 if width >= 120 else 20
    fixed = rule + 9 + 3 + 8 + 11 + 6 * CELL_PADDING + 2
    return rule, 9, 3, 8, 11, max(12, width - fixed)


class AlertsScreen(ConsoleScreen):
    """Every rule's state, value, since when, labels and last error; ``/`` filters, ``escape`` goes back."""

    TITLE_TEXT = "Alerts"
    HELP = HELP
    CSS_PATH = "../styles/alerts.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="alerts.filter", tooltip="Filter by rule, state or label"),
        Binding("escape", "back", "Back", id="alerts.back", tooltip="Clear the filter, or back to On-call"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.query_text = ""
        self.rows: list[tuple[RuleState, str]] = []
        """What the engine reported at the last redraw, each with the state shown."""
        self._key: object = None

    def compose_body(self) -> ComposeResult:
        yield Static("", id="alerts-title")
        yield Input(placeholder="filter: rule, state or label", id="alerts-filter")
        table: DataTable[str | Text] = DataTable(id="alerts-table", cursor_type="row", zebra_stripes=True)
        yield table

    def on_mount(self) -> None:
        super().on_mount()
        self.table.focus()

    @property
    def table(self) -> DataTable[str | Text]:
        return self.query_one("#alerts-table", DataTable)

    @property
    def tz(self) -> tzinfo:
        return zone(self.core.config.timezone)

    def refresh_from_core(self) -> None:
        core = self.core
        overview = core.alerts.overview()
        hushed = {
            row.fingerprint
            for row in overview
            if any(s.covers(row.rule, row.fingerprint, row.labels) for s in core.silences)
        }
        held = core.inhibited
        self.rows = [(row, shown_state(row, row.fingerprint in hushed, row.fingerprint in held)) for row in overview]
        key = (tuple(self.rows), self.query_text, self.size.width)
        if key != self._key:
            self._key = key
            self._show()

    def shown(self) -> list[tuple[RuleState, str]]:
        needle = self.query_text.casefold()
        return [(row, state) for row, state in self.rows if not needle or needle in row_text(row, state)]

    def _show(self) -> None:
        rows = self.shown()
        widths = column_widths(self.size.width)
        table = self.table
        cursor = table.cursor_row
        table.clear(columns=True)
        for label, width in zip(("Rule", "State", "Sev", "Value", "Since", "Labels / error"), widths, strict=True):
            table.add_column(label, width=width, key=label.split()[0].lower())
        now = self.core.clock.now()
        for row, state in rows:
            labels = ", ".join(f"{k}={v}" for k, v in row.labels)
            detail = f"⚠ {row.error}" + (f" · {labels}" if labels else "") if row.error else labels
            since = when_text(row.since, now, self.tz) if row.since is not None else "-"
            cells = (row.rule, state, row.severity.value, value_text(row.value), since, detail)
            table.add_row(*(plain_text(clip(cell, width)) for cell, width in zip(cells, widths, strict=True)))
        if rows:
            table.move_cursor(row=min(max(cursor, 0), len(rows) - 1))
        states = ("firing", "pending", SILENCED, INHIBITED)
        counts = {state: sum(1 for _, s in self.rows if s == state) for state in states}
        broken = len({row.rule for row, _ in self.rows if row.error})
        title = f"Alerts · {len({row.rule for row, _ in self.rows})} rules · " + ", ".join(
            f"{n} {state}" for state, n in counts.items()
        )
        if broken:
            title += f" · {broken} failing to evaluate"
        if self.query_text:
            title += f" · filter '{self.query_text}': {len(rows)} of {len(self.rows)}"
        self.query_one("#alerts-title", Static).update(plain(title))
        self.query_one("#alerts-title", Static).set_class(bool(broken), "-error")

    def action_filter(self) -> None:
        box = self.query_one("#alerts-filter", Input)
        box.add_class("-shown")
        box.focus()

    def action_back(self) -> None:
        box = self.query_one("#alerts-filter", Input)
        if self.query_text or box.has_class("-shown"):
            box.value = ""
            box.remove_class("-shown")
            self.query_text = ""
            self.table.focus()
            self._show()
            return
        self.app.pop_screen()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "alerts-filter":
            self.query_text = event.value.strip()
            self._key = None
            self.refresh_from_core()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "alerts-filter":
            event.stop()
            if not event.value.strip():
                event.input.remove_class("-shown")
            self.table.focus()
