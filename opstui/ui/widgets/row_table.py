"""A read-mostly table of keyed rows, drawn line by line with each row's line kept until that row changes.

Why not Textual's ``DataTable``: it keys its render caches on one table-wide update count, so changing one
cell (an age ticking, a count going up) re-renders every visible cell of every row through Rich, and
replacing the rows (a new event group on top) rebuilds them all. The health table and the event tail change a
little every second and a lot during an incident, and that redraw was the largest single cost of a refresh
(docs/performance.md, "Fast under fire"). Here a row is rendered once to a :class:`~textual.strip.Strip`,
kept by its key and its text, and only the lines of rows that changed are refreshed; moving a row (a new row
above it) costs no render at all. It does what the two panes need and no more: fixed or content-fitted
columns, an optional header, a row cursor with the keys and the click of ``DataTable``, and ``RowSelected``.

Cells are Rich ``Text`` (never markup: the callers build them from sanitised text).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Offset, Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip


@dataclass(frozen=True)
class Column:
    """A column: its key, its header label, and a fixed width (``None``: as wide as its widest cell)."""

    key: str
    label: str = ""
    width: int | None = None


def _signature(cells: Sequence[Text]) -> Hashable:
    """What a row's line depends on: each cell's text, style and spans (two rows alike draw alike)."""
    return tuple((cell.plain, str(cell.style), tuple(cell.spans)) for cell in cells)


class RowTable(ScrollView, can_focus=True):
    """Keyed rows of Rich ``Text`` cells with a row cursor; ``set_rows`` replaces them and redraws only what
    changed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Select", show=False, id="table.select"),
        Binding("up", "cursor_up", "Cursor up", show=False, id="table.cursor_up"),
        Binding("down", "cursor_down", "Cursor down", show=False, id="table.cursor_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="table.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="table.page_down"),
        Binding("home", "cursor_home", "First row", show=False, id="table.first"),
        Binding("end", "cursor_end", "Last row", show=False, id="table.last"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {"row-table--header", "row-table--cursor"}

    class RowSelected(Message):
        """``enter`` on a row, or a click on the row under the cursor."""

        def __init__(self, table: RowTable, row_key: str, cursor_row: int) -> None:
            super().__init__()
            self.table = table
            self.row_key = row_key
            self.cursor_row = cursor_row

        @property
        def control(self) -> RowTable:
            return self.table

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        show_header: bool = True,
        cell_padding: int = 1,
        id: str | None = None,  # noqa: A002 - Textual's name for it
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._columns = list(columns)
        self.show_header = show_header
        self.cell_padding = cell_padding
        self._keys: list[str] = []
        self._rows: dict[str, tuple[Text, ...]] = {}
        self._signatures: dict[str, Hashable] = {}
        self._widths: tuple[int, ...] = ()
        self._strips: dict[str, tuple[Hashable, Strip]] = {}
        """A row's line as last drawn, with what it was drawn from (its signature, the widths, the styles)."""
        self._styles: tuple[Style, Style, Style] = (Style(), Style(), Style())
        self._scroll = Offset(0, 0)
        self.cursor_row = 0
        self._fit()

    # What the callers read (the names of DataTable's, so the two read alike in tests).

    @property
    def row_count(self) -> int:
        return len(self._keys)

    @property
    def rows(self) -> list[str]:
        """The row keys, top to bottom."""
        return list(self._keys)

    def get_row(self, key: str) -> list[Text]:
        return list(self._rows[key])

    def get_row_at(self, index: int) -> list[Text]:
        return list(self._rows[self._keys[index]])

    @property
    def cursor_key(self) -> str | None:
        """The key of the row under the cursor (``None`` for an empty table)."""
        return self._keys[self.cursor_row] if 0 <= self.cursor_row < len(self._keys) else None

    def label(self, column_key: str) -> str:
        """A column's header label."""
        return next(c.label for c in self._columns if c.key == column_key)

    # What the callers change.

    def set_label(self, column_key: str, label: str) -> None:
        """A new header label (the column may widen)."""
        if all(c.label == label for c in self._columns if c.key == column_key):
            return
        self._columns = [Column(c.key, label, c.width) if c.key == column_key else c for c in self._columns]
        self._fit()
        self.refresh()

    def set_columns(self, columns: Sequence[Column]) -> None:
        self._columns = list(columns)
        self._fit()
        self.refresh()

    def set_rows(self, rows: Sequence[tuple[str, Sequence[Text]]]) -> None:
        """The rows, in order, by key. The cursor stays on its row's key when that row is still there; only the
        lines of rows that are new, changed or moved are refreshed."""
        selected = self.cursor_key
        keys = [key for key, _ in rows]
        changed: set[str] = set()
        new_rows: dict[str, tuple[Text, ...]] = {}
        signatures: dict[str, Hashable] = {}
        for key, cells in rows:
            cells = tuple(cells)
            new_rows[key] = cells
            signature = _signature(cells)
            signatures[key] = signature
            if self._signatures.get(key) != signature:
                changed.add(key)
        moved = keys != self._keys
        self._keys, self._rows, self._signatures = keys, new_rows, signatures
        for gone in [k for k in self._strips if k not in new_rows]:
            del self._strips[gone]
        widened = self._fit()
        if selected is not None and selected in new_rows:
            self.cursor_row = keys.index(selected)
        self.cursor_row = max(0, min(self.cursor_row, len(keys) - 1))
        if widened or moved:
            self.refresh()
        else:
            for index, key in enumerate(keys):
                if key in changed:
                    self._refresh_row(index)

    def clear(self) -> None:
        self.set_rows([])

    def move_cursor(self, row: int) -> None:
        old = self.cursor_row
        self.cursor_row = max(0, min(row, len(self._keys) - 1))
        if old != self.cursor_row:
            self._refresh_row(old)
            self._refresh_row(self.cursor_row)
        self._scroll_to_cursor()

    # Drawing.

    def _fit(self) -> bool:
        """Each column's width (fixed, or its widest cell and label) and the virtual size; True if a width
        changed (every line is then drawn again)."""
        widths = tuple(
            column.width
            if column.width is not None
            else max([len(column.label), *(self._rows[k][i].cell_len for k in self._keys)])
            for i, column in enumerate(self._columns)
        )
        changed = widths != self._widths
        self._widths = widths
        total = sum(widths) + 2 * self.cell_padding * len(widths)
        self.virtual_size = Size(total, len(self._keys) + (1 if self.show_header else 0))
        return changed

    def _line(self, cells: Sequence[Text | str], style: Style, post: Style | None = None) -> Strip:
        pad = " " * self.cell_padding
        line = Text(no_wrap=True, end="")
        for cell, width in zip(cells, self._widths, strict=False):
            text = cell.copy() if isinstance(cell, Text) else Text(cell)
            text.truncate(width, overflow="ellipsis")
            line.append(pad)
            line.append_text(text)  # a cell's own style stops at its text, as in DataTable
            line.append(" " * (width - text.cell_len) + pad)
        segments = Segment.apply_style(line.render(self.app.console), style, post)
        return Strip(list(segments), self.virtual_size.width)

    def render_lines(self, crop: Region) -> list[Strip]:
        # The styles and the scroll once per repaint, not once a line (a widget's rich_style walks its ancestors).
        self._scroll = self.scroll_offset
        self._styles = (
            self.rich_style,
            self.get_component_rich_style("row-table--header"),
            self.get_component_rich_style("row-table--cursor"),
        )
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        base, header, cursor = self._styles
        scroll_x, scroll_y = self._scroll
        width = self.size.width
        if self.show_header:
            if y == 0:
                strip = self._line([c.label for c in self._columns], base + header)
                return strip.crop_extend(scroll_x, scroll_x + width, base + header)
            y -= 1
        index = y + scroll_y
        if index >= len(self._keys):
            return Strip.blank(width, base)
        key = self._keys[index]
        on_cursor = index == self.cursor_row
        made_from = (self._signatures[key], self._widths, base, cursor if on_cursor else None)
        kept = self._strips.get(key)
        if kept is None or kept[0] != made_from:
            strip = self._line(self._rows[key], base, cursor if on_cursor else None)
            self._strips[key] = (made_from, strip)
        else:
            strip = kept[1]
        # The cursor runs the pane's width, past the last column.
        return strip.crop_extend(scroll_x, scroll_x + width, base + cursor if on_cursor else base)

    def _refresh_row(self, index: int) -> None:
        y = index - int(self.scroll_offset.y) + (1 if self.show_header else 0)
        if 0 <= y < self.size.height:
            self.refresh_line(y)

    def _scroll_to_cursor(self) -> None:
        shown = max(1, self.size.height - (1 if self.show_header else 0))
        top = int(self.scroll_offset.y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + shown:
            self.scroll_to(y=self.cursor_row - shown + 1, animate=False, immediate=True)

    def on_focus(self) -> None:
        self._refresh_row(self.cursor_row)

    def on_blur(self) -> None:
        self._refresh_row(self.cursor_row)

    # Keys and the mouse.

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor_row + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor_row - max(1, self.size.height - 1))

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor_row + max(1, self.size.height - 1))

    def action_cursor_home(self) -> None:
        self.move_cursor(0)

    def action_cursor_end(self) -> None:
        self.move_cursor(len(self._keys) - 1)

    def action_select_cursor(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.RowSelected(self, key, self.cursor_row))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = offset.y - (1 if self.show_header else 0) + int(self.scroll_offset.y)
        if not 0 <= index < len(self._keys) or (self.show_header and offset.y == 0):
            return
        event.stop()
        if index == self.cursor_row:
            self.action_select_cursor()
        else:
            self.move_cursor(index)
