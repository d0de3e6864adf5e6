"""Typed config models. Every field has a docstring; ``config.example.yaml`` shows them all.

Unknown keys are errors (``extra="forbid"``): a typo such as ``intreval`` must not silently fall
back to a default at 3 a.m.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

from platformdirs import user_data_dir
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from opstui.config.durations import Duration, PositiveDuration


class Model(BaseModel):
    """Base for every config model: strict about unknown keys, frozen once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


# Imported after Model because these settings subclass it (opstui.config imports this module first).
from opstui.config.actions import Action, Contact, check_actions  # noqa: E402
from opstui.config.alerting import AlertingSettings, AlertRules  # noqa: E402
from opstui.config.backup import BackupSource  # noqa: E402
from opstui.config.checklist import ChecklistTasks  # noqa: E402
from opstui.config.incidents import EscalationSettings, IncidentSettings, StateSettings  # noqa: E402
from opstui.config.maintenance import MaintenanceWindow  # noqa: E402
from opstui.config.notify import Notifiers  # noqa: E402
from opstui.config.people import People  # noqa: E402
from opstui.config.rotation import Rotation  # noqa: E402
from opstui.config.status_page import StatusPageSettings  # noqa: E402


class Expect(Model):
    """What a healthy answer from an HTTP check looks like."""

    status: int | list[int] = 200
    """The status code (or codes) that count as up."""
    max_latency: Duration | None = None
    """Slower than this counts as degraded (warning), even with the right status."""
    body_contains: str | None = None
    """A string the body must contain to count as up."""


class PolledHttp(Model):
    """What every source that asks a URL on an interval has (HTTP checks, JSON polls, scrapes)."""

    name: str
    """Unique name, shown in the health-check table and used in metric labels."""
    url: str
    """The URL to request; ``${VAR}`` is replaced from the environment."""
    interval: PositiveDuration = 5.0
    """Time from the start of one check to the start of the next (checks never overlap: one slower than this is
    followed at once by the next)."""
    stale_after: PositiveDuration | None = None
    """A metric this source recorded is stale once its newest point is older than this: its tile says
    ``stale``, its KPI is UNKNOWN and rules treat it as absent. Unset: three intervals."""
    timeout: PositiveDuration = 2.0
    """A request slower than this fails with reason 'timeout' (connect to last byte)."""
    headers: dict[str, str] = Field(default_factory=dict)
    """Extra request headers (for a token use ``${VAR}``; values are never shown)."""
    verify_tls: bool = True


class HttpSource(PolledHttp):
    """Polls one URL: status, latency, up/down, uptime over the session, TLS days left on https."""

    type: Literal["http"]
    method: Literal["GET", "HEAD", "POST"] = "GET"
    expect: Expect = Field(default_factory=Expect)


class JsonSource(PolledHttp):
    """Polls a JSON document and picks values out of it by dotted path (``db.cpu_percent``, ``items.0.n``)."""

    type: Literal["json"]
    interval: PositiveDuration = 10.0
    metrics: dict[str, str]
    """Metric name -> dotted path into the JSON document."""


class WebsocketSource(Model):
    """Listens to a stream of ops events (request, payment, metric, deploy, error); see docs/configuration.md."""

    name: str
    type: Literal["websocket"]
    url: str
    headers: dict[str, str] = Field(default_factory=dict)
    connect_timeout: PositiveDuration = 5.0
    """Giving up on one connection attempt after this long; the source then backs off and retries."""
    stale_after: PositiveDuration = 30.0
    """No message for this long marks the stream stale (it stays connected), and with it every metric the
    stream feeds (error rate, latency percentiles, payment success, the counters, its metric events)."""
    max_message_bytes: int = Field(default=1_048_576, ge=1024, le=64 * 1_048_576)
    """Larger messages are refused by the client (the connection is then re-established)."""


class PgQuery(Model):
    """One named query of a ``postgres`` source: a single value (a metric) or rows (a table pane)."""

    sql: str
    """Runs in a READ ONLY transaction under the source's ``statement_timeout``."""
    table: bool = False
    """False: the first column of the first row is the metric's value. True: the rows are a table."""
    max_rows: int = Field(default=20, ge=1, le=500)
    """A table keeps at most this many rows (the rest are never fetched)."""


class PostgresSource(Model):
    """Reads a PostgreSQL database with asyncpg: named queries as metrics or tables, plus a health pack."""

    name: str
    type: Literal["postgres"]
    dsn: str
    """``postgresql://user:pass@host:5432/db``; write ``${SHOP_DSN}`` to keep the password out of the file.
    The password is never shown on screen, in logs or in errors."""
    interval: PositiveDuration = 30.0
    """Time between the end of one round of queries and the start of the next."""
    stale_after: PositiveDuration | None = None
    """A metric this source recorded is stale once its newest point is older than this: its tile says
    ``stale``, its KPI is UNKNOWN and rules treat it as absent. Unset: three intervals."""
    connect_timeout: PositiveDuration = 5.0
    """Giving up on one connection attempt after this long; the source then backs off and retries."""
    statement_timeout: PositiveDuration = 5.0
    """Each query is cancelled by the server after this long (``SET LOCAL statement_timeout``)."""
    pool_size: int = Field(default=2, ge=1, le=3)
    """Connections the source may hold (the pool keeps one open between rounds)."""
    health: bool = False
    """Also collect the database health pack (connections, long queries, locks, cache, size, lag)."""
    queries: dict[str, str | PgQuery] = Field(default_factory=dict)
    """Metric (or table) name -> SQL, or ``{sql: ..., table: true, max_rows: 10}``."""
    allow_privileged_role: bool = False
    """Connect even when the role is a superuser or may write files / run programs on the server
    (``pg_write_server_files``, ``pg_execute_server_program``). Off: such a role is refused at connect,
    because a read-only transaction does not stop ``COPY ... TO PROGRAM`` or ``dblink_exec``."""

    @field_validator("dsn")
    @classmethod
    def _dsn_works(cls, dsn: str) -> str:
        from opstui.config.dsn import postgres_url

        return postgres_url(dsn)


class ScrapeSource(PolledHttp):
    """Scrapes a service's own ``/metrics`` (Prometheus text or OpenMetrics) with no Prometheus in between."""

    type: Literal["scrape"]
    metrics: dict[str, str]
    """Metric name -> ``jobs_pending`` (a gauge), ``rate(counter)``, ``ratio(a, b)`` (percent) or
    ``quantile(0.95, histogram)`` (ms for a ``*_seconds`` histogram); see docs/prometheus.md."""

    @field_validator("metrics")
    @classmethod
    def _expressions(cls, metrics: dict[str, str]) -> dict[str, str]:
        from opstui.sources.exposition import ExpressionError, parse_expression

        for metric, text in metrics.items():
            try:
                parse_expression(text)
            except ExpressionError as exc:
                raise ValueError(f"{metric}: {exc}") from None
        return metrics


class BasicAuth(Model):
    """HTTP basic authentication; write ``${VAR}`` for the password."""

    username: str
    password: str


class PrometheusSource(Model):
    """PromQL against a Prometheus-compatible API (Prometheus, Thanos, Mimir, VictoriaMetrics)."""

    name: str
    type: Literal["prometheus"]
    url: str
    """The server's base URL, e.g. ``http://prometheus:9090`` (``/api/v1/query`` is appended)."""
    interval: PositiveDuration = 15.0
    stale_after: PositiveDuration | None = None
    """A metric this source recorded is stale once its newest point is older than this: its tile says
    ``stale``, its KPI is UNKNOWN and rules treat it as absent. Unset: three intervals."""
    timeout: PositiveDuration = 5.0
    """Each query gives up after this long (also sent to Prometheus as its own ``timeout``)."""
    headers: dict[str, str] = Field(default_factory=dict)
    """Extra request headers, e.g. ``X-Scope-OrgID`` for Mimir (values are never shown)."""
    basic_auth: BasicAuth | None = None
    bearer_token: str | None = None
    """Sent as ``Authorization: Bearer ...``; write ``${PROM_TOKEN}``."""
    verify_tls: bool = True
    backfill: bool = True
    """At start, read each query's history over ``ui.chart_window`` with ``query_range``."""
    queries: dict[str, str]
    """Metric name -> PromQL. A scalar or one-element vector is the metric; a longer vector becomes
    labelled series ``name{label="..."}`` (bounded by ``store.max_series``)."""


STALE_INTERVALS = 3
"""A polled source's metric is stale after this many intervals without a new point (unless ``stale_after``)."""


def source_stale_after(source: object) -> float | None:
    """How old a metric this source records may get before it is stale; None for a source that records none.

    Its own ``stale_after`` when set, else three intervals (a failing poll retries within two, see
    :mod:`opstui.sources.http`, so one missed answer never marks the data stale on its own).
    """
    explicit = getattr(source, "stale_after", None)
    if isinstance(explicit, float | int):
        return float(explicit)
    interval = getattr(source, "interval", None)
    if isinstance(interval, float | int) and interval > 0:
        return STALE_INTERVALS * float(interval)
    return None


Priority = Literal["P0", "P1", "P2", "P3"]
DEFAULT_SEVERITY_MAP: dict[str, Priority] = {"critical": "P1", "warning": "P2", "info": "P3"}
"""Alertmanager's usual ``severity`` label values and the incident severity each becomes."""


class AlertmanagerSource(Model):
    """Alertmanager's API v2: active alerts become incidents; acknowledging one creates a silence."""

    name: str
    type: Literal["alertmanager"]
    url: str
    """The Alertmanager's base URL, e.g. ``http://alertmanager:9093`` (``/api/v2`` is appended)."""
    interval: PositiveDuration = 10.0
    timeout: PositiveDuration = 5.0
    headers: dict[str, str] = Field(default_factory=dict)
    basic_auth: BasicAuth | None = None
    bearer_token: str | None = None
    verify_tls: bool = True
    filter: list[str] = Field(default_factory=list)
    """Alertmanager label matchers that select the alerts to show, e.g. ``['team="shop"']``."""
    severity_label: str = "severity"
    """The alert label that gives the incident's severity."""
    severity_map: dict[str, Priority] = Field(default_factory=lambda: dict(DEFAULT_SEVERITY_MAP))
    """Label value -> severity; ``P0``..``P3`` are taken as they are; anything else (or no label) is P2."""
    ack_silence: PositiveDuration = 3600.0
    """How long the silence created by an acknowledgement lasts (resolving the incident expires it)."""


Source = Annotated[
    HttpSource
    | JsonSource
    | WebsocketSource
    | PostgresSource
    | ScrapeSource
    | PrometheusSource
    | AlertmanagerSource
    | BackupSource,
    Field(discriminator="type"),
]


class Kpi(Model):
    """A metric with a target and warning / critical thresholds (the seeds' KPI tables)."""

    metric: str
    """A series: ``error_rate``, or one with labels, e.g. ``business_sum{name="donation"}`` (exact labels)."""
    label: str | None = None
    """What the tile says; defaults to the metric name."""
    unit: str = ""
    target: str | None = None
    """Condition for 'on target', e.g. ``< 0.5``."""
    warning: str | None = None
    """Condition for warning, e.g. ``> 1``."""
    critical: str | None = None
    """Condition for critical, e.g. ``> 5``."""
    screen: Literal["engineering", "executive"] = "engineering"
    """Which dashboard shows the tile."""

    @field_validator("metric")
    @classmethod
    def _metric(cls, value: str) -> str:
        from opstui.metrics.kpi import parse_metric

        parse_metric(value)
        return value

    @field_validator("target", "warning", "critical")
    @classmethod
    def _threshold(cls, value: str | None) -> str | None:
        if value is not None:
            from opstui.metrics.kpi import parse_threshold

            parse_threshold(value)
        return value


MAX_POINTS_PER_SERIES = 1_000_000
"""Points one series may hold (16 bytes each): 48 h at 5 s is 34,560; a 1 ms resolution over days is not."""


class StoreSettings(Model):
    """How much history the metric store keeps. Memory is bounded by these numbers."""

    retention: PositiveDuration = 48 * 3600.0
    """How far back each metric's ring buffer reaches."""
    resolution: PositiveDuration = 5.0
    """One point per metric per this much time; capacity = retention / resolution (34,560 by default)."""
    window: Duration = Field(default=300.0, ge=1.0, le=3600.0)
    """The sliding window for error rate, latency percentiles and payment success (1 s to 1 h)."""
    max_series: int = Field(default=2000, ge=1, le=100_000)
    """Hard cap on distinct series; samples for new series beyond it are dropped and counted."""
    event_log: int = Field(default=1000, ge=1, le=100_000)
    """How many recent events (deploys, errors, source changes) the tail keeps."""
    max_routes: int = Field(default=50, ge=1, le=1000)
    """Routes (``/api/orders/:id``) whose error rate, latency and volume are kept per route; the requests of
    further routes are counted as ``other``."""
    history: bool = True
    """Keep the store's history on disk (docs/history.md): charts, window rules and uptime resume after a
    restart. Full resolution for ``retention``, 1-minute rollups for ``rollup_retention``."""
    history_path: str | None = None
    """The history file. Unset: ``<state file>.history.db`` beside the SQLite state file, or ``history.db``
    in the user data directory with a PostgreSQL state store."""
    rollup_retention: Duration = Field(default=90 * 86400.0, ge=3600.0, le=400 * 86400.0)
    """How long the 1-minute rollups (min / max / sum / count) are kept: 1 hour to 400 days."""
    flush_interval: Duration = Field(default=10.0, ge=1.0, le=300.0)
    """Seconds between writes of the history; a ``kill -9`` loses at most this much."""

    @model_validator(mode="after")
    def _fits_in_memory(self) -> StoreSettings:
        # Checked here, so that what validate accepts starts: a series holds retention / resolution points.
        if self.resolution > self.retention:
            raise ValueError("store.resolution must not exceed store.retention")
        points = self.retention / self.resolution
        if points > MAX_POINTS_PER_SERIES:
            raise ValueError(
                f"store.retention / store.resolution is {points:,.0f} points per series; at most "
                f"{MAX_POINTS_PER_SERIES:,} ({MAX_POINTS_PER_SERIES * 16 // 1_048_576} MiB) fit: "
                "raise the resolution or shorten the retention"
            )
        return self


def history_file(store: StoreSettings, state: StateSettings) -> Path:
    """Where the history lives: ``store.history_path``, else ``<state file>.history.db`` beside the SQLite state
    file, else ``history.db`` in the user data directory (a PostgreSQL state store)."""
    if store.history_path:
        return Path(store.history_path).expanduser()
    if state.backend == "sqlite":
        state_file = state.resolved_path()
        return state_file.with_name(f"{state_file.stem}.history.db")
    return Path(user_data_dir("opstui")) / "history.db"


class UiSettings(Model):
    """The console's look and pace."""

    refresh: Duration = Field(default=1.0, ge=0.1, le=60.0)
    """How often the screen redraws from the core (not per event): 0.1 s to 60 s."""
    theme: str = "opstui-dark"
    """Theme name; see ``themes/`` and the user config dir. Set here, it wins over the theme last
    chosen with ``t`` (which the console remembers in the user state dir); ``--theme`` wins over both."""
    chart_window: PositiveDuration = 900.0
    """Time span of the latency chart."""
    keys: dict[str, str] = Field(default_factory=dict)
    """Your key bindings: binding id -> key(s), e.g. ``{oncall.acknowledge: "A", app.quit: "ctrl+q"}``;
    ``?`` shows every binding's id. An id no binding has is refused at start."""


LAUNCH_WITHIN = 366 * 86400.0
"""Seconds ``launch_at`` may lie before or after now."""


class Config(Model):
    """The whole config file."""

    environment: str = "production"
    """Shown in the header."""
    launch_at: datetime | None = None
    """T+0 of the first 48 hours (ISO 8601 with a zone). Unset: the time the console starts."""
    timezone: str = "UTC"
    """Zone for daily / weekly cadences and for times on screen."""
    sources: list[Source] = Field(default_factory=list)
    kpis: list[Kpi] = Field(default_factory=list)
    store: StoreSettings = Field(default_factory=StoreSettings)
    ui: UiSettings = Field(default_factory=UiSettings)
    notifiers: Notifiers = Field(default_factory=list)
    """Where incidents are sent (webhook, Slack, email), each for the severities it lists."""
    operator: str | None = None
    """Who is recorded on acknowledgements, notes and ticks; unset: the login name."""
    runbooks_dir: str | None = None
    """A folder of your own runbooks (``<slug>.md``) that add to or override the built-in ones by slug.
    Unset: ``runbooks`` in the user config dir (``~/.config/opstui/runbooks`` on Linux)."""
    incidents: IncidentSettings = Field(default_factory=IncidentSettings)
    escalation: EscalationSettings = Field(default_factory=EscalationSettings)
    alerts: AlertRules = None
    """Alert rules; unset (null) means the built-in rules from the seeds, ``[]`` means none."""
    alerting: AlertingSettings = Field(default_factory=AlertingSettings)
    state: StateSettings = Field(default_factory=StateSettings)
    maintenance: list[MaintenanceWindow] = Field(default_factory=list)
    """Planned windows (recurring or one-off) whose matching alerts open no incident, as a silence."""
    rotation: Rotation | None = None
    """The on-call rotation (people by week, manager); shown in every header and used to name who is paged."""
    people: People = Field(default_factory=list)
    """People and how each is paged (Slack handle, email, webhook or SMS gateway, phone; per severity): a page
    for one of them goes to their methods only (docs/oncall-routing.md)."""
    checklist: ChecklistTasks | None = None
    """Recurring tasks (cadence, group, linked metric, ``auto:``); unset: the built-in list from the seeds."""
    actions: list[Action] = Field(default_factory=list)
    """Runbook actions: commands or HTTP requests that ``!`` on an incident offers to run (see
    docs/communicate-and-act.md). Only these ever run; never a command from a runbook's text."""
    contacts: list[Contact] = Field(default_factory=list)
    """Who to call (providers' support, teams), shown in the incident detail beside the runbook."""
    status_page: StatusPageSettings = Field(default_factory=StatusPageSettings)
    """The public status page: components (the seed's four by default), how often a P0/P1 wants an update."""

    @model_validator(mode="after")
    def _routing(self) -> Config:
        # Names that cross sections (a policy's person, a person's Slack notifier) are checked once all are read.
        from opstui.config.routing import check_routing

        check_routing(self)
        return self

    @field_validator("actions")
    @classmethod
    def _actions(cls, actions: list[Action]) -> list[Action]:
        return check_actions(actions)

    @field_validator("launch_at")
    @classmethod
    def _launch_within_a_year(cls, launch_at: datetime | None) -> datetime | None:
        # A launch in 9999 used to crash the checklist; the first 48 hours are near now, by definition.
        if launch_at is not None and abs(launch_at.timestamp() - time.time()) > LAUNCH_WITHIN:
            raise ValueError("launch_at must be within a year of now")
        return launch_at

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        # Checked here so that a typo is a config error at start, not a crash when the checklist builds.
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{zone!r} is not a time zone; write an IANA name like UTC or Europe/Berlin") from None
        return zone

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, sources: list[Source]) -> list[Source]:
        seen: set[str] = set()
        for source in sources:
            if source.name in seen:
                raise ValueError(f"two sources are named {source.name!r}; names must be unique")
            seen.add(source.name)
        return sources
