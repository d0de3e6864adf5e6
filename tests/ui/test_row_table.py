"""The keyed-row table: a row's line is made once and kept until that row changes; the cursor follows its key."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from opstui.ui.widgets.row_table import Column, RowTable


class Counting(RowTable):
    """Counts the rows whose line is made (the expensive part of a repaint)."""

    made: list[str]

    def _line(self, cells, style, post=None):  # type: ignore[no-untyped-def]
        if cells and isinstance(cells[0], Text):
            self.made.append(cells[0].plain)
        return super()._line(cells, style, post)


class TableApp(App[None]):
    CSS_PATH = "../../opstui/ui/styles/app.tcss"

    def __init__(self) -> None:
        super().__init__()
        self.selected: list[str] = []

    def compose(self) -> ComposeResult:
        table = Counting([Column("name", "Name"), Column("value", "Value")], id="t")
        table.made = []
        yield table

    def on_row_table_row_selected(self, event: RowTable.RowSelected) -> None:
        self.selected.append(event.row_key)


def rows(*pairs: tuple[str, str]) -> list[tuple[str, list[Text]]]:
    return [(name, [Text(name), Text(value)]) for name, value in pairs]


async def test_only_changed_and_new_rows_are_made_again() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(Counting)
        table.set_rows(rows(("api", "1"), ("db", "2"), ("web", "3")))
        await pilot.pause()
        assert sorted(table.made) == ["api", "db", "web"]
        table.made.clear()

        table.set_rows(rows(("api", "1"), ("db", "20"), ("web", "3")))  # one cell changed
        await pilot.pause()
        assert table.made == ["db"]
        assert [str(c) for c in table.get_row("db")] == ["db", "20"]
        table.made.clear()

        table.set_rows(rows(("new", "9"), ("api", "1"), ("db", "20"), ("web", "3")))  # a row on top
        await pilot.pause()
        assert table.made == ["new"]  # the others moved a line down without being made again
        assert table.rows == ["new", "api", "db", "web"]
        assert [str(c) for c in table.get_row_at(0)] == ["new", "9"]


async def test_cursor_stays_on_its_row_and_enter_and_click_select() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(Counting)
        table.set_rows(rows(("api", "1"), ("db", "2"), ("web", "3")))
        table.focus()
        await pilot.press("down")
        assert table.cursor_key == "db"
        table.set_rows(rows(("new", "9"), ("api", "1"), ("db", "2"), ("web", "3")))
        assert table.cursor_row == 2 and table.cursor_key == "db"
        await pilot.press("enter")
        assert app.selected == ["db"]

        await pilot.click(Counting, offset=(2, 4))  # the header, then new, api, db: line 4 is web
        assert table.cursor_key == "web" and app.selected == ["db"]  # a first click moves the cursor
        await pilot.click(Counting, offset=(2, 4))
        assert app.selected == ["db", "web"]  # a click on the cursor's row selects it

        table.set_rows(rows(("api", "1")))  # the cursor's row went: the cursor stays in the table
        assert table.cursor_row == 0 and table.cursor_key == "api"


async def test_columns_fit_their_widest_cell_and_label() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(Counting)
        table.set_rows(rows(("a-long-name", "1")))
        await pilot.pause()
        assert table.virtual_size.width == len("a-long-name") + len("Value") + 4  # one cell of padding each side
        table.set_label("value", "A longer label")
        assert table.label("value") == "A longer label"
        assert table.virtual_size.width == len("a-long-name") + len("A longer label") + 4
        await pilot.pause()
        header = "".join(segment.text for segment in table.render_line(0))
        assert header.startswith(" Name         A longer label")
