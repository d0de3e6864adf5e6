"""A table a database query returned (top products), with how old it is and why it may be stale."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from opstui.monitor import TableView
from opstui.ui.widgets.formatting import age


def cell(value: object, column: str) -> str:
    """Numbers right-sized for the eye (money columns with two decimals); text as is."""
    if isinstance(value, float):
        return f"{value:,.2f}" if "revenue" in column or "amount" in column or value != int(value) else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "—" if value is None else str(value)


def title(name: str) -> str:
    return name.replace("_", " ").capitalize()


class BusinessTable(Vertical):
    """One :class:`TableView`; rows are replaced only when the source read new ones."""

    def __init__(self, name: str) -> None:
        super().__init__(id=f"table-{name}", classes="business-table")
        self.table_name = name
        self.border_title = title(name)
        self._shown: TableView | None = None

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row", zebra_stripes=True, show_cursor=False)
        yield Static("", classes="table-note")

    def show(self, view: TableView | None, now: float) -> None:
        note = self.query_one(".table-note", Static)
        if view is None:
            note.update("no rows read yet")
            return
        problem = view.error or view.note
        note.update(problem)
        note.display = bool(problem)
        self.set_class(bool(view.error), "-stale")
        self.border_subtitle = f"read {age(now - view.ts)} ago"
        if view.rows == getattr(self._shown, "rows", None) and view.columns == getattr(self._shown, "columns", None):
            self._shown = view
            return
        self._shown = view
        table = self.query_one(DataTable)
        with self.app.batch_update():
            table.clear(columns=True)
            for column in view.columns:
                table.add_column(title(column), key=column)
            for row in view.rows:
                table.add_row(*(cell(v, c) for v, c in zip(row, view.columns, strict=False)))
