"""The database pane: the PostgreSQL health pack's figures and the slowest statements.

It is what an on-call engineer would otherwise type into psql during an incident ("are we out of
connections, is something holding a lock, which statement got slow"), so it sits on the Engineering
screen whenever a ``postgres`` source has ``health: true``.

The figures are laid out in fixed-width cells, as many per line as the pane is wide, so a narrow
pane wraps whole figures instead of cutting one in two. A figure whose latest read failed keeps its
last value, marked ``!`` and coloured as a warning, with the reason in the tooltip: stale numbers are
never shown as if they were fresh. On a short terminal the statements table is hidden by the screen's
stylesheet and the figures collapse to one line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Static

from opstui.monitor import TableView
from opstui.sources.pghealth import SLOW_STATEMENTS
from opstui.ui.widgets.formatting import number

CELL_WIDTH = 24
"""Width of one figure ("longest query 1,234.5 s" fits); the pane fits ``width // CELL_WIDTH`` a line."""

FIGURES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("connections", ("pg_connections", "pg_max_connections", "pg_connections_pct")),
    ("longest query", ("pg_longest_query_s",)),
    ("longest tx", ("pg_longest_transaction_s",)),
    ("waiting locks", ("pg_waiting_locks",)),
    ("cache hit", ("pg_cache_hit_ratio",)),
    ("size", ("pg_database_size_bytes",)),
    ("replication lag", ("pg_replication_lag_s",)),
)
"""The figures in reading order, each with the health-pack metrics it is made of."""

SHORT_LABELS = {
    "connections": "conn",
    "longest query": "query",
    "longest tx": "tx",
    "waiting locks": "locks",
    "cache hit": "hit",
    "replication lag": "lag",
}
"""Labels on the one-line (short terminal) form."""

HEALTH_METRICS: tuple[str, ...] = tuple(m for _, metrics in FIGURES for m in metrics)

STATEMENT_COLUMNS = (("mean_ms", "Mean ms"), ("calls", "Calls"), ("total_ms", "Total ms"), ("query", "Statement"))
"""Statement last: it is the one long column, cut to what the pane leaves it (the numbers never are)."""
NUMBER_COLUMNS_WIDTH = 31
"""What the three number columns and the cell padding take of the table's width."""


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure as shown: label, value text, and whether it is stale or a warning (and why)."""

    label: str
    text: str
    warn: bool = False
    why: str = ""


def seconds(value: float) -> str:
    """``0.4 s``, ``12 s``, ``3m 20s``, ``2h 05m``: long-running queries read in minutes, not 1,234 s."""
    if value < 60:
        return f"{value:.1f} s" if value < 10 else f"{value:.0f} s"
    if value < 3600:
        return f"{value // 60:.0f}m {value % 60:02.0f}s"
    return f"{value // 3600:.0f}h {(value % 3600) // 60:02.0f}m"


def size(value: float) -> str:
    """Bytes as ``812 MB``, ``1.2 GB``."""
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(value) < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit in ("B", "kB") or abs(value) >= 100 else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"  # unreachable: the loop returns at TB


def figures(values: Mapping[str, float | None], errors: Mapping[str, str]) -> list[Figure]:
    """The health-pack figures from the latest values; replication lag only when there is some."""
    out: list[Figure] = []
    for label, metrics in FIGURES:
        got = [values.get(m) for m in metrics]
        why = "; ".join(f"{m}: {errors[m]}" for m in metrics if m in errors)
        if metrics[0] == "pg_replication_lag_s" and got[0] is None and not why:
            continue  # no replicas: nothing to say
        text = _text(metrics[0], got)
        warn = bool(why) or (metrics[0] == "pg_waiting_locks" and (got[0] or 0) > 0)
        out.append(Figure(label, f"{text}!" if why else text, warn, why))
    return out


def _text(metric: str, got: list[float | None]) -> str:
    value = got[0]
    if metric == "pg_connections":
        used, most, pct = got
        if used is None:
            return "—"
        share = "" if pct is None else f" {pct:.0f}%"
        return f"{used:.0f}/{'—' if most is None else f'{most:.0f}'}{share}"
    if value is None:
        return "—"
    if metric.endswith("_s"):
        return seconds(value)
    if metric == "pg_cache_hit_ratio":
        return number(value, "%")
    if metric == "pg_database_size_bytes":
        return size(value)
    return number(value)


class DatabasePane(Vertical):
    """The health pack's figures above the slowest statements (or the note saying why there are none)."""

    def __init__(self) -> None:
        super().__init__(id="database")
        self.border_title = "Database"
        self._figures: list[Figure] = []
        self._drawn: tuple[tuple[Figure, ...], int] | None = None
        self._table: TableView | None = None
        self._drawn_width = 0

    def compose(self) -> ComposeResult:
        yield Static("", id="db-figures")
        yield Static("", id="db-note")
        table: DataTable[str] = DataTable(id="db-statements", cursor_type="row", show_cursor=False)
        table.border_title = "Slowest statements"
        yield table

    def on_mount(self) -> None:
        table = self.query_one("#db-statements", DataTable)
        for key, label in STATEMENT_COLUMNS:
            table.add_column(label, key=key)

    def show(
        self,
        values: Mapping[str, float | None],
        errors: Mapping[str, str],
        table: TableView | None,
        maintenance: str | None = None,
    ) -> None:
        """Redraw the figures and the statements; what did not change is not touched. ``maintenance``: the open
        maintenance window the database's source is in, said in the border (planned, not down, not calm)."""
        subtitle = "" if maintenance is None else f"maintenance: {maintenance}"
        if self.border_subtitle != subtitle:
            self.border_subtitle = subtitle
        self.set_class(maintenance is not None, "-maintenance")
        self._figures = figures(values, errors)
        self._draw_figures()
        if table != self._table:
            self._table = table
            self._draw_statements(table)

    def on_resize(self, _event: events.Resize) -> None:
        self._draw_figures()
        if self._statement_width() != self._drawn_width:
            self._draw_statements(self._table)

    def _statement_width(self) -> int:
        return max(16, self.size.width - NUMBER_COLUMNS_WIDTH)

    def set_compact(self, compact: bool) -> None:
        """One line of short labels (a short terminal) or the full pane with the statements."""
        if compact != self.has_class("-compact"):
            self.set_class(compact, "-compact")
            self._drawn = None
            self._draw_figures()

    def _draw_figures(self) -> None:
        compact = self.has_class("-compact")
        width = self.query_one("#db-figures", Static).content_region.width or self.size.width
        per_line = len(self._figures) if compact else max(1, width // CELL_WIDTH)
        key = (tuple(self._figures), per_line)
        if key == self._drawn:
            return
        self._drawn = key
        static = self.query_one("#db-figures", Static)
        stale = [fig.why for fig in self._figures if fig.why]
        static.tooltip = "\n".join(stale) or None
        if not self._figures:
            static.update("no health figures yet")
            return
        cells = [self._cell(fig, compact) for fig in self._figures]
        if compact:
            static.update(Content.assemble(("DB ", "bold"), Content("  ").join(cells)))
            return
        rows = [Content("").join(cells[i : i + per_line]) for i in range(0, len(cells), per_line)]
        static.update(Content("\n").join(rows))

    @staticmethod
    def _cell(fig: Figure, compact: bool) -> Content:
        label = SHORT_LABELS.get(fig.label, fig.label) if compact else fig.label
        cell = Content.assemble((f"{label} ", "$text-muted"), (fig.text, "bold $status-warn" if fig.warn else "bold"))
        return cell if compact else cell.pad_right(max(0, CELL_WIDTH - cell.cell_length))

    def _draw_statements(self, table: TableView | None) -> None:
        statements = self.query_one("#db-statements", DataTable)
        note = self.query_one("#db-note", Static)
        message = ""
        if table is not None:
            message = table.error and f"slowest statements: {table.error}" or table.note
        elif self._figures:
            message = "slowest statements: not read yet"
        note.update(Content(message))
        note.display = bool(message)
        note.set_class(bool(table is not None and table.error), "-error")
        self._drawn_width = width = self._statement_width()
        with self.app.batch_update():
            statements.clear()
            if table is not None:
                index = {name: i for i, name in enumerate(table.columns)}
                for row in table.rows:
                    cells = [_cell(row, index.get(key)) for key, _ in STATEMENT_COLUMNS]
                    if len(cells[-1]) > width:
                        cells[-1] = cells[-1][: width - 1] + "…"
                    statements.add_row(*cells)
        statements.display = bool(table is not None and table.rows)


def _cell(row: tuple[object, ...], i: int | None) -> str:
    if i is None or i >= len(row) or row[i] is None:
        return "—"
    value = row[i]
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


__all__ = ["HEALTH_METRICS", "SLOW_STATEMENTS", "DatabasePane", "figures"]
