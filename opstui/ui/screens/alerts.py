"""The alerts view (``L`` on the On-call screen): every rule's state, as the rule engine last saw it.

One line per alert (a rule with labels can have several), or one ``inactive`` line for a rule with none,
showing its main metric now. A firing or pending alert that one of opstui's silences covers says
``silenced``. The last evaluation error of a broken rule is on its line: a broken rule never fires, so it must
never look quiet. Read from the core on each redraw, redrawn only when something changed; ``/`` filters.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from opstui.alerts.model import AlertState
from opstui.alerts.rules import RuleState
from opstui.ui.plain import plain_text
from opstui.ui.screens.filtered import CELL_PADDING, FilteredTableScreen, clip, when_text

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


class AlertsScreen(FilteredTableScreen):
    """Every rule's state, value, since when, labels and last error; ``/`` filters, ``escape`` goes back."""

    TITLE_TEXT = "Alerts"
    HELP = HELP
    CSS_PATH = ["../styles/filtered.tcss", "../styles/alerts.tcss"]
    PREFIX = "alerts"
    FILTER_PLACEHOLDER = "filter: rule, state or label"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="alerts.filter", tooltip="Filter by rule, state or label"),
        Binding("escape", "back", "Back", id="alerts.back", tooltip="Clear the filter, or back to On-call"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[RuleState, str]] = []
        """What the engine reported at the last redraw, each with the state shown."""
        self._key: object = None

    def refresh_from_core(self) -> None:
        core = self.core
        overview = core.rule_overview()
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
        headings = ("Rule", "State", "Sev", "Value", "Since", "Labels / error")
        now = self.core.clock.now()
        tz = self.tz

        def cells(row: RuleState, state: str) -> list[Text]:
            labels = ", ".join(f"{k}={v}" for k, v in row.labels)
            detail = f"⚠ {row.error}" + (f" · {labels}" if labels else "") if row.error else labels
            since = when_text(row.since, now, tz) if row.since is not None else "-"
            texts = (row.rule, state, row.severity.value, value_text(row.value), since, detail)
            return [plain_text(clip(text, width)) for text, width in zip(texts, widths, strict=True)]

        self.fill_table(
            [(label, width, label.split()[0].lower()) for label, width in zip(headings, widths, strict=True)],
            (cells(row, state) for row, state in rows),
        )
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
        self.set_title(title, error=bool(broken))

    def filter_changed(self) -> None:
        self._key = None
        self.refresh_from_core()

    def action_back(self) -> None:
        if self.filtering:
            self.action_clear_filter()
        else:
            self.app.pop_screen()
