"""Uptime over days, per health check, from the persisted ``check_up`` series (1 per good check, 0 per bad).

The seeds set the target (``Uptime 99.9 %``) and judge it over 30 days, not over a console's session: the
figures here come from the history file's rollups (:mod:`opstui.metrics.history_file`), so they survive
restarts and cover the days the console was running. A check is counted once per ``store.resolution`` slot
(the store keeps the newest result of a slot): with checks more frequent than the resolution, uptime is
sampled, not exhaustive.

Planned maintenance is not downtime (as Statuspage and the uptime services count it): the time a source spends
inside a maintenance window that takes it down (``excluded``, per source, from
:meth:`opstui.incidents.maintenance.Maintenance.spans_by_source`) is left out of both its good checks and all
its checks, to the minute (a check counts where its minute starts), and :attr:`Uptime.excluded` says how long
that was in each window.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from opstui.metrics.history_file import HistoryTables

DAY = 86400.0
WINDOWS: tuple[tuple[str, float], ...] = (("24h", DAY), ("7d", 7 * DAY), ("30d", 30 * DAY), ("90d", 90 * DAY))
"""The windows shown by default: label and seconds."""
JUDGED = "30d"
"""The window the seeds' uptime target is judged on."""
CHECK_METRIC = "check_up"

Excluded = Mapping[str, Sequence[tuple[float, float]]]
"""Per source, the ``[start, end)`` spans of planned maintenance to leave out, sorted and not overlapping."""


def clip(spans: Iterable[tuple[float, float]], since: float, until: float) -> list[tuple[float, float]]:
    """The parts of ``spans`` inside ``[since, until)``."""
    return [(max(start, since), min(end, until)) for start, end in spans if start < until and end > since]


def window_label(days: float) -> str:
    """``30d``, ``24h`` for one day, ``1.5d`` for fractions."""
    if days == 1:
        return "24h"
    return f"{days:g}d"


@dataclass(slots=True)
class Uptime:
    """One health check's uptime over each window: the good checks and all checks counted there."""

    source: str
    good: dict[str, float] = field(default_factory=dict)
    checks: dict[str, int] = field(default_factory=dict)
    since: float | None = None
    """The first check on record in the longest window (a window longer than the record covers only this)."""
    recorded: dict[str, int] = field(default_factory=dict)
    """Of ``checks``, those recorded by ``opstui check --record`` (the rest are a console's history)."""
    excluded: dict[str, float] = field(default_factory=dict)
    """Seconds of planned maintenance left out of each window (its checks are in neither ``good`` nor ``checks``)."""

    def add(self, window: str, good: float, checks: int, first: float | None, *, recorded: bool) -> None:
        """Count ``checks`` more in ``window``, ``good`` of them up; ``first`` the earliest of them."""
        self.good[window] = self.good.get(window, 0.0) + good
        self.checks[window] = self.checks.get(window, 0) + checks
        if recorded:
            self.recorded[window] = self.recorded.get(window, 0) + checks
        if first is not None:
            self.since = first if self.since is None else min(self.since, first)

    def leave_out(self, window: str, good: float, checks: int, *, recorded: bool) -> None:
        """Take back ``checks`` counted in ``window`` (``good`` of them up) that fell inside maintenance."""
        self.good[window] = self.good.get(window, 0.0) - good
        self.checks[window] = self.checks.get(window, 0) - checks
        if recorded:
            self.recorded[window] = self.recorded.get(window, 0) - checks

    def percent(self, window: str) -> float | None:
        """Percent of good checks in ``window``; None without any check there."""
        checks = self.checks.get(window, 0)
        return 100.0 * self.good.get(window, 0.0) / checks if checks else None


def uptime_by_check(
    file: HistoryTables,
    now: float,
    windows: tuple[tuple[str, float], ...] = WINDOWS,
    excluded: Excluded | None = None,
) -> list[Uptime]:
    """Every health check on record, with its uptime over each window ending at ``now``, by name; the minutes
    of ``excluded`` (planned maintenance, per source) left out."""
    rows: dict[str, Uptime] = {}
    longest = max(seconds for _, seconds in windows)
    for label, seconds in windows:
        since = (now - seconds) // 60 * 60  # from the start of that minute: rollups are per minute
        for total in file.totals(CHECK_METRIC, since):
            source = total.labels.get("source", total.key)
            row = rows.setdefault(source, Uptime(source))
            row.good[label] = row.good.get(label, 0.0) + total.sum
            row.checks[label] = row.checks.get(label, 0) + total.count
            if seconds == longest and total.first is not None:
                row.since = total.first if row.since is None else min(row.since, total.first)
            spans = clip((excluded or {}).get(source, ()), since, now)
            for start, end in spans:
                minutes = file.rollups(total.key, start, end)
                row.leave_out(label, sum(m.sum for m in minutes), sum(m.count for m in minutes), recorded=False)
            if spans:
                row.excluded[label] = sum(end - start for start, end in spans)
    return [rows[name] for name in sorted(rows)]


def overall(rows: list[Uptime], window: str) -> float | None:
    """Uptime of all checks together over ``window`` (the Uptime tile's figure): good / all checks."""
    checks = sum(row.checks.get(window, 0) for row in rows)
    return 100.0 * sum(row.good.get(window, 0.0) for row in rows) / checks if checks else None
