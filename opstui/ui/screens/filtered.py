"""The shape the Alerts and Audit screens share: a title line, a filter box that ``/`` shows, and a table
(and the filter box's keys, which the Checklist screen shares too).

A screen built on :class:`FilteredTableScreen` says what its rows are and when to redraw; the widgets, the
filter's keys (``/`` to type, ``enter`` back to the table, clearing it), refilling the table while keeping the
cursor's row, and the title's error mark are written here once. The widgets' ids start with the screen's
:attr:`~FilteredTableScreen.PREFIX` (``#alerts-table``, ``#audit-title``), their layout is
``styles/filtered.tcss``'s, and each screen's own stylesheet colours its title's ``-error``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Input, Static

from opstui.clock import zone
from opstui.ui.plain import plain
from opstui.ui.screens.base import ConsoleScreen

CELL_PADDING = 2
"""A DataTable cell's left + right padding (1 each), counted when the text column takes the rest."""


def when_text(at: float, now: float, tz: tzinfo) -> str:
    """``14:13:20`` today, ``09-20 14:13`` on another day (the column stays 11 characters at most)."""
    moment = datetime.fromtimestamp(at, tz)
    if moment.date() == datetime.fromtimestamp(now, tz).date():
        return moment.strftime("%H:%M:%S")
    return moment.strftime("%m-%d %H:%M")


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns with an ellipsis, so a long cell never wraps a row."""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


class FilterableScreen(ConsoleScreen):
    """A screen with a ``/`` filter box over a list: ``/`` opens the box, typing filters, ``enter`` goes back to
    the list (closing an empty box), clearing empties and closes it. Subclasses name the box and the list
    (:attr:`FILTER_ID`, :attr:`LIST_ID`) and redraw in :meth:`filter_changed`."""

    FILTER_ID: ClassVar[str] = ""
    """The filter box's id."""
    LIST_ID: ClassVar[str] = ""
    """The id of what the filter filters, focused again when the box is left."""

    def __init__(self) -> None:
        super().__init__()
        self.query_text = ""
        """The ``/`` filter, stripped; empty shows every row."""

    @property
    def filter_box(self) -> Input:
        return self.query_one(f"#{self.FILTER_ID}", Input)

    def filter_changed(self) -> None:
        """Redraw after :attr:`query_text` changed; subclasses override this."""

    def action_filter(self) -> None:
        box = self.filter_box
        box.add_class("-shown")
        box.focus()

    @property
    def filtering(self) -> bool:
        """A filter is set or its box is open: ``escape`` clears it before it leaves the screen."""
        return bool(self.query_text) or self.filter_box.has_class("-shown")

    def action_clear_filter(self) -> None:
        box = self.filter_box
        box.value = ""
        box.remove_class("-shown")
        self.query_text = ""
        self.query_one(f"#{self.LIST_ID}").focus()
        self.filter_changed()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == self.FILTER_ID:
            self.query_text = event.value.strip()
            self.filter_changed()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == self.FILTER_ID:
            event.stop()
            if not event.value.strip():
                event.input.remove_class("-shown")
            self.query_one(f"#{self.LIST_ID}").focus()


class FilteredTableScreen(FilterableScreen):
    """Title + ``/`` filter box + table; subclasses fill the table and redraw in :meth:`filter_changed`."""

    PREFIX: ClassVar[str] = ""
    """The start of the widgets' ids: ``{PREFIX}-title``, ``{PREFIX}-filter``, ``{PREFIX}-table``."""
    FILTER_PLACEHOLDER: ClassVar[str] = "filter"
    """What the empty filter box says it matches."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.FILTER_ID, cls.LIST_ID = f"{cls.PREFIX}-filter", f"{cls.PREFIX}-table"

    def compose_body(self) -> ComposeResult:
        yield Static("", id=f"{self.PREFIX}-title", classes="filtered-title")
        yield Input(placeholder=self.FILTER_PLACEHOLDER, id=self.FILTER_ID, classes="filtered-filter")
        table: DataTable[str | Text] = DataTable(
            id=self.LIST_ID, classes="filtered-table", cursor_type="row", zebra_stripes=True
        )
        yield table

    def on_mount(self) -> None:
        super().on_mount()
        self.table.focus()

    @property
    def table(self) -> DataTable[str | Text]:
        return self.query_one(f"#{self.LIST_ID}", DataTable)

    @property
    def tz(self) -> tzinfo:
        return zone(self.core.config.timezone)

    def set_title(self, title: str, error: bool | None = None) -> None:
        """The title line, as plain text (it quotes the filter and errors), marked ``-error`` or not (None: as
        it was)."""
        line = self.query_one(f"#{self.PREFIX}-title", Static)
        line.update(plain(title))
        if error is not None:
            line.set_class(error, "-error")

    def fill_table(self, columns: Sequence[tuple[str, int, str]], rows: Iterable[Sequence[str | Text]]) -> int:
        """Refill the table with ``columns`` (label, width, key) and ``rows``, the cursor kept on its row
        number (or the last row); how many rows were added."""
        table = self.table
        cursor = table.cursor_row
        table.clear(columns=True)
        for label, width, key in columns:
            table.add_column(label, width=width, key=key)
        count = 0
        for cells in rows:
            table.add_row(*cells)
            count += 1
        if count:
            table.move_cursor(row=min(max(cursor, 0), count - 1))
        return count
