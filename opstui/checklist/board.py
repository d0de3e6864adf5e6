"""The checklist the console drives: tasks + clock + ticks in the state store -> views, and the
commands that change it (tick, skip, note, undo).

Every command is committed to the state store before it returns, and only then does the view show
it; a refresh re-reads the store, so ticks from another console on the same state appear on the next
refresh. ``auto:`` tasks are ticked by the refresh itself, as ``opstui (auto)``, with what was seen.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from opstui.checklist.auto import LiveValues
from opstui.checklist.builtin import builtin_tasks
from opstui.checklist.evaluate import TaskTicks, evaluate, progress, sort_views, timeline
from opstui.checklist.model import GroupProgress, Task, TaskStatus, TaskView, TimelineEntry
from opstui.clock import Clock
from opstui.config.models import Config
from opstui.monitor import Monitor
from opstui.state.protocol import StateError, StateStore, Tick, TickKind, TickTaken

log = logging.getLogger(__name__)

AUTO_ACTOR = "opstui (auto)"
"""Who an automatic tick is recorded as, so the record says the console did it, not a person."""
TIMELINE_SPAN = 48 * 3600.0
BACKUP_FRESH = 3600.0
"""A backup source's result older than this is not fresh: ``backups verified`` does not hold on it."""
_TICK_STATES = (TaskStatus.DUE, TaskStatus.OVERDUE)
"""Auto ticks only close a period that has come due: a condition true early proves nothing yet."""


class UnknownTask(LookupError):
    """A command named a task id the checklist does not have."""


class Checklist:
    """The live checklist: current views, progress, timeline, and the commands the screen sends."""

    def __init__(
        self,
        tasks: Sequence[Task],
        *,
        clock: Clock,
        state: StateStore,
        launch_at: float,
        operator: str,
        host: str | None = None,
        live: LiveValues | None = None,
        zone: ZoneInfo | None = None,
    ) -> None:
        self.tasks = list(tasks)
        self.clock = clock
        self.state = state
        self.launch_at = launch_at
        self.operator = operator
        self.host = host or socket.gethostname()
        self.live = live
        self.zone = zone or ZoneInfo("UTC")
        self._by_id = {task.id: task for task in self.tasks}
        self._order = {task.id: i for i, task in enumerate(self.tasks)}
        self._ticks: dict[str, TaskTicks] = {}
        self.views: list[TaskView] = []
        """The latest evaluation, most urgent first."""
        self.error: str | None = None
        """Why the last refresh failed (the views are then the last good ones)."""

    @classmethod
    def from_config(
        cls,
        config: Config,
        *,
        clock: Clock,
        state: StateStore,
        operator: str,
        launch_at: float | None = None,
        live: LiveValues | None = None,
        host: str | None = None,
    ) -> Checklist:
        """The config's ``checklist:`` (or the built-in list) with its zone and launch time."""
        zone = ZoneInfo(config.timezone)
        if launch_at is None:
            launch_at = config.launch_at.timestamp() if isinstance(config.launch_at, datetime) else clock.now()
        entries = config.checklist if config.checklist is not None else builtin_tasks()
        tasks = [Task.from_config(entry, zone, launch_at) for entry in entries]
        return cls(
            tasks, clock=clock, state=state, launch_at=launch_at, operator=operator, live=live, zone=zone, host=host
        )

    # Reading ----------------------------------------------------------------------------------------

    @property
    def overdue(self) -> int:
        return sum(1 for view in self.views if view.status is TaskStatus.OVERDUE)

    def view(self, task_id: str) -> TaskView:
        for view in self.views:
            if view.task.id == task_id:
                return view
        return evaluate(self._task(task_id), self.launch_at, self._ticks.get(task_id), self.clock.now())

    def progress(self) -> list[GroupProgress]:
        return progress(self.tasks, self.views, self.launch_at, self.clock.now())

    def timeline(self, span: float = TIMELINE_SPAN) -> list[TimelineEntry]:
        """Every occurrence of the last 48 hours: on time, late, missed, skipped or still open."""
        return timeline(self.tasks, self._ticks, self.launch_at, self.clock.now(), span)

    def live_value(self, task: Task) -> str | None:
        """The linked metric's or check's value now, as shown beside the task and stored with a tick."""
        if self.live is None:
            return None
        parts = []
        if task.check:
            parts.append(f"{task.check} {self.live.source_state(task.check) or 'unknown'}")
        if task.metric:
            value = self.live.metric_value(task.metric)
            parts.append(f"{task.metric} {'no data' if value is None else f'{value:.4g}'}")
        return ", ".join(parts) or None

    # Refresh ------------------------------------------------------------------------------------------

    def reevaluate(self) -> list[TaskView]:
        """Re-derive the views from the ticks already read, without the database: the screen calls this
        every second so countdowns move between the core's refreshes."""
        self._evaluate(self.clock.now())
        return self.views

    async def refresh(self) -> list[TaskView]:
        """Re-read the ticks, tick what ``auto:`` says holds, and re-evaluate every task."""
        now = self.clock.now()
        try:
            ticks = await self.state.ticks_since(self._since(now))
        except StateError as exc:
            self.error = str(exc)
            log.warning("checklist refresh: %s", exc)
            return self.views
        self._ticks = TaskTicks.index(ticks)
        self._evaluate(now)
        await self._auto(now)
        self.error = None
        return self.views

    def _since(self, now: float) -> float:
        """The oldest tick that can matter: the 48-hour timeline, or the start of a long current period."""
        since = now - TIMELINE_SPAN
        for task in self.tasks:
            last = task.cadence.last_at_or_before(now)
            if last is not None:
                since = min(since, last)
        return max(self.launch_at, since) - 3600.0  # early ticks count for the period they precede

    def _evaluate(self, now: float) -> None:
        views = [evaluate(task, self.launch_at, self._ticks.get(task.id), now) for task in self.tasks]
        live = {task.id: self.live_value(task) for task in self.tasks if task.metric or task.check}
        views = [_with_live(view, live.get(view.task.id)) for view in views]
        self.views = sort_views(views, self._order)

    async def _auto(self, now: float) -> None:
        if self.live is None:
            return
        for view in list(self.views):
            condition = view.task.auto
            if condition is None or view.status not in _TICK_STATES:
                continue
            holds, seen = condition.observe(self.live)
            if holds:
                try:
                    await self._record(
                        view.task,
                        TickKind.DONE,
                        actor=AUTO_ACTOR,
                        value=seen,
                        note=f"auto: {condition.text}",
                        period=view.period_start,
                    )
                except TickTaken:
                    continue  # another console (or person) closed this period first: that is the record
                except StateError as exc:
                    self.error = str(exc)
                    log.warning("checklist auto tick of %s: %s", view.task.id, exc)
                    return

    # Commands -----------------------------------------------------------------------------------------

    async def tick(self, task_id: str, value: str | None = None) -> Tick:
        """Mark the task done for its current period (or the coming one, when due soon); durable first.

        ``value`` defaults to the linked metric's value now, so the record says what was seen.
        """
        task = self._task(task_id)
        return await self._record(task, TickKind.DONE, value=value or self.live_value(task))

    async def skip(self, task_id: str, reason: str) -> Tick:
        """Skip the task for this period, with a reason (kept on record)."""
        return await self._record(self._task(task_id), TickKind.SKIP, note=reason)

    async def note(self, task_id: str, text: str) -> Tick:
        """A note on the task; does not change its status."""
        task = self._task(task_id)
        return await self._record(task, TickKind.NOTE, note=text, value=self.live_value(task))

    async def undo(self) -> Tick | None:
        """Cancel this operator's latest tick (the audit trail keeps both); None if there is none."""
        undone = await self.state.undo_last_tick(self.operator, self.host)
        await self.refresh()
        return undone

    async def _record(
        self,
        task: Task,
        kind: TickKind,
        *,
        actor: str | None = None,
        value: str | None = None,
        note: str | None = None,
        period: float | None = None,
    ) -> Tick:
        now = self.clock.now()
        if period is None:
            period = evaluate(task, self.launch_at, self._ticks.get(task.id), now).period_start
        try:
            stored = await self.state.add_tick(
                Tick(
                    task_id=task.id,
                    period_start=period,
                    at=now,
                    kind=kind,
                    actor=actor or self.operator,
                    host=self.host,
                    value=value,
                    note=note,
                )
            )
        except TickTaken as taken:
            # Lost the race: show the winner's tick now, and say who and when in this console's zone.
            self._ticks.setdefault(task.id, TaskTicks({})).add(taken.first)
            self._evaluate(now)
            raise TickTaken(taken.first, self.zone) from None
        # Shown only now that it is committed; the next refresh re-reads it along with everyone else's.
        self._ticks.setdefault(task.id, TaskTicks({})).add(stored)
        self._evaluate(now)
        return stored

    def _task(self, task_id: str) -> Task:
        try:
            return self._by_id[task_id]
        except KeyError:
            raise UnknownTask(f"no checklist task {task_id!r}") from None


def _with_live(view: TaskView, live: str | None) -> TaskView:
    return view if live is None else replace(view, live=live)


class MonitorValues:
    """:class:`LiveValues` read from the core's monitor: source states and fresh metric values."""

    def __init__(self, monitor: Monitor, clock: Clock, stale_after: float = 120.0) -> None:
        self.monitor = monitor
        self.clock = clock
        self.stale_after = stale_after
        """A value older than this is no longer "now": a condition on it does not hold. Used for a metric no
        source claims; a source's metric is stale after that source's own ``stale_after``, as on its tile."""

    def source_state(self, name: str) -> str | None:
        status = self.monitor.statuses.get(name)
        return None if status is None else str(status.state.value)

    def backups(self) -> list[tuple[str, str, str]]:
        now = self.clock.now()
        return [
            (status.name, status.state.value, status.seen)
            for status in self.monitor.statuses.values()
            if status.kind == "backup" and status.last_check is not None and now - status.last_check <= BACKUP_FRESH
        ]

    def metric_value(self, name: str) -> float | None:
        point = self.monitor.store.latest(name)
        now = self.clock.now()
        if point is None or self.monitor.freshness.is_stale(name, None, now, unclaimed=self.stale_after):
            return None
        return float(point[1])
