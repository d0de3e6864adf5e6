"""The Engineering screen: KPI tiles, the alerts line, health checks, latency, events and the database.

It answers "is the service healthy, and if not, where does it hurt" at a glance. Every pane is
redrawn from one :class:`~opstui.monitor.Snapshot` per refresh and each pane skips work when its
data did not change; the chart is hidden (and not computed) on small terminals.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical

from opstui.config.models import PostgresSource
from opstui.metrics.uptime import JUDGED
from opstui.monitor import Monitor, Snapshot
from opstui.sources.pghealth import SLOW_STATEMENTS
from opstui.ui.screens.base import ConsoleScreen
from opstui.ui.screens.routes import RoutesScreen
from opstui.ui.widgets.alerts_line import AlertsLine
from opstui.ui.widgets.database_pane import HEALTH_METRICS, DatabasePane
from opstui.ui.widgets.event_tail import EventTail
from opstui.ui.widgets.formatting import age
from opstui.ui.widgets.health_table import HealthTable
from opstui.ui.widgets.kpi_tile import KpiTile
from opstui.ui.widgets.latency_chart import LatencyChart

TILE_WIDTH = 20
"""The narrowest a tile gets before the grid wraps to another row."""

HELP = """\
## Engineering

Is the service healthy, and if not, where does it hurt.

- **KPI tiles**: the value now, its last minutes as a sparkline, and the target in the bottom border.
  The shape and colour say where it stands: `●` on target, `◐` off target (not yet warning),
  `▲` warning, `✖` critical, `◌` stale (no new data for longer than its source's `stale_after`: the last
  value, dimmed, and `stale 2m` in the bottom border; the KPI counts as UNKNOWN), `·` no data.
- **Health checks**: each source's state, how long it has been down (`Down`, from its last success), the
  latency and reason of its last check, how long ago that was (`Age`), its uptime and the days left on its
  TLS certificate (`TLS`). Uptime is over the last 30 days from the history on disk (header `Up 30d`;
  `opstui uptime` gives 24 h / 7 d / 30 d / 90 d), or this session's when the history is off (header
  `Uptime`). The Uptime tile is all checks over 30 days likewise.
- **Latency**: p50 / p95 / p99 over the chart window (`ui.chart_window`), a vertical line at each deploy.
  Hidden when the terminal is smaller than 120x32.
- **Alerts**: the line under the tiles counts firing and pending alerts and names them; a rule that
  fails to evaluate is shown there as a warning (it would otherwise never fire, silently).
- **Database** (with a `postgres` source that has `health: true`): connections used / max and %, the
  longest query and transaction, waiting locks, cache hit ratio, size, replication lag (when there are
  replicas), and the slowest statements from `pg_stat_statements` (or why they are unavailable). A
  figure marked `!` is stale: its last read failed (the tooltip says why). One line on short terminals.
- **Routes** (`r`): error rate, p50 / p95 / p99 and volume per route over the window, sortable; `escape`
  comes back.
- **Events**, grouped: deploys, error events and sources going down or coming back. The same error
  repeated (same source, level and message once numbers, ids and hex are stripped) is one row: when it
  was last seen, its level, source, how many times (`×`), a sparkline of the last 8 minutes (a bar a
  minute) and its latest text, `new ·` when first seen in the last 5 minutes. Newest on top (by time,
  not by arrival). `tab` to the pane and `enter` on a row shows the latest full line and the group's
  fields; `/` filters by source, level or text, `escape` clears the filter.

The header: overall status, environment, time since launch (T+hh:mm), age of the newest data,
unacknowledged incidents, overdue checklist tasks, who is on call, and a banner for a new P0/P1.
"""


def stale_figures(monitor: Monitor, snap: Snapshot, values: Mapping[str, float | None]) -> dict[str, str]:
    """The health-pack figures to mark ``!`` and why: a failed read (the source says why), or a value older
    than its source's ``stale_after`` (the database is unreachable: the last value is not the value now)."""
    errors = dict(snap.metric_errors)
    for metric, value in values.items():
        if value is not None and metric not in errors and monitor.freshness.is_stale(metric, None, snap.now):
            errors[metric] = f"stale: no new value for {age(monitor.freshness.age(metric, now=snap.now))}"
    return errors


class EngineeringScreen(ConsoleScreen):
    """The default screen: KPI tiles, health checks, latency percentiles and the event tail."""

    TITLE_TEXT = "Engineering"
    HELP = HELP
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "routes", "Routes", id="engineering.routes", tooltip="Error rate, latency and volume per route"),
        Binding("slash", "filter_events", "Filter", id="engineering.filter", tooltip="Filter the grouped events"),
        Binding(
            "escape", "clear_filter", "Clear filter", id="engineering.clear_filter", show=False, tooltip="Clear it"
        ),
    ]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]

    _tiles: dict[str, KpiTile]
    """The tiles by metric, kept from compose: a refresh never searches the DOM for them (nor for the panes)."""
    _health: HealthTable
    _chart: LatencyChart
    _events: EventTail
    _alerts: AlertsLine
    _database: DatabasePane | None

    def compose_body(self) -> ComposeResult:
        views = [v for v in self.core.monitor.kpi_views() if v.screen == "engineering"]
        self._tiles = {view.metric: KpiTile(view) for view in views}
        self._health, self._chart, self._events, self._alerts = HealthTable(), LatencyChart(), EventTail(), AlertsLine()
        self._database = DatabasePane() if self.has_database else None
        with Vertical(id="engineering"):
            with Grid(id="tiles"):
                yield from self._tiles.values()
            yield self._alerts
            with Horizontal(id="middle"):
                yield self._health
                yield self._chart
            with Horizontal(id="lower"):
                yield self._events
                if self._database is not None:
                    yield self._database

    @property
    def has_database(self) -> bool:
        """A postgres source collects the health pack, so the database pane has something to show."""
        return bool(self._databases())

    def _databases(self) -> list[PostgresSource]:
        """The postgres sources that collect the health pack (the database pane's figures)."""
        return [s for s in self.core.config.sources if isinstance(s, PostgresSource) and s.health]

    def action_filter_events(self) -> None:
        """``/``: the events pane's filter box (source, level or text)."""
        self._events.open_filter()

    def action_clear_filter(self) -> None:
        self._events.clear_filter()

    def action_routes(self) -> None:
        """The Routes view: which endpoint hurts."""
        self.app.push_screen(RoutesScreen())

    def on_resize(self, event: events.Resize) -> None:
        tiles = self.query_one("#tiles", Grid)
        count = len(tiles.children) or 1
        fit = max(1, min(count, event.size.width // TILE_WIDTH))
        rows = -(-count // fit)
        tiles.styles.grid_size_columns = -(-count // rows)  # balanced rows: 4 + 3, not 6 + 1
        for pane in self.query(DatabasePane):
            pane.set_compact(event.size.height < self.VERTICAL_BREAKPOINTS[1][0])

    def refresh_from_core(self) -> None:
        if not self._health.is_attached:
            return  # being torn down at exit
        core = self.core
        snap = self.snapshot()
        maintenance = core.maintenance_sources(snap.now)
        owner = core.monitor.metric_sources
        for view in snap.kpis:
            tile = self._tiles.get(view.metric) if view.screen == "engineering" else None
            if tile is not None:
                tile.show(view, maintenance.get(owner.get(view.metric, "")))
        days30 = {name: row.percent(JUDGED) for name, row in core.uptime.items()} if core.history else None
        self._health.show(snap.sources, snap.now, days30, maintenance)
        chart = self._chart
        if chart.display and chart.size.width:
            window = core.config.ui.chart_window
            chart.show(
                core.monitor.latency_series(window), snap.deploys, snap.now, window, every=core.config.store.resolution
            )
        self._events.show(core.monitor.errors, snap.now, core.config.timezone)
        alerts = core.firing_alerts()
        silenced = {a.fingerprint for a in alerts if core.silenced(a)} if core.silences else set()
        self._alerts.show(alerts, core.alerts.errors, silenced, core.inhibited)
        if (pane := self._database) is not None:
            store = core.monitor.store
            values = {m: store.value(m) for m in HEALTH_METRICS}
            pane.show(
                values,
                stale_figures(core.monitor, snap, values),
                snap.tables.get(SLOW_STATEMENTS),
                next((maintenance[s.name] for s in self._databases() if s.name in maintenance), None),
            )
