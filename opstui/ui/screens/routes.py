"""The Routes view (``r`` on Engineering): which endpoint hurts, by error rate, p95 or volume.

One row per route template (``/api/orders/:id``) over the sliding window (``store.window``): requests,
5xx, error rate, p50 / p95 / p99 and requests a minute, from the core's per-route windows (at most
``store.max_routes``; the rest is the ``other`` row). ``e`` / ``p`` / ``v`` sort; rows are diffed in place,
so the cursor stays on its route across refreshes. ``escape`` goes back.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from opstui.config.durations import format_duration
from opstui.metrics.routes import OTHER, SORTS, RouteStats
from opstui.ui.plain import plain_text
from opstui.ui.screens.base import ConsoleScreen
from opstui.ui.widgets.formatting import number

COLUMNS = (
    ("route", "Route"),
    ("requests", "Req"),
    ("failed", "5xx"),
    ("errors", "Err %"),
    ("p50", "p50"),
    ("p95", "p95"),
    ("p99", "p99"),
    ("rpm", "Req/min"),
)
SORT_LABELS = {"errors": "error rate", "p95": "p95 latency", "volume": "volume"}

HELP = """\
## Routes

Which endpoint hurts: every route template (ids in a path become `:id`) over the sliding window, with its
requests, 5xx responses, **error rate**, latency **p50 / p95 / p99** and requests a minute.

- `e` sort by error rate, `p` by p95 latency, `v` by volume (the default); `escape` back to Engineering.
- At most `store.max_routes` (50) routes are tracked; requests of further routes count under `other`.
- Rules can use the per-route series: `route_error_rate{route="/api/orders"} > 5`,
  `route_latency_p95{route=~"/api/payments.*"} > 2000`, `route_requests_per_min{...}`.
"""


def route_cells(route: RouteStats) -> tuple[str, ...]:
    """The plain text of each column for one route (what the diff compares)."""
    return (
        route.route,
        f"{route.requests:,}",
        f"{route.failed:,}",
        "—" if route.error_rate is None else f"{route.error_rate:.2f}",
        "—" if route.latency_p50 is None else number(route.latency_p50, "ms"),
        "—" if route.latency_p95 is None else number(route.latency_p95, "ms"),
        "—" if route.latency_p99 is None else number(route.latency_p99, "ms"),
        f"{route.requests_per_min:,.1f}",
    )


def sorted_routes(routes: tuple[RouteStats, ...], by: str) -> list[RouteStats]:
    """The routes in the chosen order, ``other`` always last (it is not an endpoint)."""
    ordered = sorted(routes, key=SORTS[by])
    return [r for r in ordered if r.route != OTHER] + [r for r in ordered if r.route == OTHER]


class RoutesScreen(ConsoleScreen):
    """Per-route error rate, latency and volume over the window, sortable."""

    TITLE_TEXT = "Routes"
    HELP = HELP
    CSS_PATH = "../styles/routes.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "sort('errors')", "By errors", id="routes.sort_errors", tooltip="Highest error rate first"),
        Binding("p", "sort('p95')", "By p95", id="routes.sort_p95", tooltip="Slowest p95 first"),
        Binding("v", "sort('volume')", "By volume", id="routes.sort_volume", tooltip="Busiest first"),
        Binding("escape", "back", "Back", id="routes.back", tooltip="Back to Engineering"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sort = "volume"
        self._rows: list[tuple[str, tuple[str, ...]]] = []

    def compose_body(self) -> ComposeResult:
        yield Static("", id="routes-title")
        yield DataTable(id="routes-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one("#routes-table", DataTable)
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        super().on_mount()

    def action_sort(self, by: str) -> None:
        self.sort = by
        self.draw()

    def action_back(self) -> None:
        self.app.pop_screen()

    def refresh_from_core(self) -> None:
        snap = self.snapshot()
        routes = sorted_routes(snap.routes, self.sort)
        window = format_duration(self.core.config.store.window)
        title = self.query_one("#routes-title", Static)
        title.update(
            f"{len(routes)} routes over the last {window}, by {SORT_LABELS[self.sort]}"
            if routes
            else f"no requests with a route in the last {window} (request events carry 'route')"
        )
        rows = [(r.route, route_cells(r)) for r in routes]
        if rows == self._rows:
            return
        table = self.query_one("#routes-table", DataTable)
        keep = table.cursor_row
        selected = self._rows[keep][0] if 0 <= keep < len(self._rows) else None
        with self.app.batch_update():
            if [name for name, _ in rows] != [name for name, _ in self._rows]:
                table.clear()
                for name, cells in rows:
                    table.add_row(*self._row_cells(cells), key=name)
            else:
                for (name, cells), (_, old) in zip(rows, self._rows, strict=True):
                    for (column, _), new, previous, value in zip(
                        COLUMNS, cells, old, self._row_cells(cells), strict=True
                    ):
                        if new != previous:
                            table.update_cell(name, column, value, update_width=True)
        self._rows = rows
        if selected is not None:
            names = [name for name, _ in rows]
            if selected in names:
                table.move_cursor(row=names.index(selected))

    def _row_cells(self, cells: tuple[str, ...]) -> list[Text]:
        out = [plain_text(cells[0], no_wrap=True, overflow="ellipsis")]
        out += [Text(cell, no_wrap=True, justify="right") for cell in cells[1:]]
        return out
