"""Recorded check results (``opstui check --record``): uptime kept by cron or a systemd timer, not a console.

A console's uptime lives in its history file and covers the hours it ran. ``check --record`` stores each
source's result of one run in the state store (SQLite or PostgreSQL, whichever the config names), so a job
every minute keeps the record between consoles, and ``opstui uptime`` counts these results beside the
history's, whoever recorded them (several hosts may record into one PostgreSQL store).

One row per source per run (a run's rows share ``run``), about 100 bytes; rows older than
:data:`RETENTION` (400 days, the longest ``uptime --days``) are deleted as new ones are recorded: a job every
minute with five sources keeps at most ~2.9 million rows (~300 MB in SQLite).

Statements are written with ``?`` placeholders for both backends (PostgreSQL runs them through
:func:`opstui.state.sql.numbered`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

DAY = 86400.0
RETENTION = 400 * DAY
"""Recorded results are kept this long (the longest window ``opstui uptime --days`` judges)."""

COLUMNS = ("run", "at", "source", "kind", "state", "up", "latency_ms", "reason", "host")
INSERT = f"INSERT INTO check_results ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
PRUNE = "DELETE FROM check_results WHERE at < ?"
TOTALS = (
    "SELECT source, SUM(up), COUNT(*), MIN(at) FROM check_results WHERE at >= ? AND at < ? AND kind = ? "
    "GROUP BY source ORDER BY source"
)
"""Per source of one kind in a span (since, until): good results, all results, the first on record."""


def component_totals_sql(sources: int) -> str:
    """A component's runs in a span (since, until): the runs that recorded any of its ``sources``
    (placeholders), the runs where every one of them was up, and the first such run."""
    marks = ", ".join("?" * sources)
    return (
        "SELECT COALESCE(SUM(all_up), 0), COUNT(*), MIN(first) FROM ("
        "SELECT MIN(up) AS all_up, MIN(at) AS first FROM check_results "
        f"WHERE at >= ? AND at < ? AND source IN ({marks}) GROUP BY run) AS runs"
    )


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One source's result in one recorded run."""

    run: str
    """The run's id (every row of one ``check --record`` shares it)."""
    at: float
    source: str
    kind: str
    """The source's type (``http``, ``postgres``, ...): uptime counts the ``http`` health checks."""
    state: str
    up: bool
    """Good for uptime: up or degraded, as the console's ``check_up`` counts it."""
    latency_ms: float | None
    reason: str
    host: str
    """The machine that recorded it."""

    def values(self) -> tuple[object, ...]:
        return (
            self.run,
            self.at,
            self.source,
            self.kind,
            self.state,
            int(self.up),
            self.latency_ms,
            self.reason,
            self.host,
        )


@dataclass(frozen=True, slots=True)
class RecordedTotal:
    """Good and all recorded results (or runs, for a component) since a time, and the first on record."""

    name: str
    good: int
    count: int
    first: float | None


def totals(rows: Sequence[Sequence[object]]) -> list[RecordedTotal]:
    """:data:`TOTALS`'s rows as :class:`RecordedTotal`."""
    return [RecordedTotal(str(r[0]), int(r[1] or 0), int(r[2] or 0), _time(r[3])) for r in rows]  # type: ignore[call-overload]


def component_total(name: str, row: Sequence[object] | None) -> RecordedTotal:
    if row is None:
        return RecordedTotal(name, 0, 0, None)
    return RecordedTotal(name, int(row[0] or 0), int(row[1] or 0), _time(row[2]))  # type: ignore[call-overload]


def _time(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]
