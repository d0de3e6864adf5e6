"""The Executive screen's stream tables: product events over the window, and the web vitals per page.

Both are redrawn from the snapshot at the screen's pace and only when their rows changed; page names and
event names come from outside, so every cell is plain text (never markup, controls made visible).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable

from opstui.metrics.business import BusinessStat
from opstui.metrics.vitals import GOOD, POOR, VitalStat
from opstui.sources.events import VITALS
from opstui.ui.plain import plain_text
from opstui.ui.widgets.formatting import age, number

RATING_STYLE = {GOOD: ("●", "status-ok"), POOR: ("✖", "status-crit")}
"""A rating's shape and theme colour; needs improvement is ``▲`` in the warning colour."""


def money(value: float) -> str:
    """A sum as it reads best: whole numbers as counts, others with two decimals."""
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


class _StreamTable(Vertical):
    """A titled table whose rows are replaced only when they changed."""

    COLUMNS: tuple[str, ...] = ()

    def __init__(self, name: str, title: str) -> None:
        super().__init__(id=name, classes="business-table stream-table")
        self.border_title = title
        self._rows: Sequence[tuple[str, ...]] | None = None

    def compose(self) -> ComposeResult:
        table: DataTable[str | Text] = DataTable(cursor_type="row", zebra_stripes=True, show_cursor=False)
        for column in self.COLUMNS:
            table.add_column(column, key=column)
        yield table

    def _replace(self, rows: Sequence[tuple[str, ...]], render: Sequence[tuple[Text, ...]]) -> None:
        if rows == self._rows:
            return
        self._rows = rows
        table = self.query_one(DataTable)
        with self.app.batch_update():
            table.clear()
            for cells in render:
                table.add_row(*cells)


class ProductTable(_StreamTable):
    """Product events per name: count, sum and per minute over the window."""

    COLUMNS = ("Event", "Count", "Sum", "/min")

    def __init__(self) -> None:
        super().__init__("product-table", "Product")

    def show(self, stats: tuple[BusinessStat, ...], window: float) -> None:
        self.border_title = f"Product · last {age(window)}"
        rows = [(s.name, f"{s.count:,}", money(s.total), f"{s.per_min:.1f}") for s in stats]
        render = [
            (plain_text(name), Text(count, justify="right"), Text(total, justify="right"), Text(rate, justify="right"))
            for name, count, total, rate in rows
        ]
        self._replace(rows, render)


class PageVitalsTable(_StreamTable):
    """The p75 of each vital per page, each cell in its rating's shape and colour."""

    COLUMNS = ("Page", *VITALS)

    def __init__(self) -> None:
        super().__init__("page-vitals", "Pages · web vitals p75")

    def show(self, stats: tuple[VitalStat, ...]) -> None:
        pages: dict[str, dict[str, VitalStat]] = {}
        for stat in stats:
            pages.setdefault(stat.page, {})[stat.name] = stat
        rows = [
            (page, *(f"{by_name[n].rating}:{vital_text(by_name[n])}" if n in by_name else "" for n in VITALS))
            for page, by_name in pages.items()
        ]
        variables = self.app.theme_variables
        render = []
        for page, by_name in pages.items():
            cells = [plain_text(page, no_wrap=True, overflow="ellipsis")]
            for name in VITALS:
                found = by_name.get(name)
                if found is None:
                    cells.append(Text("—", justify="right"))
                    continue
                shape, variable = RATING_STYLE.get(found.rating, ("▲", "status-warn"))
                cells.append(Text(f"{shape} {vital_text(found)}", style=variables.get(variable, ""), justify="right"))
            render.append(tuple(cells))
        self._replace(rows, render)


def vital_text(stat: VitalStat) -> str:
    """``2,140 ms`` (timings) or ``0.08`` (CLS)."""
    return number(stat.p75, "" if stat.name == "CLS" else "ms")
