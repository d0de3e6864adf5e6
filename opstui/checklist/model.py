"""What crosses the checklist's boundary: a task, its status at an instant, and group progress."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from opstui.checklist.auto import Condition, parse_condition
from opstui.checklist.cadence import Cadence, make_cadence
from opstui.config.checklist import ChecklistTask
from opstui.state.protocol import Tick

DAY = 86400.0


class TaskStatus(StrEnum):
    """Where a task stands for its current period; the order of :data:`URGENCY` is the screen's order."""

    OVERDUE = "overdue"
    """Came due and its grace has passed without a tick."""
    DUE = "due"
    """Came due; still within its grace."""
    DUE_SOON = "due_soon"
    """Comes due shortly (a tick now counts for that coming period)."""
    UPCOMING = "upcoming"
    """Not due yet (before its first occurrence after launch), nothing ticked."""
    SKIPPED = "skipped"
    """Skipped for this period, with a reason."""
    DONE = "done"
    """Ticked for this period."""
    INACTIVE = "inactive"
    """Outside its active window: before launch, or after ``first:`` (the first 48 hours) has closed."""


URGENCY = tuple(TaskStatus)
"""Overdue first, inactive last: the screen and the export sort by this."""


def default_grace(period: float) -> float:
    """A fifth of the period for sub-daily tasks; 4h for daily, 1 day for weekly, 2 days for monthly."""
    if period < DAY:
        return period / 5
    if period < 7 * DAY:
        return 4 * 3600.0
    if period < 28 * DAY:
        return DAY
    return 2 * DAY


@dataclass(frozen=True, slots=True)
class Task:
    """One recurring task, ready to evaluate: the config entry with its cadence and condition parsed."""

    id: str
    title: str
    group: str
    cadence: Cadence
    grace: float
    soon: float
    """How long before it comes due a task shows "due soon" (and a tick counts for that period)."""
    window: float | None
    """Active for this long after launch (``first:``); None: always."""
    metric: str | None = None
    check: str | None = None
    auto: Condition | None = None

    @classmethod
    def from_config(cls, entry: ChecklistTask, zone: ZoneInfo, launch_at: float) -> Task:
        cadence = make_cadence(
            every=entry.every, cron=entry.cron, at=entry.at, on=entry.on, day=entry.day, zone=zone, anchor=launch_at
        )
        return cls(
            id=entry.id,
            title=entry.title,
            group=entry.group,
            cadence=cadence,
            grace=entry.grace if entry.grace is not None else default_grace(cadence.period),
            soon=min(cadence.period / 5, 3600.0),
            window=entry.first,
            metric=entry.metric,
            check=entry.check,
            auto=parse_condition(entry.auto) if entry.auto else None,
        )

    @property
    def cadence_text(self) -> str:
        return self.cadence.text


@dataclass(frozen=True, slots=True)
class TaskView:
    """A task's state at one instant: everything the screen row and the export need."""

    task: Task
    status: TaskStatus
    period_start: float
    """The period a tick right now counts for (the current one, or the next when due soon)."""
    due_at: float | None
    """When the current (or, if not yet due, the next) occurrence comes due; None if no more."""
    deadline: float | None
    """``due_at`` + grace: overdue after this."""
    now: float
    last: Tick | None = None
    """The latest done / skip tick of the task (who, when, from where, what was seen)."""
    last_note: Tick | None = None
    live: str | None = None
    """The linked metric's or check's value right now, e.g. ``latency_p95 420``."""

    @property
    def overdue_by(self) -> float:
        """Seconds past the deadline (0 unless overdue)."""
        if self.status is not TaskStatus.OVERDUE or self.deadline is None:
            return 0.0
        return self.now - self.deadline

    @property
    def due_in(self) -> float | None:
        """Seconds until it comes due (None when already due or with no more occurrences)."""
        if self.due_at is None or self.due_at <= self.now:
            return None
        return self.due_at - self.now

    @property
    def urgency(self) -> int:
        return URGENCY.index(self.status)


@dataclass(frozen=True, slots=True)
class GroupProgress:
    """One group's progress for the current period: done (or skipped) out of the active tasks."""

    group: str
    done: int
    total: int
    overdue: int
    complete: bool = False
    """The group's active window has closed (the first 48 hours are over)."""
    closes_at: float | None = None
    """When a windowed group closes (launch + ``first``)."""

    @property
    def label(self) -> str:
        if self.complete:
            return f"{self.group}: complete"
        return f"{self.group}: {self.done}/{self.total}"


class Outcome(StrEnum):
    """How one past occurrence of a task went, for the 48-hour timeline."""

    ON_TIME = "on_time"
    LATE = "late"
    MISSED = "missed"
    SKIPPED = "skipped"
    OPEN = "open"
    """Its deadline has not passed yet and nobody ticked it."""


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One occurrence of one task in the timeline."""

    task_id: str
    due_at: float
    deadline: float
    outcome: Outcome
    tick: Tick | None = None
