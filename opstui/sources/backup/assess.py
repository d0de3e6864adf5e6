"""From the backups found to a verdict: overdue, too few, shrunk, or fresh and verified.

A verdict records, labelled ``source=<name>``: ``backup_age_seconds`` (newest), ``backup_size_bytes`` (newest,
when known), ``backup_count`` (in the retention window), ``backup_size_drop`` (1 when the newest shrank by more
than ``size_drop_pct`` against the previous one) and ``backup_overdue`` (1 when the newest is older than
``max_age``, or there is none): the built-in rule "Backup Overdue" reads the last one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from opstui.config.backup import BackupSource
from opstui.config.durations import format_duration
from opstui.sanitize import clean
from opstui.sources.base import SourceState

MAX_NAME = 120
"""A backup's name is cut to this many characters in what the row says."""


class LookFailed(Exception):
    """The backups could not be looked at; the message is one line, safe to show, and :attr:`state` says how."""

    state = SourceState.DOWN


@dataclass(frozen=True, slots=True)
class Backup:
    """One backup as found: when it finished, how big it is (None: unknown), and what it is called."""

    ts: float
    size: float | None
    name: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """What one check concluded: the source's state, why (when not up), what was seen, and the metrics."""

    state: SourceState
    reason: str
    seen: str
    """One line of what was seen, e.g. ``shop-1201.dump 3h00m old, 41.2 MiB, 30 in 30d0h``: recorded with auto ticks."""
    metrics: dict[str, float] = field(default_factory=dict)


def human_size(size: float) -> str:
    """``43210000`` -> ``41.2 MiB``."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(size) < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def span(seconds: float) -> str:
    """A backup's age: hours and minutes up to three days (``26h01m`` beside a ``max_age`` of 26h), then days."""
    if 86400 <= seconds < 3 * 86400:
        hours, rem = divmod(int(seconds), 3600)
        return f"{hours}h{rem // 60:02d}m"
    return format_duration(seconds)


def assess(cfg: BackupSource, backups: list[Backup], now: float) -> Verdict:
    """The verdict over every backup found (any order): the newest decides, the previous one is compared."""
    if not backups:
        return Verdict(SourceState.DOWN, "no backup found", "no backup found", {"backup_overdue": 1.0})
    ordered = sorted(backups, key=lambda backup: backup.ts, reverse=True)
    newest = ordered[0]
    age = max(0.0, now - newest.ts)
    count = sum(1 for backup in ordered if backup.ts >= now - cfg.retention)
    overdue = age > cfg.max_age
    metrics = {"backup_age_seconds": age, "backup_count": float(count), "backup_overdue": float(overdue)}
    name = clean(newest.name)[:MAX_NAME]
    seen = [f"{name} {span(age)} old"]
    if newest.size is not None:
        metrics["backup_size_bytes"] = newest.size
        seen.append(human_size(newest.size))
    seen.append(f"{count} in {format_duration(cfg.retention)}")
    problems: list[str] = []
    previous = ordered[1].size if len(ordered) > 1 else None
    dropped = newest.size is not None and previous and newest.size < previous * (1 - cfg.size_drop_pct / 100)
    metrics["backup_size_drop"] = float(bool(dropped))
    if dropped and newest.size is not None and previous:
        problems.append(f"size dropped {100 * (1 - newest.size / previous):.0f}% vs the previous backup")
    if cfg.min_count and count < cfg.min_count:
        problems.append(f"only {count} backups in {format_duration(cfg.retention)} (min {cfg.min_count})")
    if overdue:
        state = SourceState.DOWN
        problems.insert(0, f"overdue: newest is {span(age)} old (max {span(cfg.max_age)})")
    else:
        state = SourceState.DEGRADED if problems else SourceState.UP
    return Verdict(state, "; ".join(problems), ", ".join(seen), metrics)
