"""The console's core: the object the UI holds, joining the live metrics to the shared state.

A :class:`Core` owns the :class:`~opstui.monitor.Monitor` (sources, metric store, KPIs: the live
figures), the state store, the incident manager, the alert rules, the checklist and the rotation, and
runs their loops. It knows no screen. The UI holds one, reads it once a second and sends it commands;
it never opens a socket or a database itself. Tests build a Core with a
:class:`~opstui.clock.FakeClock` and a temporary state file and drive it exactly as the screens do.

How the core tells anyone that the shared state changed (an incident, a note, a tick, from this
console or another): it counts the change in :attr:`Core.state_version` and calls each listener given
to :meth:`Core.on_change` with the new count. That is the only signal. The console's listener posts a
:class:`opstui.ui.messages.StateChanged` message to the screen in front (see that module); a test's
listener can set an event of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opstui.alerts.bell import Bell, Waiting
from opstui.alerts.external import reconcile, source_prefix
from opstui.alerts.feed import Attention, IncidentFeed, attention
from opstui.alerts.inhibit import Inhibitor
from opstui.alerts.model import AlertTransition
from opstui.alerts.rules import Alert, RuleEngine, RuleState
from opstui.alerts.seeds import console_rules
from opstui.checklist.board import Checklist, MonitorValues
from opstui.clock import Clock, zone
from opstui.config.durations import format_duration
from opstui.config.incidents import operator_name
from opstui.config.models import Config, PrometheusSource, history_file
from opstui.config.rotation import OnCall
from opstui.incidents.maintenance import Maintenance
from opstui.incidents.manager import IncidentManager
from opstui.incidents.model import Incident, Override, Silence
from opstui.incidents.oncall import on_call_text, with_overrides
from opstui.incidents.review_charts import metrics_section
from opstui.metrics.history import History, HistoryError
from opstui.metrics.history_open import history_opener
from opstui.metrics.uptime import JUDGED, WINDOWS, Excluded, Uptime, overall
from opstui.monitor import Monitor, Snapshot
from opstui.redact import dsn_secrets, redact
from opstui.sources.base import SourceState
from opstui.sources.factory import build_owners
from opstui.state import Notification, StateError, StateStore, open_state
from opstui.state.outbox_sql import is_trouble
from opstui.state.protocol import ComponentOverride
from opstui.status import KpiLevel, Status
from opstui.statuspage.derive import ComponentState, derive

if TYPE_CHECKING:
    from opstui.notify.dispatcher import NotificationDispatcher
    from opstui.sources.alertmanager import AlertmanagerOwner, AmSilence

log = logging.getLogger(__name__)

ChangeListener = Callable[[int], None]
"""Called with the new :attr:`Core.state_version` after each change to the shared state; must not block."""

CHECKLIST_REFRESH = 5.0
"""Seconds between checklist refreshes: ticks from another console show within this; due times are minutes."""
PAGES_REFRESH = 5.0
"""Seconds between readings of the outbox for the header's ``N pages failing``."""
UPTIME_REFRESH = 60.0
"""Seconds between readings of the uptime over days from the history (a minute moves a 30-day figure little)."""
PAGE_TROUBLE_KEPT = 86400.0
"""A page given up on stays counted in the header for this long after its last attempt."""
UPDATES_REFRESH = 30.0
"""Seconds between readings of the open P0/P1 incidents' public updates, for the header's nag."""
PAGE_TROUBLE_SHOWN = 5
PAGE_TROUBLE_SCAN = 200


@dataclass(frozen=True, slots=True)
class HeaderCounts:
    """What the header of every screen shows beside the status: what needs a human now."""

    unacknowledged: int = 0
    overdue_tasks: int = 0
    banner: str | None = None
    """A new P0/P1 incident's one-line banner, shown on every screen until acknowledged."""
    on_call: str | None = None
    """Who is on call now (primary, secondary, when the shift ends), when a rotation is configured."""
    on_call_short: str | None = None
    """The same for a narrow header (``ana/ben →Mon``), so 80 columns keep it whole."""


@dataclass(frozen=True, slots=True)
class OverallStatus:
    """The header's status, and the terms that made it what it is (worst first), so it can say why."""

    status: Status
    causes: tuple[str, ...] = ()


SOURCE_TERM = {
    SourceState.DOWN: Status.CRITICAL,
    SourceState.UNREACHABLE: Status.UNKNOWN,
    SourceState.STALE: Status.UNKNOWN,
    SourceState.DEGRADED: Status.WARNING,
}
"""What a source's state adds to the header's status (up and not-yet-checked add nothing)."""


class Core:
    """Everything the console shows and changes, without a screen."""

    read_only = False
    """A core that only looks (a replay, :mod:`opstui.replay`): the screens name no key that acts."""

    def __init__(self, config: Config, clock: Clock, state_path: str | None = None) -> None:
        self.config = config
        self.clock = clock
        self.monitor = Monitor(config, clock)
        settings = config.state
        if state_path is not None:
            settings = settings.model_copy(update={"path": state_path, "backend": "sqlite"})  # --state: a file
        self.state_settings = settings
        self.operator = operator_name(config.operator)
        self.state: StateStore | None = None
        self.incidents: IncidentManager | None = None
        self.state_error: str | None = None
        """Why the state store could not be opened; the console still shows live metrics."""
        self.unacknowledged = 0
        """Open incidents nobody has acknowledged; kept current by the alert loop."""
        self.overdue_tasks = 0
        """Checklist tasks past due; kept current by the checklist loop."""
        self.banner: str | None = None
        """Set by the alert loop when a P0/P1 opens; cleared when it is acknowledged."""
        self.banner_incident: int | None = None
        """The id of the banner's incident: what the banner key acknowledges."""
        self.incident_status = Status.OK
        self.open_now: tuple[Incident, ...] = ()
        """The open incidents as last read (the alert loop, the change feed): what the components derive from."""
        self.component_overrides: tuple[ComponentOverride, ...] = ()
        """The operator's status page overrides in force (or ending later), as last read from the state store."""
        self.waiting: tuple[Waiting, ...] = ()
        """The unacknowledged incidents (id, severity, triggered at) as last read: what the bell rings for."""
        self.maintenance = Maintenance(config.maintenance, config.timezone)
        """The config's maintenance windows: they silence alerts and mark their sources ``maintenance``."""
        self.bell = Bell(config.alerting.bell)
        """When the terminal bell rings (``alerting.bell`` per severity) and this console's mute."""
        """The firing incidents' term of the header's status (a firing P0/P1 is CRITICAL)."""
        self.notifications_failing = 0
        """Pages that could not be delivered (kept current from the outbox): a WARNING in the header."""
        self.page_trouble: tuple[Notification, ...] = ()
        """The newest pages failing or given up on (at most :data:`PAGE_TROUBLE_SHOWN`), for the On-call screen."""
        self.on_call: str | None = None
        """Set by the rotation, when one is configured."""
        self.on_call_short: str | None = None
        self.update_nag: str | None = None
        """``#7 P0 Payment System Down: no public update for 34m`` when a P0/P1 has gone without a status update
        for ``status_page.update_every``; kept current by the updates loop, shown under the header."""
        self.rotation_now: OnCall | None = None
        """The rotation's primary, secondary and manager now, overrides applied; kept current by the rotation loop."""
        self.overrides: tuple[Override, ...] = ()
        """The stored on-call overrides in force or to come; re-read every minute and when any console adds one."""
        self.state_version = 0
        """Counts changes to the shared state (this console's and other consoles'); a screen compares it to the
        value it last read, so one shown again after a while reloads only when something moved."""
        self._listeners: list[ChangeListener] = []
        self.refresh_on_call()
        self._tasks: list[asyncio.Task[None]] = []
        self.checklist: Checklist | None = None
        """The checklist (config's or built-in tasks); built in :meth:`start` once the state store is open."""
        self.alerts = RuleEngine(
            console_rules(config), self.monitor.store, clock, config.alerting, self.monitor.freshness
        )
        """The alert rules' states (pending / firing / resolved); fed to the incidents by the alert loop."""
        self._feed: IncidentFeed | None = None
        self._evaluating = asyncio.Lock()
        self.alertmanagers: list[AlertmanagerOwner] = []
        """The Alertmanagers of the config, told of acknowledgements and resolutions; their silences listable."""
        self._checklist_turn = asyncio.Lock()
        self.history: History | None = None
        """The store's history on disk (docs/history.md); None when off or refused."""
        self.uptime: dict[str, Uptime] = {}
        """Each health check's uptime over 24 h / 7 d / 30 d / 90 d from the history; refreshed every minute."""
        self.history_error: str | None = None
        """Why the history file was refused at start (one line); the console runs on without it."""
        self.inhibited: dict[str, str] = {}
        """Alerts an inhibit rule holds back (fingerprint: its inhibitor's), as of the alert loop's last turn."""
        self.silences: tuple[Silence, ...] = ()
        """opstui's own silences in force, as of the alert loop's last turn (the alerts line marks what they cover)."""

    async def start(self) -> None:
        """Open the state store (a failure is shown, not fatal) and start the sources."""
        self.alertmanagers = build_owners(self.config, self.clock)
        try:
            self.state = await open_state(self.state_settings, self.clock)
        except Exception as exc:  # noqa: BLE001 - shown in the header; live metrics still work
            secrets = dsn_secrets(self.state_settings.dsn or "")
            self.state_error = redact(f"state store unavailable: {exc}", secrets)
            log.warning(self.state_error)
        if self.state is not None:
            self.incidents = IncidentManager(
                self.state,
                self.clock,
                self.config.incidents,
                self.operator,
                escalation=self.config.escalation,
                on_call=self._rotation_at_now,
                owners=self.alertmanagers,
                maintenance=self.maintenance,
            )
        await self._open_history()  # before the sources: the rings are filled from disk, then live data follows
        await self.monitor.start()
        if self.state is not None:
            self.checklist = Checklist.from_config(
                self.config,
                clock=self.clock,
                state=self.state,
                operator=self.operator,
                launch_at=self.monitor.launch_at,
                live=MonitorValues(self.monitor, self.clock),
            )
            self.spawn(self._checklist_loop(), "checklist")
        if self.config.rotation is not None:
            self.spawn(self._rotation_loop(), "rotation")
        if self.state is not None:
            self.spawn(self._change_loop(self.state), "changes")
        self.spawn(self._alert_loop(), "alerts")
        if self.state is not None:
            self.spawn(self._notify_loop(self.state), "notify")
            self.spawn(self._pages_loop(self.state), "pages")
            self.spawn(self._updates_loop(), "status updates")

    def history_path(self) -> Path:
        """``store.history_path``, else beside the SQLite state file, else in the user data directory."""
        return history_file(self.config.store, self.state_settings)

    async def _open_history(self) -> None:
        """Load the history into the store and start its writer; a damaged file is refused with one line (in
        the log and the event tail) and the console runs on without history."""
        if not self.config.store.history:
            return
        prometheus = frozenset(
            name for s in self.config.sources if isinstance(s, PrometheusSource) for name in s.queries
        )
        _, opener = history_opener(self.config.store, self.state_settings)
        history = History(
            self.history_path(),
            self.monitor.store,
            self.clock,
            rollup_retention=self.config.store.rollup_retention,
            flush_interval=self.config.store.flush_interval,
            exclude=prometheus,
            opener=opener,
            latencies=self.monitor.windows.take_archive,
            route_latencies=self.monitor.routes.take_archive,
            max_routes=self.config.store.max_routes,
            events=self.monitor.take_unsaved,
        )
        try:
            await history.open()
        except HistoryError as exc:
            self.history_error = str(exc)
            log.warning(self.history_error)
            self.monitor.note("warning", "history", self.history_error)
            return
        self.history = history
        await self.refresh_uptime()  # the Uptime tile and the health table start from the days on record
        self.spawn(history.run(), "history")
        self.spawn(self._uptime_loop(), "uptime")

    async def refresh_uptime(self) -> None:
        """Read each health check's uptime over days from the history; the Uptime tile is judged on 30 days."""
        if self.history is None:
            return
        self.uptime = {row.source: row for row in await self.history.uptime(self.maintenance_spans())}
        self.monitor.long_uptime = overall(list(self.uptime.values()), JUDGED)

    async def review_charts(self, incident: Incident) -> list[str]:
        """The review's "Metrics around the incident" lines, read from the history file on a thread of
        their own (a read-only connection beside the writer's)."""
        kpis = [(kpi.metric, kpi.label or kpi.metric) for kpi in self.config.kpis if kpi.screen == "engineering"]
        now, tz = self.clock.now(), zone(self.config.timezone)
        if self.history is None:
            return metrics_section(incident, None, kpis, now, tz)
        await self.history.flush()  # the review shows the points up to now, not up to the last batch
        _, opener = history_opener(self.config.store, self.state_settings, read_only=True)

        def read() -> list[str]:
            try:
                file = opener()
            except HistoryError:
                return metrics_section(incident, None, kpis, now, tz)
            try:
                return metrics_section(incident, file, kpis, now, tz)
            finally:
                file.close()

        return await asyncio.to_thread(read)

    async def _uptime_loop(self) -> None:
        assert self.history is not None
        while True:
            # Until the first checks are on record (a new file), read again after each flush, not a minute later.
            await self.clock.sleep(UPTIME_REFRESH if self.uptime else self.history.flush_interval + 1.0)
            try:
                await self.refresh_uptime()
            except Exception as exc:  # noqa: BLE001 - a locked file is retried next turn, not fatal
                log.warning("uptime not read: %s: %s", type(exc).__name__, exc)
            _raise_if_cancelling()

    async def stop(self) -> None:
        pending = set(self._tasks)
        while pending:
            # Cancel again what is still running: on Python 3.11 asyncio.wait_for (inside the state store)
            # can swallow a cancel that lands as its work completes, and the loop then sleeps on.
            for task in pending:
                task.cancel()
            _, pending = await asyncio.wait(pending, timeout=1.0)
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        await self.monitor.stop()
        if self.history is not None:
            await self.history.close()  # after the sources stopped: the last points are flushed
            self.history = None
        for owner in self.alertmanagers:
            await owner.aclose()
        self.alertmanagers = []
        if self.state is not None:
            await self.state.close()
            self.state = None

    def spawn(self, loop: Coroutine[Any, Any, None], name: str) -> None:
        """Run one of the core's background loops until :meth:`stop`; a loop that dies is logged, not fatal."""
        task = asyncio.create_task(loop, name=name)
        task.add_done_callback(_log_death)
        self._tasks.append(task)

    async def evaluate_once(self) -> None:
        """One turn of the alert loop: rules -> incidents, escalation and auto-resolve, header counts.

        Public so that tests and the UI can drive a turn without waiting for the timer.
        """
        async with self._evaluating:  # the loop and a screen may ask at once; turns never interleave
            transitions = self.alerts.evaluate()
            if self.incidents is None:
                return
            if self._feed is None:
                self._feed = IncidentFeed(self.alerts, self.incidents, Inhibitor(self.config.alerting.inhibit))
            transitions += await self._external_turn(self.incidents)
            self.open_now = tuple(await self._feed.turn(transitions))
            self._attend(attention(list(self.open_now)))
            self.silences = tuple(await self.incidents.silences())
            self.inhibited = dict(self._feed.inhibited)

    def firing_alerts(self) -> list[Alert]:
        """The alerts pending, firing or recently resolved (the Engineering screen's alerts line): the rules'."""
        return self.alerts.alerts()

    def rule_overview(self) -> list[RuleState]:
        """Every rule's state (the alerts view, ``L``): the rule engine's."""
        return self.alerts.overview()

    def silenced(self, alert: Alert) -> bool:
        """Whether one of opstui's silences in force covers ``alert`` (as of the alert loop's last turn)."""
        return any(s.covers(alert.rule, alert.fingerprint, alert.labels) for s in self.silences)

    async def _external_turn(self, incidents: IncidentManager) -> list[AlertTransition]:
        """Apply the Alertmanager sources' newest alert sets: resolve what they no longer report, and return
        the alerts that have no open incident yet (the feed opens them with the rules' own)."""
        sets = self.monitor.external_alerts.take()
        if not sets:
            return []
        try:
            firing, gone = reconcile(sets, await incidents.open_incidents())
            for incident in gone:
                await incidents.resolve_gone(incident, "Alertmanager")
        except Exception:
            self.monitor.external_alerts.put_back(sets)  # retried next turn: the newest set is what counts
            raise
        return firing

    async def _alert_loop(self) -> None:
        task = asyncio.current_task()
        while True:
            try:
                await self.evaluate_once()
            except Exception as exc:  # noqa: BLE001 - a locked store is retried next turn, not fatal
                log.warning("alert evaluation failed: %s: %s", type(exc).__name__, exc)
            if task is not None and task.cancelling():
                raise asyncio.CancelledError  # a cancel that wait_for swallowed (Python 3.11): stop anyway
            await self.clock.sleep(self.config.alerting.interval)

    def build_dispatcher(self, state: StateStore) -> NotificationDispatcher:
        """The dispatcher of the state store's outbox, as the config sets it (``incidents.page_max_age``)."""
        from opstui.notify.dispatcher import NotificationDispatcher, build_channels
        from opstui.notify.people import person_notifiers
        from opstui.notify.state_outbox import StateOutbox, lease_for
        from opstui.statuspage.publish import publish_channels, publish_notifier

        hook = publish_notifier(self.config.status_page)
        personal = person_notifiers(self.config.people, self.config.notifiers)
        # The published updates' webhook is not a notifier (incident pages are not fanned out to it), but a
        # claim must outlast its sends too.
        lease = lease_for([*self.config.notifiers, *personal, *([hook] if hook is not None else [])])
        outbox = StateOutbox(state, self.config.notifiers, self.clock, lease=lease, people=self.config.people)
        channels = {
            **build_channels([*self.config.notifiers, *personal]),
            **publish_channels(self.config.status_page),
        }
        return NotificationDispatcher(outbox, channels, self.clock, max_age=self.config.incidents.page_max_age)

    async def _notify_loop(self, state: StateStore) -> None:
        """Deliver the state store's outbox to the configured notifiers until the core stops."""
        dispatcher = self.build_dispatcher(state)
        try:
            await dispatcher.run()
        finally:
            await dispatcher.aclose()

    async def refresh_pages(self) -> None:
        """Read the outbox for the header and the On-call screen: how many pages are failing, and which."""
        state = self.state
        if state is None:
            return
        since = self.clock.now() - PAGE_TROUBLE_KEPT
        self.notifications_failing = await state.failing_count(since)
        recent = await state.notifications(PAGE_TROUBLE_SCAN)
        self.page_trouble = tuple(item for item in recent if is_trouble(item, since))[:PAGE_TROUBLE_SHOWN]

    async def _pages_loop(self, state: StateStore) -> None:
        while True:
            try:
                await self.refresh_pages()
            except Exception as exc:  # noqa: BLE001 - a locked store is retried next turn, not fatal
                log.warning("outbox not read: %s: %s", type(exc).__name__, exc)
            _raise_if_cancelling()
            await self.clock.sleep(PAGES_REFRESH)

    async def refresh_update_nag(self) -> None:
        """Which open P0/P1 incident has gone longest without a public update past ``update_every``, if any."""
        from opstui.statuspage.model import silent_for, updates_of

        manager = self.incidents
        if manager is None:
            return
        now, every = self.clock.now(), self.config.status_page.update_every
        silent: list[tuple[float, str]] = []
        for incident in await manager.open_incidents():
            if (quiet := silent_for(incident, [], every, now)) is None:
                continue  # not a P0/P1, or opened too recently to need an update yet
            quiet = silent_for(incident, updates_of(await manager.timeline(incident.id)), every, now)
            if quiet is not None:
                silent.append((quiet, f"#{incident.id} {incident.severity.value} {incident.title}"))
        if not silent:
            self.update_nag = None
            return
        quiet, named = max(silent)
        more = f" (+{len(silent) - 1} more)" if len(silent) > 1 else ""
        self.update_nag = f"{named}: no public update for {format_duration(quiet)}{more}"

    async def refresh_component_overrides(self) -> None:
        """Re-read the status page overrides in force (after this console set one; the feed brings others')."""
        if self.state is not None:
            self.component_overrides = tuple(await self.state.component_overrides(self.clock.now()))

    async def _refresh_component_overrides_quietly(self) -> None:
        try:
            await self.refresh_component_overrides()
        except Exception as exc:  # noqa: BLE001 - the updates loop reads them again
            log.warning("status page overrides not read: %s: %s", type(exc).__name__, exc)

    def component_states(self, incidents: Sequence[Incident] | None = None) -> list[ComponentState]:
        """Every status page component's status now: derived from the sources, the KPIs, the open incidents
        (``incidents``, or as last read) and the maintenance windows, unless an operator's override is in force."""
        monitor = self.monitor
        return derive(
            self.config.status_page.components,
            list(self.open_now if incidents is None else incidents),
            sources={name: status.state for name, status in monitor.statuses.items()},
            kpis={kpi.metric: kpi.level for kpi in monitor.kpi_views()},
            maintenance=self.maintenance_sources(),
            overrides=self.component_overrides,
            now=self.clock.now(),
        )

    async def _updates_loop(self) -> None:
        while True:
            await self._refresh_component_overrides_quietly()
            try:
                await self.refresh_update_nag()
            except Exception as exc:  # noqa: BLE001 - a locked store is retried next turn, not fatal
                log.warning("status updates not read: %s: %s", type(exc).__name__, exc)
            _raise_if_cancelling()
            await self.clock.sleep(UPDATES_REFRESH)

    def refresh_on_call(self) -> None:
        """Read the rotation at the clock's now, overrides applied: primary, secondary and the shift's end go in
        every header (``ana/ben to 18:00``)."""
        if self.config.rotation is None:
            return
        now = self.clock.now()
        self.rotation_now = with_overrides(self.config.rotation.who_is_on_call(now), self.overrides, now)
        self.on_call = on_call_text(self.rotation_now, now, zone(self.config.timezone))
        self.on_call_short = on_call_text(self.rotation_now, now, zone(self.config.timezone), short=True)

    async def refresh_overrides(self) -> None:
        """Read the stored overrides (another console's too), then who is on call with them."""
        if self.state is not None and self.config.rotation is not None:
            self.overrides = tuple(await self.state.overrides_from(self.clock.now()))
        self.refresh_on_call()

    def _rotation_at_now(self) -> OnCall | None:
        """Escalation asks who holds each role at the moment it pages, not a minute-old reading; the rotation
        alone: the manager applies the overrides it reads from the store itself."""
        self.refresh_on_call()
        rotation = self.config.rotation
        return None if rotation is None else rotation.who_is_on_call(self.clock.now())

    async def _rotation_loop(self) -> None:
        while True:
            try:
                await self.refresh_overrides()
            except Exception as exc:  # noqa: BLE001 - a locked store is retried next minute; the rotation shows
                log.warning("overrides not read: %s: %s", type(exc).__name__, exc)
                self.refresh_on_call()
            await self.clock.sleep(60.0)

    def on_change(self, listener: ChangeListener) -> Callable[[], None]:
        """Call ``listener(state_version)`` after each change to the shared state; returns the unsubscribe."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def note_change(self) -> None:
        """Count one change to the shared state and tell every listener (the module docstring says how)."""
        self.state_version += 1
        for listener in list(self._listeners):
            try:
                listener(self.state_version)
            except Exception:  # noqa: BLE001 - one broken listener must not stop the change feed
                log.exception("change listener failed")

    async def _change_loop(self, state: StateStore) -> None:
        """Follow the store's change feed (NOTIFY on PostgreSQL, a poll on SQLite) so that another
        console's acknowledgement shows here within a second; the feed itself reconnects and catches up."""
        delay = 1.0
        since: int | None = None
        while True:
            try:
                feed = await state.subscribe(since)
                try:
                    async for change in feed:
                        since = change.seq
                        if change.kind == "tick":
                            # Another console's tick shows here within a second, not at the next 5 s turn;
                            # the board is fresh before the screens are woken.
                            await self._refresh_checklist_quietly()
                        elif change.kind == "override":
                            # Another console's override changes who is on call here within a second.
                            with contextlib.suppress(StateError):
                                await self.refresh_overrides()
                        elif change.kind == "component_override":
                            await self._refresh_component_overrides_quietly()
                        elif change.kind == "incident":
                            # An acknowledgement (here or on another console) clears the header's count and
                            # the banner now, not at the alert loop's next turn.
                            await self._refresh_attention_quietly()
                        self.note_change()
                        delay = 1.0
                finally:
                    await feed.aclose()  # type: ignore[attr-defined]
            except StateError as exc:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise asyncio.CancelledError from None  # stopping: the store is closing under us
                log.warning("change feed: %s; retrying in %gs", exc, delay)
                await self.clock.sleep(delay)
                delay = min(30.0, delay * 2)

    async def refresh_checklist(self) -> None:
        """One turn of the checklist loop: re-read ticks (other consoles' too), auto ticks, overdue count."""
        if self.checklist is None:
            return
        async with self._checklist_turn:  # the timer and the change feed may ask at once; turns never interleave
            await self.checklist.refresh()
            self.overdue_tasks = self.checklist.overdue

    def _attend(self, now: Attention) -> None:
        self.unacknowledged, self.banner, self.banner_incident = now.unacknowledged, now.banner, now.banner_incident
        self.incident_status = now.status
        self.waiting = now.waiting

    async def refresh_attention(self) -> None:
        """Re-read the open incidents for the header now (after this console acknowledged one)."""
        await self._refresh_attention_quietly()

    async def _refresh_attention_quietly(self) -> None:
        if self.incidents is None:
            return
        try:
            self.open_now = tuple(await self.incidents.open_incidents())
            self._attend(attention(list(self.open_now)))
        except Exception as exc:  # noqa: BLE001 - the alert loop's next turn sets them anyway
            log.warning("header counts not refreshed: %s: %s", type(exc).__name__, exc)

    async def _refresh_checklist_quietly(self) -> None:
        try:
            await self.refresh_checklist()
        except Exception as exc:  # noqa: BLE001 - a locked store is retried next turn, not fatal
            log.warning("checklist refresh failed: %s: %s", type(exc).__name__, exc)

    async def _checklist_loop(self) -> None:
        while True:
            await self._refresh_checklist_quietly()
            _raise_if_cancelling()
            await self.clock.sleep(CHECKLIST_REFRESH)

    async def alertmanager_silences(self) -> tuple[list[AmSilence], list[str]]:
        """The silences in force in every Alertmanager of the config, and one line per one that could not say."""
        from opstui.sources.alertmanager import AlertmanagerError  # httpx: not before the first frame

        silences: list[AmSilence] = []
        problems: list[str] = []
        for owner in self.alertmanagers:
            try:
                silences += await owner.silences()
            except AlertmanagerError as exc:
                problems.append(f"{owner.cfg.name}: {exc}")
        return silences, problems

    async def expire_alertmanager_silence(self, silence: AmSilence) -> None:
        """Expire one of Alertmanager's silences; recorded on the timeline of its alert's incident, if any."""
        owner = next(o for o in self.alertmanagers if o.cfg.name == silence.source)
        await owner.expire(silence)
        if silence.labels is None or self.state is None or self.incidents is None:
            return
        incident = await self.state.latest_incident(owner.fingerprint_of(silence.labels))
        if incident is not None:
            text = (
                f"Alertmanager {silence.source}: silence {silence.id} by {silence.created_by} expired from the console"
            )
            await self.incidents.add_note(incident.id, text)

    def stale_alert_sources(self) -> tuple[str, ...]:
        """Fingerprint prefixes of the Alertmanager sources not read successfully now: their incidents are stale."""
        return tuple(
            source_prefix(status.name)
            for status in self.monitor.statuses.values()
            if status.kind == "alertmanager" and status.state not in (SourceState.UP, SourceState.DEGRADED)
        )

    def maintenance_sources(self, now: float | None = None) -> dict[str, str]:
        """The sources in an open maintenance window now (source: the window's name): every pane marks them
        ``maintenance``, neither down nor calm."""
        if not self.maintenance:
            return {}
        names = {s.name for s in self.config.sources} | set(self.monitor.statuses)
        return self.maintenance.sources_at(self.clock.now() if now is None else now, sorted(names))

    def maintenance_spans(self) -> Excluded | None:
        """Per source, when it was under maintenance over the longest uptime window: what uptime leaves out."""
        if not self.maintenance:
            return None
        now = self.clock.now()
        names = {s.name for s in self.config.sources} | set(self.monitor.statuses)
        return self.maintenance.spans_by_source(now - max(seconds for _, seconds in WINDOWS), now, names)

    def unavailable(self) -> str:
        """Why the shared state (incidents, checklist, audit) is not shown: said where it would be."""
        return self.state_error or "the state store is not open yet"

    def badge(self, short: bool = False) -> str | None:
        """A word the header shows beside the status (a replay's cursor; ``short`` for 80 columns); None live."""
        return None

    def header_counts(self) -> HeaderCounts:
        """The counts the header shows; refreshed by the core's own loops, read without waiting."""
        return HeaderCounts(
            unacknowledged=self.unacknowledged,
            overdue_tasks=self.overdue_tasks,
            banner=self.banner,
            on_call=self.on_call,
            on_call_short=self.on_call_short,
        )

    def overall_status(self, snapshot: Snapshot | None = None) -> OverallStatus:
        """The header's status: the worst of the KPI levels, the firing incidents (a firing P0/P1 is
        CRITICAL whatever the KPIs say), the sources down or stale, the state store and failing notifiers.

        Never calm while broken: each term can only make the status worse, and each one that does is named.
        """
        snap = snapshot or self.monitor.snapshot()
        terms: list[tuple[Status, str]] = []
        if self.incident_status is not Status.OK:
            terms.append((self.incident_status, "incidents firing"))
        for kpi in snap.kpis:
            if kpi.level is not KpiLevel.NO_DATA and kpi.level.status is not Status.OK:
                terms.append((kpi.level.status, f"{kpi.label} {kpi.level.value}"))
        maintenance = self.maintenance_sources(snap.now)
        for source in snap.sources:
            if source.name in maintenance and source.state in SOURCE_TERM:
                # Planned: said (never calm while it is down), but as a warning, not as an outage.
                terms.append((Status.WARNING, f"{source.name} {source.state.value} (maintenance)"))
            elif source.state in SOURCE_TERM:
                terms.append((SOURCE_TERM[source.state], f"{source.name} {source.state.value}"))
        if self.state_error is not None:
            terms.append((Status.CRITICAL, "state store unavailable"))
        if self.notifications_failing > 0:
            terms.append((Status.WARNING, "notifications failing"))
        status = Status.worst([term for term, _ in terms])
        order = [Status.CRITICAL, Status.UNKNOWN, Status.WARNING, Status.OK]
        causes = tuple(cause for _, cause in sorted(terms, key=lambda t: order.index(t[0])))
        return OverallStatus(status, causes)


def _raise_if_cancelling() -> None:
    """Honour a cancel that Python 3.11's ``asyncio.wait_for`` swallowed because the state call finished
    at the same moment; otherwise the loop would park on the clock and :meth:`Core.stop` wait forever."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


def _log_death(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("background loop %s stopped: %s", task.get_name(), task.exception())
