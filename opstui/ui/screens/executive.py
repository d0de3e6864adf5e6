"""The Executive screen: the seeds' executive dashboard and business KPIs, each against its target.

Revenue today / this week / this month, orders, active users, conversion, average order value,
refund and repeat-customer rates come from the KPIs marked ``screen: executive`` (usually a
``postgres`` source's queries, see config.example.yaml); the top-selling products from its
``table: true`` queries. A tile whose query failed keeps its last value and says ``stale: why``.

Without any executive KPI (``opstui --demo`` with no database) the screen says how to connect one
and meanwhile shows what the payment stream gives: the payment success rate.

Once the event stream carries them, the screen also shows the web vitals (p75 over the window, rated good /
needs improvement / poor), their p75 per page, and the product events (signups, donations, registrations)
counted over the window: see :mod:`opstui.metrics.vitals` and :mod:`opstui.metrics.business`.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.widgets import Static

from opstui.config.models import PgQuery, PostgresSource
from opstui.monitor import KpiView
from opstui.sources.pghealth import SLOW_STATEMENTS
from opstui.ui.screens.base import ConsoleScreen
from opstui.ui.widgets.components_line import ComponentsLine
from opstui.ui.widgets.executive_table import BusinessTable
from opstui.ui.widgets.executive_tile import ExecutiveTile
from opstui.ui.widgets.override_modal import ask_override
from opstui.ui.widgets.product_tables import PageVitalsTable, ProductTable

TILE_WIDTH = 22
VITAL_TILE_WIDTH = 15
"""Five vital tiles fit in 80 columns."""
NARROW = 110
"""Below this width the product and page tables stack instead of sitting side by side."""
FALLBACK_METRICS = ("payment_success_rate", "payments_per_min")
"""Shown when no KPI is marked for this screen: the business side of the payment stream."""
MAX_TABLES = 2

HINT = (
    "No business KPIs yet. Connect the shop's database: [b]opstui demo-db --dsn DSN[/b], then "
    "[b]opstui --demo --dsn DSN[/b]; or add a postgres source and kpis with [b]screen: executive[/b] "
    "to your config (the one [b]opstui init[/b] writes has them for a typical shop schema)."
)

HELP = """\
## Executive

How the business is doing, in the seeds' terms: revenue today / this week / this month, orders,
active users (24 h), conversion, average order value, refund rate, repeat-customer rate, each against
its target (`●` on target, `◐` off target, `▲` warning, `✖` critical, `·` no data), and the
top-selling products.

The numbers come from the config's SQL (a `postgres` source's `queries:`), re-read every `interval`.
A tile whose query failed keeps its last value and shows `stale:` and the reason in its border.

When the event stream carries `web_vital` events, the **web vitals** row shows the p75 of LCP, INP, CLS,
TTFB and FCP over the window (`●` good, `▲` needs improvement, `✖` poor; `◌` stale), and **Pages** their
p75 per page. **Product** counts the stream's `business` events (signups, donations, registrations) over
the window: how many, the sum of their values, and per minute.

The status page line above the tiles is what the public page says now: each component's status, derived from
its sources, KPIs, open incidents and maintenance windows (docs/communicate-and-act.md). `o` overrides one
(a status, why, and optionally for how long) or clears an override; an override is shown with its reason.
"""


def table_names(sources: object) -> list[str]:
    """The ``table: true`` queries of the config's postgres sources, in config order."""
    names: list[str] = []
    for source in sources:  # type: ignore[attr-defined]
        if isinstance(source, PostgresSource):
            names += [name for name, q in source.queries.items() if isinstance(q, PgQuery) and q.table]
    return [n for n in names if n != SLOW_STATEMENTS][:MAX_TABLES]


class ExecutiveScreen(ConsoleScreen):
    """Business KPI tiles against their targets, and the top products."""

    TITLE_TEXT = "Executive"
    HELP = HELP
    CSS_PATH: ClassVar[str] = "../styles/executive.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "o",
            "override",
            "Override",
            id="executive.override",
            tooltip="Override a status page component's status (with a reason), or clear an override",
        ),
    ]

    def _views(self) -> list[KpiView]:
        views = self.core.monitor.kpi_views()
        mine = [v for v in views if v.screen == "executive"]
        return mine or [v for v in views if v.metric in FALLBACK_METRICS]

    def compose_body(self) -> ComposeResult:
        views = self._views()
        has_business = any(v.screen == "executive" for v in views)
        with VerticalScroll(id="executive"):
            yield ComponentsLine("", id="executive-components")
            if not has_business:
                yield Static(HINT, id="executive-hint")
            with Grid(id="executive-tiles"):
                for view in views:
                    yield ExecutiveTile(view)
            with Grid(id="vital-tiles"):
                for view in self.core.monitor.vital_views() or _no_vitals():
                    yield ExecutiveTile(view)
            with Horizontal(id="executive-product"):
                yield ProductTable()
                yield PageVitalsTable()
            with Horizontal(id="executive-tables"):
                for name in table_names(self.core.config.sources):
                    yield BusinessTable(name)

    def on_resize(self, event: events.Resize) -> None:
        tiles = self.query_one("#executive-tiles", Grid)
        count = len(tiles.children) or 1
        tiles.styles.grid_size_columns = max(1, min(count, event.size.width // TILE_WIDTH))
        self.set_class(event.size.width < NARROW, "-narrow")
        vitals = self.query_one("#vital-tiles", Grid)
        vitals.styles.grid_size_columns = max(1, min(len(vitals.children) or 1, event.size.width // VITAL_TILE_WIDTH))

    def action_override(self) -> None:
        ask_override(self, after=self.draw)

    def refresh_from_core(self) -> None:
        self.query_one(ComponentsLine).show(self.core.component_states())
        snap = self.snapshot()
        shown = {v.metric for v in self._views()}
        maintenance = self.core.maintenance_sources(snap.now)
        owner = self.core.monitor.metric_sources
        for view in snap.kpis:
            if view.metric in shown:
                window = maintenance.get(owner.get(view.metric, ""))
                for tile in self.query(f"#kpi-{view.key or view.metric}").results(ExecutiveTile):
                    tile.show_business(view, snap.metric_errors.get(view.metric), window)
        for table in self.query(BusinessTable):
            table.show(snap.tables.get(table.table_name), snap.now)
        self.query_one("#vital-tiles", Grid).display = bool(snap.vitals)
        for view in snap.vitals:
            for tile in self.query(f"#kpi-{view.key}").results(ExecutiveTile):
                tile.show_business(view, None)
        self.query_one(ProductTable).show(snap.business, self.core.config.store.window)
        self.query_one(PageVitalsTable).show(snap.vital_pages)
        self.query_one("#executive-product", Horizontal).display = bool(snap.business or snap.vital_pages)


def _no_vitals() -> list[KpiView]:
    """Placeholder tiles before the first web vital (hidden until one arrives)."""
    from opstui.sources.events import VITALS
    from opstui.status import KpiLevel

    return [
        KpiView(
            "web_vital_p75",
            f"{name} p75",
            "",
            None,
            KpiLevel.NO_DATA,
            None,
            None,
            None,
            key=f"web-vital-{name.lower()}",
        )
        for name in VITALS
    ]
