"""Config for the checklist: one entry per recurring task (``checklist:`` in the config file).

With no ``checklist:`` key the console uses the built-in list (every task of both seeds, see
``opstui/checklist/builtin.py``); ``config.example.yaml`` shows that list whole.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, model_validator

from opstui.config.durations import Duration
from opstui.config.models import Model

_SLUG = re.compile(r"[^a-z0-9]+")


def task_id(title: str) -> str:
    """The id a task gets from its title: ``Check /api/health endpoint status`` -> ``check-api-health-endpoint-status``.

    Ticks are stored under the id, so renaming a task's title without pinning ``id:`` starts it afresh.
    """
    return _SLUG.sub("-", title.lower()).strip("-")[:80] or "task"


class ChecklistTask(Model):
    """One recurring task: what to do, how often, and what the console can show or check for it."""

    id: str = ""
    """Stable key of the task's ticks in the state store; unset: derived from the title."""
    title: str
    """What to do, as the screen and the export say it."""
    group: str = "Checklist"
    """The group it is shown (and its progress counted) under, e.g. ``First 48 hours``, ``Weekly``."""
    every: str | None = None
    """``5m``, ``2h``, ``hourly`` (counted from launch_at) or ``daily``, ``weekly``, ``monthly`` (wall clock)."""
    cron: str | None = None
    """Instead of ``every``: a 5-field cron expression in the configured zone, e.g. ``0 9 * * mon-fri``."""
    at: str | None = None
    """Time of day for daily / weekly / monthly, ``HH:MM`` in the configured zone; default ``09:00``."""
    on: str | None = None
    """Weekday for weekly, e.g. ``monday`` (the default)."""
    day: int | None = None
    """Day of the month for monthly, 1-28 (every month has it); default 1."""
    first: Duration | None = None
    """Active only this long after ``launch_at`` (``48h`` for the first-48-hours tasks); unset: always."""
    grace: Duration | None = None
    """How long after coming due the task turns overdue; unset: a fifth of the period (max 4h for
    daily, 1d for weekly, 2d for monthly)."""
    metric: str | None = None
    """A metric whose live value is shown beside the task and recorded with each tick (e.g. ``latency_p95``)."""
    check: str | None = None
    """A source (health check) whose state is shown beside the task and recorded with each tick."""
    auto: str | None = None
    """When this holds while the task is due, the console ticks it itself as ``opstui (auto)``:
    ``<source> is up`` or ``<metric> <op> <number>`` (``error_rate < 1``), joined with ``and``."""

    @model_validator(mode="before")
    @classmethod
    def _derive_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("id") and isinstance(data.get("title"), str):
            return {**data, "id": task_id(data["title"])}
        return data

    @model_validator(mode="after")
    def _cadence(self) -> ChecklistTask:
        from opstui.checklist.auto import parse_condition
        from opstui.checklist.cadence import WEEKDAYS, parse_at, parse_cron, parse_every

        if (self.every is None) == (self.cron is None):
            raise ValueError("give the task exactly one of every: (5m, hourly, daily, weekly, monthly) or cron:")
        if self.cron is not None:
            parse_cron(self.cron)
            if self.at or self.on or self.day:
                raise ValueError("at:, on: and day: go with every: daily/weekly/monthly, not with cron:")
        else:
            kind = parse_every(self.every or "")
            if self.at is not None:
                if kind not in ("daily", "weekly", "monthly"):
                    raise ValueError("at: goes with every: daily, weekly or monthly")
                parse_at(self.at)
            if self.on is not None and (kind != "weekly" or self.on.lower() not in WEEKDAYS):
                raise ValueError(f"on: goes with every: weekly and is a weekday ({', '.join(WEEKDAYS)})")
            if self.day is not None and (kind != "monthly" or not 1 <= self.day <= 28):
                raise ValueError("day: goes with every: monthly and is 1-28 (a day every month has)")
        if self.auto is not None:
            parse_condition(self.auto)
        return self


def _unique_ids(tasks: list[ChecklistTask]) -> list[ChecklistTask]:
    seen: set[str] = set()
    for task in tasks:
        if task.id in seen:
            raise ValueError(f"two checklist tasks have the id {task.id!r}; give one of them its own id:")
        seen.add(task.id)
    return tasks


ChecklistTasks = Annotated[list[ChecklistTask], AfterValidator(_unique_ids)]
"""The ``checklist:`` list; ids must be unique because ticks are stored under them."""
