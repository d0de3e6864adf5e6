"""The incident list of the On-call screen: one row per open incident, most urgent first.

Rows are computed by :func:`incident_rows` (plain data, testable without a screen) and shown by
:class:`IncidentTable`, which diffs them against what is on screen: at 1 Hz only the cells that
changed (the ages and SLA countdowns) are repainted, and the cursor stays on the same incident when
the order changes.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from opstui.config.durations import format_duration
from opstui.incidents.manager import IncidentManager
from opstui.incidents.model import AlertPhase, Incident, IncidentState
from opstui.ui.plain import plain_text

COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "#"),
    ("severity", "Sev"),
    ("state", "State"),
    ("title", "Title"),
    ("age", "Age"),
    ("sla", "SLA"),
    ("ack", "Ack'd by"),
)


@dataclass(frozen=True, slots=True)
class IncidentRow:
    """What one row shows, already formatted; ``breached`` and ``severity_rank`` drive the colours."""

    incident_id: int
    severity: str
    severity_rank: int
    state: str
    title: str
    age: str
    sla: str
    breached: bool
    acknowledged_by: str
    waiting: bool = False
    """Nobody has acknowledged it yet."""

    def cells(self) -> tuple[str, ...]:
        return (
            str(self.incident_id),
            self.severity,
            self.state,
            self.title,
            self.age,
            self.sla,
            self.acknowledged_by,
        )


def sla_text(remaining: float, acknowledged: bool) -> str:
    """``12m30s`` left, ``late 3m00s`` once breached; ``met`` / ``missed`` after the acknowledgement."""
    if acknowledged:
        return "met" if remaining > 0 else f"missed by {format_duration(remaining)}"
    return format_duration(remaining) if remaining > 0 else f"late {format_duration(remaining)}"


def incident_rows(
    incidents: Sequence[Incident],
    manager: IncidentManager,
    now: float,
    stale: Sequence[str] = (),
    data_stale: Collection[str] = (),
) -> list[IncidentRow]:
    """Rows in urgency order: unacknowledged first, then severity, then the least SLA time left.

    ``stale``: fingerprint prefixes of alert sources that cannot be read now (Alertmanager down); their
    incidents stay, marked stale, since nobody can tell whether their alerts still fire. ``data_stale``:
    fingerprints of the console's own alerts kept firing because their data went stale (not resolved on
    silence); their incidents say "data stale".
    """

    def urgency(incident: Incident) -> tuple[bool, int, float, int]:
        return (
            incident.state is not IncidentState.TRIGGERED,
            incident.severity.rank,
            manager.sla_remaining(incident, now),
            incident.id,
        )

    rows = []
    for incident in sorted(incidents, key=urgency):
        state = incident.state.value
        if incident.is_open and incident.alert_state is AlertPhase.CLEARED:
            state += " (alert cleared)"
        if incident.is_open and incident.fingerprint.startswith(tuple(stale)):
            state += " (stale: source down)"
        elif incident.is_open and incident.fingerprint in data_stale:
            state += " (data stale)"
        remaining = manager.sla_remaining(incident, now)
        rows.append(
            IncidentRow(
                incident_id=incident.id,
                severity=incident.severity.value,
                severity_rank=incident.severity.rank,
                state=state,
                title=incident.title,
                age=format_duration(max(0.0, now - incident.opened_at)),
                sla=sla_text(remaining, incident.acknowledged_at is not None),
                breached=manager.breached(incident, now),
                # Nobody has it yet but a person was asked by name (R): say who, so nobody else picks it up.
                acknowledged_by=incident.acknowledged_by or (f"→{incident.assignee}" if incident.assignee else "-"),
                waiting=incident.state is IncidentState.TRIGGERED,
            )
        )
    return rows


class IncidentTable(DataTable[str | Text]):
    """The incidents, one row each, keyed by incident id; colours come from the theme's status variables."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "first_row", "First", show=False, id="incidents.first", tooltip="The first incident"),
        Binding("end", "last_row", "Last", show=False, id="incidents.last", tooltip="The last incident"),
    ]

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's own name
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._shown: list[IncidentRow] = []

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    @property
    def selected_id(self) -> int | None:
        """The incident under the cursor, or None when the list is empty."""
        if not self._shown or self.cursor_row < 0 or self.cursor_row >= len(self._shown):
            return None
        return self._shown[self.cursor_row].incident_id

    @property
    def incident_ids(self) -> list[int]:
        return [row.incident_id for row in self._shown]

    def row_for(self, incident_id: int) -> IncidentRow | None:
        return next((row for row in self._shown if row.incident_id == incident_id), None)

    def action_first_row(self) -> None:
        self.move_cursor(row=0, animate=False)

    def action_last_row(self) -> None:
        self.move_cursor(row=max(0, len(self._shown) - 1), animate=False)

    def select(self, incident_id: int) -> None:
        """Put the cursor on that incident, if it is listed."""
        if incident_id in (ids := self.incident_ids):
            self.move_cursor(row=ids.index(incident_id), animate=False)

    def first_unacknowledged(self) -> None:
        """Put the cursor on the most urgent incident nobody has acknowledged (rows are in urgency order)."""
        index = next((i for i, row in enumerate(self._shown) if row.waiting), None)
        if index is not None:
            self.move_cursor(row=index, animate=False)

    def show(self, rows: list[IncidentRow]) -> None:
        """Make the table show ``rows``: cells that changed in place, a rebuild when the order changed."""
        if [r.incident_id for r in rows] == self.incident_ids:
            for old, new in zip(self._shown, rows, strict=True):
                if old == new:
                    continue
                styled = self._styled(new)
                for index, (key, _) in enumerate(COLUMNS):
                    colour_changed = key == "sla" and old.breached != new.breached
                    if old.cells()[index] != new.cells()[index] or colour_changed:
                        # A longer state ("triggered" -> "acknowledged") widens its column instead of being cut.
                        self.update_cell(str(new.incident_id), key, styled[index], update_width=True)
            self._shown = rows
            return
        selected = self.selected_id
        with self.app.batch_update():
            self.clear()
            for row in rows:
                self.add_row(*self._styled(row), key=str(row.incident_id))
            self._shown = rows
            ids = self.incident_ids
            if selected in ids:
                self.move_cursor(row=ids.index(selected), animate=False)

    def _styled(self, row: IncidentRow) -> tuple[str | Text, ...]:
        """Every cell plain text (never markup); severity and a breached SLA coloured with the theme's
        ``$status-*`` variables (no fixed colours)."""
        variables = self.app.get_css_variables()
        crit = variables.get("status-crit", "red")
        warn = variables.get("status-warn", "yellow")
        cells: list[str | Text] = [plain_text(cell) for cell in row.cells()]  # titles, names: never markup
        severity_style = {0: f"bold {crit}", 1: f"bold {warn}"}.get(row.severity_rank, "")
        cells[1] = Text(row.severity, style=severity_style)
        cells[5] = Text(row.sla, style=f"bold {crit}" if row.breached else "")
        return tuple(cells)
