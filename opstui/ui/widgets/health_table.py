"""The health-check table: one row per source, keyed by its name.

A :class:`~opstui.ui.widgets.row_table.RowTable`: a refresh hands it every row and it redraws only the rows
whose text changed, keeping the cursor on its source (docs/performance.md, "Fast under fire").

Cells are Rich ``Text`` (never markup: a reason like ``[Errno 111]`` must show as written), coloured
with the theme's ``$status-*`` values looked up when drawn; a theme switch redraws every row.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text

from opstui.sources.base import SourceState, SourceStatus
from opstui.ui.widgets.formatting import age, number
from opstui.ui.widgets.row_table import Column, RowTable

COLUMNS = (
    ("source", "Source"),
    ("status", "Status"),
    ("down", "Down"),
    ("latency", "Latency"),
    ("age", "Age"),
    ("uptime", "Uptime"),
    ("tls", "TLS"),
    ("reason", "Reason"),
)
"""Reason last: it is the one long column, so a narrow pane clips it and nothing else."""

STATE_STYLE = {
    SourceState.UP: ("●", "status-ok"),
    SourceState.DEGRADED: ("▲", "status-warn"),
    SourceState.DOWN: ("✖", "status-crit"),
    SourceState.UNREACHABLE: ("✖", "status-crit"),
    SourceState.STALE: ("◌", "status-nodata"),
    SourceState.PENDING: ("·", "status-nodata"),
}


BLIND = (SourceState.DOWN, SourceState.UNREACHABLE, SourceState.STALE)
"""States in which the table says how long the source has been down ("down since")."""

LONG_UPTIME_LABEL = "Up 30d"
"""The uptime column's header once the history gives uptime over 30 days (docs/history.md)."""


def down_for(status: SourceStatus, now: float) -> float | None:
    """Seconds since the source last succeeded, while it is down, unreachable or stale; None otherwise.

    Counted from the last success, not the last attempt (that resets at every retry) nor the last change of
    state (down -> unreachable is not a recovery); a source that never succeeded counts from its first failure.
    """
    if status.state not in BLIND:
        return None
    start = status.last_ok if status.last_ok is not None else status.since
    return None if start is None else max(0.0, now - start)


MAINTENANCE = "maintenance"
"""The state column of a source in an open maintenance window (its own state goes in the reason)."""
MAINTENANCE_STYLE = ("◇", "status-warn")


def row_cells(
    status: SourceStatus, now: float, days30: dict[str, float | None] | None = None, window: str | None = None
) -> tuple[str, ...]:
    """The plain text of each column for one source (what the diff compares).

    ``window``: the maintenance window the source is in; its state column then says ``maintenance`` (not down,
    not calm) and the reason starts with the window's name and the state underneath.

    Uptime is this session's, or, with ``days30`` (the history is on), the last 30 days' from the history, with
    two decimals since 99.9 % is the target; "—" for a source with no check on record yet.
    """
    if days30 is None:
        uptime = status.uptime_pct
        uptime_text = "—" if uptime is None else f"{uptime:.1f}%"
    else:
        uptime = days30.get(status.name)
        uptime_text = "—" if uptime is None else f"{uptime:.2f}%"
    down = down_for(status, now)
    reason = status.reason or ""
    if window is not None:
        reason = f"{window}: {status.state.value}" + (f", {reason}" if reason else "")
    return (
        status.name,
        status.state.value if window is None else MAINTENANCE,
        "—" if down is None else age(down),
        number(status.latency_ms, "ms") if status.latency_ms is not None else "—",
        age(None if status.last_check is None else now - status.last_check),
        uptime_text,
        "—" if status.tls_days_left is None else f"{status.tls_days_left:.0f}",
        reason,
    )


class HealthTable(RowTable):
    """Sources with their state, how long down, latency, reason, age of the last check, uptime and TLS days."""

    def __init__(self) -> None:
        super().__init__([Column(key, label) for key, label in COLUMNS], id="health")
        self._cells: dict[str, tuple[str, ...]] = {}
        """Each row's plain text as last drawn (what the diff compares; the table keeps the coloured cells)."""
        self.border_title = "Health checks"

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._forget())

    def _forget(self) -> None:
        """Forget the rows' colours so the next :meth:`show` draws them in the new theme's."""
        self._cells.clear()

    def show(
        self,
        sources: tuple[SourceStatus, ...],
        now: float,
        days30: dict[str, float | None] | None = None,
        maintenance: Mapping[str, str] | None = None,
    ) -> None:
        """Every source's row (only those whose text changed are drawn again); with ``days30`` the uptime
        column is the last 30 days' (its header says so); ``maintenance`` (source: window) marks those in an
        open maintenance window."""
        if days30 is not None:
            self.set_label("uptime", LONG_UPTIME_LABEL)
        rows: list[tuple[str, list[Text]]] = []
        drawn: dict[str, tuple[str, ...]] = {}
        for status in sources:
            cells = drawn[status.name] = row_cells(status, now, days30, (maintenance or {}).get(status.name))
            if self._cells.get(status.name) == cells:
                rows.append((status.name, self.get_row(status.name)))
            else:
                rows.append((status.name, self._render_cells(status, cells)))
        self._cells = drawn
        self.set_rows(rows)

    def _render_cells(self, status: SourceStatus, cells: tuple[str, ...]) -> list[Text]:
        planned = cells[1] == MAINTENANCE
        icon, variable = MAINTENANCE_STYLE if planned else STATE_STYLE[status.state]
        colour = self.app.theme_variables.get(variable, "")
        failing = not planned and status.state in (SourceState.DOWN, SourceState.UNREACHABLE)
        rendered = [Text(cell, no_wrap=True, overflow="ellipsis") for cell in cells]
        rendered[1] = Text(f"{icon} {cells[1]}", style=colour, no_wrap=True)
        if failing:
            rendered[2].stylize(colour)
            rendered[7].stylize(colour)
        return rendered
