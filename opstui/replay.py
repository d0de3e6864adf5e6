"""A console over the past: ``opstui replay`` (and ``P`` in the console) plays the history back through the screens.

:class:`ReplayCore` is a :class:`~opstui.core.Core` that starts no source and runs none of the core's loops (no
rule is evaluated, no incident opened, nothing written): its metric store is kept at the replay clock's cursor by
a :class:`~opstui.metrics.replay.Replayer` reading the history (read-only, so a running console's file is safe),
and its incidents are those of the state store as they stood at the cursor
(:class:`~opstui.incidents.as_of.IncidentsAsOf`, rebuilt from their timelines, read once at the start). The
screens read it as they read a live core; the header shows the cursor.

:func:`replay_of` makes one over a live console's own history and incidents, for the console to show in place of
the live core while the live core keeps running underneath (sources, rules, pages). See docs/history.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from opstui.alerts.feed import attention
from opstui.alerts.model import AlertState
from opstui.alerts.rules import Alert, RuleState
from opstui.clock import zone
from opstui.config.models import Config
from opstui.core import Core
from opstui.incidents.as_of import IncidentsAsOf, read_records
from opstui.incidents.model import AlertPhase, Incident
from opstui.metrics.history_file import HistoryError, HistoryFile, HistoryTables
from opstui.metrics.history_open import history_opener
from opstui.metrics.replay import ReplayClock, Replayer
from opstui.monitor import LogEntry
from opstui.redact import dsn_secrets, redact
from opstui.state import StateStore, open_state

log = logging.getLogger(__name__)

PACE = 0.25
"""Wall seconds between two advances of the store while playing (the screen redraws at its own 1 Hz)."""
DEPLOYED = "deployed "
"""How the event tail writes a deploy (``deployed v1.4.2``, see :meth:`opstui.monitor.Monitor.ingest`)."""
IN_CONSOLE_BACK = 3600.0
"""``P`` in the console starts the replay this long before now (or at the oldest point on record)."""


class ReplayCore(Core):
    """The core of a replaying console: read-only, driven by the replay clock."""

    read_only = True

    def __init__(
        self,
        config: Config,
        clock: ReplayClock,
        history: Path | Callable[[], HistoryTables],
        records_from: StateStore | None = None,
    ) -> None:
        super().__init__(config, clock)
        self.replay_clock = clock
        self.open_history: Callable[[], HistoryTables] = (
            (lambda: HistoryFile(history, read_only=True)) if isinstance(history, Path) else history
        )
        """Opens the history read-only: a file, or the team's PostgreSQL (see opstui.metrics.history_open)."""
        self.replayer: Replayer | None = None
        self.records_from = records_from
        """The state store the incidents are read from: the live console's (``P``), else the config's, opened
        read-only here at the start and closed at the stop (``opstui replay``)."""
        self._own_state: StateStore | None = None
        self.past: IncidentsAsOf | None = None
        """The incidents at the cursor (also :attr:`incidents`, what the screens read); None when not readable."""
        self._shown: tuple[Incident, ...] | None = None
        self.in_console = False
        """Shown in a live console (``P``), which stays underneath: ``P`` goes back to it."""

    async def start(self) -> None:
        """Read the history (raises HistoryError, one line) and the incidents, and show them at the cursor."""

        def read() -> Replayer:
            file = self.open_history()
            try:
                return Replayer(
                    file,
                    self.monitor.store,
                    self.replay_clock,
                    on_event=self._replayed_line,
                    forget_events=self.monitor.clear_events,
                )
            finally:
                file.close()

        self.replayer = await asyncio.to_thread(read)
        await self._read_incidents()
        self.advance()
        self.spawn(self._replay_loop(), "replay")

    def _replayed_line(self, line: tuple[float, str, str, str]) -> None:
        """A recorded line of the event tail, shown as the cursor passes it; a deploy's also marks the deploys
        pane and the latency chart, as it did live."""
        entry = LogEntry(*line)
        self.monitor.log_entry(entry)
        if entry.level == "deploy" and entry.message.startswith(DEPLOYED):
            self.monitor.deploys.append((entry.ts, entry.message.removeprefix(DEPLOYED)))

    async def _read_incidents(self) -> None:
        """The incidents open at some moment of the replay, with their timelines; a store that cannot be read
        is said where the incidents would show (the metrics replay all the same)."""
        store = self.records_from
        try:
            if store is None:
                store = self._own_state = await open_state(self.state_settings, self.clock, read_only=True)
            first = self.replayer.first if self.replayer is not None else None
            since = min(first or math.inf, self.replay_clock.now())
            records = await read_records(store, since)
        except Exception as exc:  # noqa: BLE001 - shown on the On-call screen; the metrics still replay
            self.state_error = redact(f"incidents not replayed: {exc}", dsn_secrets(self.state_settings.dsn or ""))
            log.warning(self.state_error)
            return
        self.past = IncidentsAsOf(
            records,
            store,
            self.replay_clock,
            self.config.incidents,
            escalation=self.config.escalation,
            maintenance=self.maintenance,
        )
        self.incidents = self.past

    async def _replay_loop(self) -> None:
        while True:
            if self.replay_clock.playing:
                self.advance()
            await asyncio.sleep(PACE)

    def advance(self) -> None:
        """Bring the store and the incidents to the cursor; a change in the incidents is a change of state."""
        if self.replayer is not None:
            self.replayer.advance()
            self.monitor.last_data = self.replayer.newest  # the header's data age, at the cursor
        if self.past is None:
            return
        shown = tuple(self.past.at_now())
        self.open_now = tuple(i for i in shown if i.is_open)
        self._attend(attention(list(self.open_now)))
        self.waiting = ()  # what the bell rings for: the past never rings it
        if shown != self._shown:
            self._shown = shown
            self.note_change()  # the screens read the incidents again (the detail's timeline too)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        if self._own_state is not None:
            await self._own_state.close()
            self._own_state = None

    def move(self, seconds: float) -> None:
        """A step or a jump of the cursor (negative: back), shown at once: every screen reads again (the detail's
        ages too), even when no incident changed."""
        self.replay_clock.jump(seconds)
        self.advance()
        self.note_change()

    def toggle(self) -> None:
        """Pause or play."""
        self.replay_clock.toggle()

    def badge(self, short: bool = False) -> str | None:
        """``REPLAY 2026-11-30 02:00:00 ▶ x10``; short, ``REPLAY 11-30 02:00 ▶`` (80 columns keep the counts)."""
        clock = self.replay_clock
        moment = datetime.fromtimestamp(clock.now(), zone(self.config.timezone))
        if short:
            return f"REPLAY {moment:%m-%d %H:%M} {'▶' if clock.playing else '❚❚'}"
        state = f"▶ x{clock.speed:g}" if clock.playing else "❚❚ paused"
        return f"REPLAY {moment:%Y-%m-%d %H:%M:%S} {state}"

    def unavailable(self) -> str:
        return self.state_error or "not replayed (a replay shows the metrics, events, alerts and incidents)"

    def firing_alerts(self) -> list[Alert]:
        """The alerts firing at the cursor, as the incidents record them: the alert of each incident open then
        whose alert had not cleared. The history keeps no rule states of its own, so pending alerts, and those
        that opened no incident (silenced, inhibited), are not replayed."""
        now = self.clock.now()
        return [
            Alert(i.rule, i.fingerprint, i.labels, AlertState.FIRING, i.opened_at, now, math.nan, fired_at=i.opened_at)
            for i in sorted(self.open_now, key=lambda i: (i.rule, i.fingerprint))
            if not i.manual and i.alert_state is AlertPhase.FIRING
        ]

    def rule_overview(self) -> list[RuleState]:
        """Every rule as the alerts view lists it, at the cursor: firing where an incident says so (since it
        opened), else inactive with its metric's value then."""
        firing: dict[str, list[Alert]] = {}
        for alert in self.firing_alerts():
            firing.setdefault(alert.rule, []).append(alert)
        rows: list[RuleState] = []
        for row in self.alerts.overview():  # never evaluated here: one inactive row per rule, valued at the cursor
            alerts = firing.get(row.rule)
            if not alerts:
                rows.append(row)
                continue
            for alert in alerts:
                state = (AlertState.FIRING, alert.fingerprint, alert.labels, row.value, alert.fired_at)
                rows.append(RuleState(row.rule, row.severity, *state, row.error, row.metric))
        return rows


async def replay_of(live: Core, back: float = IN_CONSOLE_BACK) -> ReplayCore:
    """A replay of ``live``'s own history and incidents from ``back`` seconds ago (or the oldest point on
    record), paused, its cursor running at the live clock's pace when played; the live core is not touched.
    Raises :class:`HistoryError` (one line) when there is no history to replay."""
    if live.history is None:
        raise HistoryError(live.history_error or "no history on disk to replay (store.history is off)")
    await live.history.flush()  # the replay shows up to now, not up to the last batch
    _, opener = history_opener(live.config.store, live.state_settings, read_only=True)
    clock = ReplayClock(live.clock.now() - back, wall=live.clock.now)
    clock.pause()
    config = live.config.model_copy(update={"state": live.state_settings})  # --state included
    replay = ReplayCore(config, clock, opener, records_from=live.state)
    replay.in_console = True
    replay.monitor.launch_at = live.monitor.launch_at  # T+ in the header counts from the same launch
    await replay.start()
    first = replay.replayer.first if replay.replayer is not None else None
    if first is None:
        await replay.stop()
        raise HistoryError("the history holds no points yet: nothing to replay")
    if first > clock.now():
        replay.move(first - clock.now())
    return replay
