"""Pure functions from (task, launch, ticks, now) to a status, group progress and the timeline.

Periods: a task's occurrences after launch (``every: 5m`` -> T+5m, T+10m, ...; ``daily`` -> each
09:00 local) split time into periods; an occurrence starts a period and the task is then due until
ticked, overdue after its grace. The stretch from launch to the first occurrence is period zero:
nothing is due in it, but a tick there still counts (the task shows done). A tick in the "due soon"
stretch just before an occurrence counts for that coming period, so nobody waits for the minute to
turn to tick a check they have just done.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from opstui.checklist.model import GroupProgress, Outcome, Task, TaskStatus, TaskView, TimelineEntry
from opstui.state.protocol import Tick, TickKind

TIMELINE_CAP = 600
"""Most timeline entries per task (a 5-minute task has 576 in 48 hours); older ones are dropped."""


def key(period_start: float) -> float:
    """Period starts as dictionary keys, immune to float noise from the database round trip."""
    return round(period_start, 3)


@dataclass(slots=True)
class TaskTicks:
    """One task's ticks that still count, indexed the way evaluation needs them."""

    settled: dict[float, Tick]
    """Period start -> the latest done or skip tick for it."""
    last: Tick | None = None
    """Latest done / skip tick of any period."""
    last_note: Tick | None = None

    @classmethod
    def index(cls, ticks: Iterable[Tick]) -> dict[str, TaskTicks]:
        """Group ticks (oldest first, as the store returns them) by task."""
        out: dict[str, TaskTicks] = {}
        for tick in ticks:
            entry = out.setdefault(tick.task_id, cls({}))
            entry.add(tick)
        return out

    def add(self, tick: Tick) -> None:
        if tick.kind is TickKind.NOTE:
            self.last_note = tick
        elif tick.kind in (TickKind.DONE, TickKind.SKIP):
            self.settled[key(tick.period_start)] = tick
            self.last = tick


@dataclass(frozen=True, slots=True)
class Period:
    """Where ``now`` falls for one active task."""

    start: float
    first: bool
    """Period zero (launch to the first occurrence): nothing is due in it."""
    next_due: float | None
    """The next occurrence, or None when the active window closes first."""


def window_end(task: Task, launch_at: float) -> float | None:
    return None if task.window is None else launch_at + task.window


def period_at(task: Task, launch_at: float, now: float) -> Period | None:
    """The period containing ``now``; None when the task is inactive (before launch, after its window)."""
    end = window_end(task, launch_at)
    if now < launch_at or (end is not None and now >= end):
        return None
    last = task.cadence.last_at_or_before(now)
    nxt = task.cadence.next_after(now)
    if nxt is not None and end is not None and nxt >= end:
        nxt = None
    if last is None or last <= launch_at:
        return Period(launch_at, True, nxt)
    return Period(last, False, nxt)


def evaluate(task: Task, launch_at: float, ticks: TaskTicks | None, now: float) -> TaskView:
    """The task's status at ``now`` and the period a tick now would count for."""
    ticks = ticks or TaskTicks({})

    def view(status: TaskStatus, period_start: float, due_at: float | None, deadline: float | None) -> TaskView:
        return TaskView(task, status, period_start, due_at, deadline, now, ticks.last, ticks.last_note)

    period = period_at(task, launch_at, now)
    if period is None:
        return view(TaskStatus.INACTIVE, now, None, None)
    current = ticks.settled.get(key(period.start))
    if not period.first and current is None:
        deadline = period.start + task.grace
        return view(TaskStatus.OVERDUE if now >= deadline else TaskStatus.DUE, period.start, period.start, deadline)
    nxt = period.next_due
    if nxt is not None and now >= nxt - task.soon:
        coming = ticks.settled.get(key(nxt))
        if coming is None:
            status = TaskStatus.DUE_SOON
        else:
            status = TaskStatus.SKIPPED if coming.kind is TickKind.SKIP else TaskStatus.DONE
        return view(status, nxt, nxt, nxt + task.grace)
    if current is None:
        status = TaskStatus.UPCOMING
    else:
        status = TaskStatus.SKIPPED if current.kind is TickKind.SKIP else TaskStatus.DONE
    return view(status, period.start, nxt, None if nxt is None else nxt + task.grace)


def sort_views(views: Sequence[TaskView], order: dict[str, int]) -> list[TaskView]:
    """Overdue first (most overdue on top), then due, due soon, upcoming, skipped, done, inactive."""
    return sorted(
        views,
        key=lambda v: (
            v.urgency,
            -v.overdue_by,
            v.due_at if v.due_at is not None else float("inf"),
            order.get(v.task.id, 0),
        ),
    )


def progress(tasks: Sequence[Task], views: Sequence[TaskView], launch_at: float, now: float) -> list[GroupProgress]:
    """Per group, in the order groups first appear: done or skipped out of the active tasks."""
    by_id = {view.task.id: view for view in views}
    groups: dict[str, list[Task]] = {}
    for task in tasks:
        groups.setdefault(task.group, []).append(task)
    out = []
    for group, members in groups.items():
        active = [by_id[t.id] for t in members if t.id in by_id and by_id[t.id].status is not TaskStatus.INACTIVE]
        ends = [window_end(t, launch_at) for t in members]
        closes = max(e for e in ends if e is not None) if all(e is not None for e in ends) else None
        settled = (TaskStatus.DONE, TaskStatus.SKIPPED)
        out.append(
            GroupProgress(
                group=group,
                done=sum(1 for v in active if v.status in settled),
                total=len(active),
                overdue=sum(1 for v in active if v.status is TaskStatus.OVERDUE),
                complete=closes is not None and now >= closes,
                closes_at=closes,
            )
        )
    return out


def timeline(
    tasks: Sequence[Task], ticks: dict[str, TaskTicks], launch_at: float, now: float, span: float = 48 * 3600.0
) -> list[TimelineEntry]:
    """Every occurrence in the last ``span`` seconds (since launch), oldest first, with how it went."""
    entries: list[TimelineEntry] = []
    since = max(launch_at, now - span)
    for task in tasks:
        end = window_end(task, launch_at)
        settled = ticks.get(task.id, TaskTicks({})).settled
        mine: list[TimelineEntry] = []
        due = task.cadence.next_after(since)
        while due is not None and due <= now and (end is None or due < end):
            if due > launch_at:
                deadline = due + task.grace
                tick = settled.get(key(due))
                if tick is not None and tick.kind is TickKind.SKIP:
                    outcome = Outcome.SKIPPED
                elif tick is not None:
                    outcome = Outcome.ON_TIME if tick.at <= deadline else Outcome.LATE
                else:
                    outcome = Outcome.MISSED if now >= deadline else Outcome.OPEN
                mine.append(TimelineEntry(task.id, due, deadline, outcome, tick))
            due = task.cadence.next_after(due)
        entries.extend(mine[-TIMELINE_CAP:])
    entries.sort(key=lambda e: (e.due_at, e.task_id))
    return entries
