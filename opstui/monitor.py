"""The live figures: sources feed the monitor, it keeps the metric store, windows, KPIs and event log,
and hands out immutable snapshots.

Part of the :class:`~opstui.core.Core` the console holds (which adds the state store, incidents and
checklist); ``opstui check`` and the benchmarks run a Monitor alone, with no state store and no screen.

The UI never reaches into live objects: it asks for :meth:`Monitor.snapshot` at its own refresh
rate, so a burst of 50,000 events a second costs the screen nothing extra.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from opstui.alerts.external import AlertSet, ExternalAlerts
from opstui.clock import Clock
from opstui.config.models import Config, Kpi, WebsocketSource
from opstui.metrics.business import BusinessStat, BusinessWindows
from opstui.metrics.errors import ErrorGroups
from opstui.metrics.freshness import DERIVED, UNCLAIMED_STALE_AFTER, Freshness
from opstui.metrics.kpi import KpiRule, parse_metric
from opstui.metrics.routes import RouteStats, RouteWindows
from opstui.metrics.store import MetricStore
from opstui.metrics.vitals import THRESHOLDS, VitalStat, VitalWindows, threshold_text
from opstui.metrics.vitals import rating as _rating
from opstui.metrics.windows import EventWindows
from opstui.sanitize import clean
from opstui.sources.base import SourceState, SourceStatus
from opstui.sources.events import VITALS, AuditEvent, DeployEvent, ErrorEvent, Event, MetricEvent
from opstui.status import KpiLevel

log = logging.getLogger(__name__)

ROUTE_SERIES = (
    ("route_error_rate", "error_rate"),
    ("route_latency_p95", "latency_p95"),
    ("route_requests_per_min", "requests_per_min"),
)
"""Per-route series (label ``route``) for rules, e.g. ``route_error_rate{route="/api/orders"} > 5``. Names of
their own: under ``error_rate`` itself, the seeds' ``error_rate > 5`` would fire once per route."""
MAX_ADMIN_ACTIONS = 1000
"""Admin actions (``audit`` events from the service) kept for the Audit screen's service list, newest last."""
VITAL_LEVELS = {"good": KpiLevel.TARGET, "needs-improvement": KpiLevel.WARNING, "poor": KpiLevel.CRITICAL}
"""A vital's rating as a tile level: the colours of on target, warning and critical."""
COUNTERS = ("requests_total", "requests_failed_total", "payments_total", "payments_failed_total")
BLIND = (SourceState.DOWN, SourceState.UNREACHABLE, SourceState.STALE)
"""Source states in which the console cannot see what the source shows (``source_up`` is 0)."""


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One line of the event tail: a deploy, an error event, a source going down or coming back."""

    ts: float
    level: str
    """``critical``, ``error``, ``warning``, ``info`` or ``deploy``."""
    source: str
    message: str


@dataclass(frozen=True, slots=True)
class KpiView:
    """One KPI tile's worth of data."""

    metric: str
    label: str
    unit: str
    value: float | None
    level: KpiLevel
    target: str | None
    warning: str | None
    critical: str | None
    history: tuple[float, ...] = ()
    """Recent values (oldest first) for the sparkline."""
    screen: str = "engineering"
    age: float | None = None
    """Seconds since the metric was last fed; None without data. With ``level`` STALE, ``value`` is the last
    value seen, shown dimmed beside its age, never as the value now."""
    key: str = ""
    """The tile's id when the metric name alone is not unique (a web vital: ``web-vital-lcp``)."""


@dataclass(frozen=True, slots=True)
class TableView:
    """Rows a source read for a table pane (e.g. top products), bounded by the source's ``max_rows``."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    ts: float
    """When the rows were read (an error keeps the last good rows and their age)."""
    error: str = ""
    """Why the latest read failed, one line; empty when it succeeded."""
    note: str = ""
    """Something the operator should know, e.g. 'pg_stat_statements is not installed'."""


UNSAVED_EVENTS = 5000
"""Event-tail lines kept for the history between two flushes (10 s); beyond it the oldest are not recorded."""
MAX_TABLES = 50
"""Distinct tables the monitor keeps (each is bounded by its own ``max_rows``)."""
MAX_TABLE_ROWS = 500


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything a screen needs at one instant; immutable and cheap to diff."""

    now: float
    environment: str
    launch_at: float
    sources: tuple[SourceStatus, ...]
    kpis: tuple[KpiView, ...]
    events: tuple[LogEntry, ...]
    deploys: tuple[tuple[float, str], ...]
    data_age: float | None
    """Seconds since the newest sample or event from any source; None before the first."""
    stream_problems: int = 0
    """Malformed + unknown messages received so far (all streams)."""
    extra: dict[str, float] = field(default_factory=dict)
    tables: dict[str, TableView] = field(default_factory=dict)
    """Tables read by sources (postgres ``table: true`` queries, the health pack's slow statements)."""
    routes: tuple[RouteStats, ...] = ()
    """Per-route figures over the window (``store.max_routes`` at most), busiest first."""
    metric_errors: dict[str, str] = field(default_factory=dict)
    """Metrics whose latest read failed (a query error or timeout): the value shown is stale, and why."""
    vitals: tuple[KpiView, ...] = ()
    """The five web vitals' p75 as tiles (empty until a ``web_vital`` event arrived)."""
    vital_pages: tuple[VitalStat, ...] = ()
    """Per-page p75 of each vital over the window (at most ``MAX_PAGES`` pages and ``other``)."""
    business: tuple[BusinessStat, ...] = ()
    """Product events per name over the window: count, sum, per minute."""
    admin_actions: tuple[AuditEvent, ...] = ()
    """The service's admin actions (``audit`` events), oldest first, at most :data:`MAX_ADMIN_ACTIONS`."""

    @property
    def since_launch(self) -> float:
        return self.now - self.launch_at


class Monitor:
    """Owns the store and the sources' output; implements the sources' :class:`Sink`."""

    def __init__(self, config: Config, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        settings = config.store
        self.store = MetricStore(clock, settings.retention, settings.resolution, settings.max_series)
        streams = [s.stale_after for s in config.sources if isinstance(s, WebsocketSource)]
        self.freshness = Freshness(self.store, clock, max(streams) if streams else None)
        """Every series' age and ``stale_after``: what makes a tile, a KPI and a rule see stale data as stale."""
        self.retention = settings.retention
        """The sources' border refuses timestamps older than this (see :mod:`opstui.sources.border`)."""
        self.windows = EventWindows(window=settings.window, archive=True)
        self.routes = RouteWindows(settings.window, settings.max_routes, archive=True)
        """Per-route windows (``store.max_routes``); their figures are recorded as ``route_*{route=...}``, their
        latencies kept per hour in the history (``opstui latency --routes``)."""
        self.route_stats: tuple[RouteStats, ...] = ()
        """The routes over the window at the last refresh, busiest first."""
        self.vitals = VitalWindows(settings.window)
        """Web vitals per vital and per page; recorded as ``web_vital_p75{name}`` and ``web_vital_page_p75``."""
        self.vital_site: tuple[VitalStat, ...] = ()
        self.vital_pages: tuple[VitalStat, ...] = ()
        self.business = BusinessWindows(settings.window)
        """Product events per name (and labels); recorded as ``business_count`` / ``_sum`` / ``_per_min``."""
        self.business_stats: tuple[BusinessStat, ...] = ()
        self.admin_actions: deque[AuditEvent] = deque(maxlen=MAX_ADMIN_ACTIONS)
        self.events: deque[LogEntry] = deque(maxlen=settings.event_log)
        self.unsaved: deque[tuple[float, str, str, str]] = deque(maxlen=UNSAVED_EVENTS)
        """The event tail's lines since the history last took them (:meth:`take_unsaved`, every flush)."""
        self.deploys: deque[tuple[float, str]] = deque(maxlen=100)
        self.errors = ErrorGroups()
        """The tail's lines grouped by source, level and message shape (bounded; see opstui.metrics.errors)."""
        self.statuses: dict[str, SourceStatus] = {}
        self.metric_sources: dict[str, str] = {}
        """Which source records each unlabelled metric (the first to record it): a KPI tile is marked
        ``maintenance`` while its source is in an open maintenance window. As many as the store's series."""
        self.kpis: list[tuple[Kpi, KpiRule]] = [
            (kpi, KpiRule.parse(kpi.target, kpi.warning, kpi.critical)) for kpi in config.kpis
        ]
        self._kpi_series = [parse_metric(kpi.metric) for kpi in config.kpis]
        """Each KPI's series: its metric name and exact labels (``business_sum{name="donation"}``)."""
        self.launch_at = config.launch_at.timestamp() if isinstance(config.launch_at, datetime) else clock.now()
        self.last_data: float | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._sources: object | None = None
        self.tables: dict[str, TableView] = {}
        self.metric_errors: dict[str, str] = {}
        self.long_uptime: float | None = None
        """All health checks' uptime over 30 days from the history (set by the core every minute); the
        ``uptime_pct`` series is this when known, else this session's (the seeds judge 99.9 % on 30 days)."""
        self.external_alerts = ExternalAlerts()
        """Alert sets from Alertmanager sources, waiting for the core's next alert turn."""

    # -- Sink -----------------------------------------------------------------------------------
    def record(self, metric: str, value: float, ts: float, labels: dict[str, str] | None = None) -> None:
        self.store.record(metric, value, ts, labels)
        self.last_data = max(self.last_data or ts, ts)

    def sink_for(self, stale_after: float | None, source: str | None = None) -> SourceSink:
        """The sink one source writes to: this monitor, noting that its series go stale after ``stale_after``
        and that they are ``source``'s (:attr:`metric_sources`)."""
        return SourceSink(self, stale_after, source)

    def ingest(self, events: list[Event]) -> None:
        if not events:
            return
        now = self.clock.now()
        self.windows.observe(events, now)
        self.routes.observe(events, now)
        self.vitals.observe(events, now)
        self.business.observe(events, now)
        self.last_data = now
        self.freshness.last_event = now
        stream_limit = self.freshness.stream_stale_after
        for event in events:
            # Requests and payments are the bulk and live only in the windows; the rest is rare.
            if isinstance(event, MetricEvent):
                self.store.record(event.name, event.value, event.ts)
                self.freshness.claim(event.name, None, stream_limit)
            elif isinstance(event, DeployEvent):
                self.deploys.append((event.ts, event.version))
                self._log(LogEntry(event.ts, "deploy", "deploy", f"deployed {event.version}"))
            elif isinstance(event, ErrorEvent):
                self._log(LogEntry(event.ts, event.level, "app", event.message))
            elif isinstance(event, AuditEvent):
                self.admin_actions.append(event)

    def _log(self, entry: LogEntry) -> None:
        """A line for the event tail: kept in the bounded log, counted in its group, and kept for the history."""
        self.log_entry(entry)
        self.unsaved.append((entry.ts, entry.level, entry.source, entry.message))

    def log_entry(self, entry: LogEntry) -> None:
        """Show a line in the event tail (a replay feeds the recorded ones through here)."""
        self.events.append(entry)
        self.errors.add(entry.ts, entry.level, entry.source, entry.message)

    def clear_events(self) -> None:
        """Forget the event tail, its groups and the deploys (a replay going back in time starts them again)."""
        self.events.clear()
        self.errors = ErrorGroups()
        self.deploys.clear()

    def take_unsaved(self) -> list[tuple[float, str, str, str]]:
        """The lines logged since the last call, emptied: what the history writes at its next flush."""
        taken = list(self.unsaved)
        self.unsaved.clear()
        return taken

    def note(self, level: str, source: str, message: str) -> None:
        """A line of the console's own for the event tail (e.g. the history file refused at start)."""
        self._log(LogEntry(self.clock.now(), level, source, clean(message)))

    def status_changed(self, status: SourceStatus) -> None:
        previous = self.statuses.get(status.name)
        self.statuses[status.name] = status
        if previous is not None and previous.state != status.state:
            bad = status.state in (SourceState.DOWN, SourceState.UNREACHABLE)
            level = "critical" if bad else ("warning" if status.state != SourceState.UP else "info")
            reason = f": {status.reason}" if status.reason else ""
            self._log(
                LogEntry(
                    status.last_check or self.clock.now(),
                    level,
                    status.name,
                    f"{previous.state.value} -> {status.state.value}{reason}",
                )
            )

    def alert_set(self, source: str, alerts: AlertSet) -> None:
        """An Alertmanager source's active alerts after a good poll (the core turns them into incidents)."""
        self.external_alerts.offer(source, alerts)

    def set_table(self, name: str, columns: tuple[str, ...], rows: list[tuple[object, ...]], *, note: str = "") -> None:
        """Replace a table's rows (the source bounds them; the cap here guards against a bug there)."""
        if name not in self.tables and len(self.tables) >= MAX_TABLES:
            return
        cells = tuple(tuple(clean(c) if isinstance(c, str) else c for c in row) for row in rows[:MAX_TABLE_ROWS])
        header = tuple(clean(c) for c in columns)
        self.tables[name] = TableView(name, header, cells, self.clock.now(), "", clean(note))

    def set_metric_error(self, name: str, error: str | None) -> None:
        """Mark one metric (or table) stale with why its read failed; ``None`` clears it."""
        if error is None:
            self.metric_errors.pop(name, None)
            return
        error = clean(error)
        if name in self.tables:
            old = self.tables[name]
            self.tables[name] = TableView(old.name, old.columns, old.rows, old.ts, error, old.note)
        if name in self.metric_errors or len(self.metric_errors) < MAX_TABLES * 10:
            self.metric_errors[name] = error

    # -- periodic work --------------------------------------------------------------------------
    def refresh(self) -> None:
        """Fold the event windows into the store as derived series; called once a second."""
        now = self.clock.now()
        # The windows expire by time, so the Routes view shows what the window holds; the series are recorded
        # only while the streams are fresh, as the service-wide ones (a dead stream's routes turn stale too).
        self.route_stats = tuple(self.routes.stats(now))
        self.vital_site = tuple(self.vitals.site(now))
        self.vital_pages = tuple(self.vitals.pages(now))
        self.business_stats = tuple(self.business.by_name(now))
        if self._streams_fresh(now):
            # A dead stream's windows still hold minutes of events: folding them in again would draw old
            # traffic as if it were now. The series stop, age, and turn stale (see opstui.metrics.freshness).
            stats = self.windows.stats(now)
            for name in DERIVED:
                value = getattr(stats, name)
                if value is not None:
                    self.store.record(name, value, now)
            for name in COUNTERS:
                self.store.record(name, float(getattr(self.windows, name)), now)
            for route in self.route_stats:
                labels = {"route": route.route}
                for series, attribute in ROUTE_SERIES:
                    value = getattr(route, attribute)
                    if value is not None:
                        self.store.record(series, value, now, labels)
            self._record_folded(now)
        for status in self.statuses.values():
            # Read by the built-in Source Down rule (see opstui.alerts.seeds): blind for long is an incident.
            if status.state is not SourceState.PENDING:
                up = 0.0 if status.state in BLIND else 1.0
                self.store.record("source_up", up, now, {"source": status.name, "kind": status.kind})
        checks = [s for s in self.statuses.values() if s.kind == "http" and s.checks]
        if self.long_uptime is not None:
            self.store.record("uptime_pct", self.long_uptime, now)
        elif checks:
            total = sum(s.checks for s in checks)
            self.store.record("uptime_pct", 100.0 * sum(s.ok_checks for s in checks) / total, now)

    def _record_folded(self, now: float) -> None:
        """The web vitals' p75 and the product events' figures as labelled series, for rules and history."""
        record = self.store.record
        for vital in self.vital_site:
            record("web_vital_p75", vital.p75, now, {"name": vital.name})
        for vital in self.vital_pages:
            record("web_vital_page_p75", vital.p75, now, {"name": vital.name, "page": vital.page})
        for stat in self.business_stats:
            labels = stat.label_dict
            record("business_count", float(stat.count), now, labels)
            record("business_sum", stat.total, now, labels)
            record("business_per_min", stat.per_min, now, labels)
        for stat in self.business.by_labels(now):
            labels = stat.label_dict
            record("business_labels_count", float(stat.count), now, labels)
            record("business_labels_sum", stat.total, now, labels)

    def _streams_fresh(self, now: float) -> bool:
        """Whether the event streams delivered within their ``stale_after`` (always, without a stream)."""
        limit, last = self.freshness.stream_stale_after, self.freshness.last_event
        return limit is None or last is None or now - last <= limit

    async def start(self) -> None:
        """Start every source and the once-a-second refresh, each as its own task."""
        from opstui.sources.factory import build_sources

        self._sources = build_sources(self.config, self.clock, self)
        for source in self._sources.sources:
            self.statuses[source.name] = source.status
            self._tasks.append(asyncio.create_task(source.run(), name=f"source:{source.name}"))
        self._tasks.append(asyncio.create_task(self._refresh_loop(), name="monitor:refresh"))

    async def _refresh_loop(self) -> None:
        while True:
            try:
                self.refresh()
            except Exception:  # a bug here must not stop the console; it is logged
                log.exception("refresh failed")
            await self.clock.sleep(1.0)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        if self._sources is not None:
            await self._sources.aclose()  # type: ignore[attr-defined]

    # -- reading --------------------------------------------------------------------------------
    def kpi_views(self, history_points: int = 60) -> list[KpiView]:
        now = self.clock.now()
        views = []
        span = history_points * max(self.store.resolution, 1.0)
        unclaimed = max(UNCLAIMED_STALE_AFTER, 3 * self.store.resolution + 60.0)
        for (kpi, rule), (name, labels) in zip(self.kpis, self._kpi_series, strict=True):
            value = self.store.value(name, labels)
            age = self.freshness.age(name, labels, now=now)
            level = rule.level(value)
            if level is not KpiLevel.NO_DATA and self.freshness.is_stale(name, labels, now, unclaimed):
                level = KpiLevel.STALE  # the last value is kept, to be shown as old: never as now
            _, history = self.store.window(name, span, labels)
            views.append(
                KpiView(
                    kpi.metric,
                    kpi.label or kpi.metric,
                    kpi.unit,
                    value,
                    level,
                    kpi.target,
                    kpi.warning,
                    kpi.critical,
                    tuple(history[-history_points:]),
                    kpi.screen,
                    age,
                    tile_key(kpi.metric) if labels else "",
                )
            )
        return views

    def vital_views(self, history_points: int = 60) -> list[KpiView]:
        """The five web vitals' p75 as tiles rated by :data:`~opstui.metrics.vitals.THRESHOLDS` (none before
        the first ``web_vital`` event); stale like any stream figure when the stream or the vitals stop."""
        if not self.vitals.seen_any:
            return []
        now = self.clock.now()
        span = history_points * max(self.store.resolution, 1.0)
        views = []
        for name in VITALS:
            good, poor, unit = THRESHOLDS[name]
            labels = {"name": name}
            value = self.store.value("web_vital_p75", labels)
            level = KpiLevel.NO_DATA
            if value is not None:
                level = VITAL_LEVELS[_rating(name, value)]
                if self.freshness.is_stale("web_vital_p75", labels, now, UNCLAIMED_STALE_AFTER):
                    level = KpiLevel.STALE
            _, history = self.store.window("web_vital_p75", span, labels)
            views.append(
                KpiView(
                    "web_vital_p75",
                    f"{name} p75",
                    unit,
                    value,
                    level,
                    f"≤ {threshold_text(name, good)}",
                    f"> {threshold_text(name, good)}",
                    f"> {threshold_text(name, poor)}",
                    tuple(history[-history_points:]),
                    "executive",
                    self.freshness.age("web_vital_p75", labels, now),
                    f"web-vital-{name.lower()}",
                )
            )
        return views

    def snapshot(self) -> Snapshot:
        now = self.clock.now()
        kpis = self.kpi_views()
        sources = [self.statuses[name] for name in sorted(self.statuses)]
        problems = sum(s.malformed + s.unknown for s in sources)
        return Snapshot(
            now=now,
            environment=self.config.environment,
            launch_at=self.launch_at,
            sources=tuple(sources),
            kpis=tuple(kpis),
            events=tuple(self.events),
            deploys=tuple(self.deploys),
            data_age=None if self.last_data is None else max(0.0, now - self.last_data),
            stream_problems=problems,
            tables=dict(self.tables),
            routes=self.route_stats,
            metric_errors=dict(self.metric_errors),
            vitals=tuple(self.vital_views()),
            vital_pages=self.vital_pages,
            business=self.business_stats,
            admin_actions=tuple(self.admin_actions),
        )

    def latency_series(self, seconds: float) -> dict[str, tuple[list[float], list[float]]]:
        """p50 / p95 / p99 points over the last ``seconds``, for the latency chart."""
        return {name: self.store.window(name, seconds) for name in ("latency_p50", "latency_p95", "latency_p99")}


def tile_key(metric: str) -> str:
    """A tile id for a labelled KPI: ``business_sum{name="donation"}`` -> ``business_sum-name-donation``."""
    return "-".join(part for part in re.split(r"[^A-Za-z0-9_]+", metric) if part)


class SourceSink:
    """What one source writes to: the monitor, with each series it records claimed at the source's
    ``stale_after`` (so the tiles, the KPIs and the rules know when that series is too old to be now)."""

    def __init__(self, monitor: Monitor, stale_after: float | None, source: str | None = None) -> None:
        self._monitor = monitor
        self._stale_after = stale_after
        self._source = source
        self.retention = monitor.retention

    def record(self, metric: str, value: float, ts: float, labels: dict[str, str] | None = None) -> None:
        self._monitor.record(metric, value, ts, labels)
        self._monitor.freshness.claim(metric, labels, self._stale_after)
        if self._source is not None and not labels:
            # A labelled series (check_up{source="api"}) is every source's metric name; only a plain one is a tile.
            self._monitor.metric_sources.setdefault(metric, self._source)

    def ingest(self, events: list[Event]) -> None:
        self._monitor.ingest(events)

    def status_changed(self, status: SourceStatus) -> None:
        self._monitor.status_changed(status)

    def alert_set(self, source: str, alerts: AlertSet) -> None:
        self._monitor.alert_set(source, alerts)

    def set_table(self, name: str, columns: tuple[str, ...], rows: list[tuple[object, ...]], *, note: str = "") -> None:
        self._monitor.set_table(name, columns, rows, note=note)

    def set_metric_error(self, name: str, error: str | None) -> None:
        self._monitor.set_metric_error(name, error)
