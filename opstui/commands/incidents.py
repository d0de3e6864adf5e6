"""``opstui incidents``: the incidents in the state store, from a shell or a script.

Also home of what ``ack``, ``resolve`` and ``report`` share: opening the state store the config
names (or ``--state``) with an incident manager that records the same who / when / host as the
console's keys. Exit statuses: 0 done, 1 no such incident / not possible / state store unavailable,
2 bad config.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from opstui.clock import SystemClock, zone
from opstui.commands.common import EXIT_CONFIG, error, load
from opstui.config import Config, ConfigError
from opstui.config.durations import format_duration
from opstui.config.incidents import StateSettings, operator_name
from opstui.incidents.maintenance import Maintenance
from opstui.incidents.manager import IncidentError, IncidentManager
from opstui.incidents.model import Incident
from opstui.metrics.history_file import HistoryTables
from opstui.metrics.history_open import history_opener
from opstui.state import StateError, StateStore, open_state

EXIT_OK = 0
EXIT_FAILED = 1
"""No such incident, already resolved, or the state store cannot be opened."""


def add_common(parser: argparse.ArgumentParser) -> None:
    """``--config`` and ``--state`` for every incident command.

    ``--state`` defaults to SUPPRESS so that ``opstui --state X incidents`` (the top-level option)
    is not overwritten by the subcommand's default.
    """
    parser.add_argument("--config", metavar="FILE", help="config file (default: the usual lookup; none is fine)")
    parser.add_argument(
        "--state", metavar="PATH", default=argparse.SUPPRESS, help="state database (default: from the config)"
    )


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "incidents",
        help="list incidents from the state store (open ones by default)",
        description="List incidents from the state store: id, severity, state, title, opened, age, who "
        "acknowledged. Exit 0, 1 if the state store cannot be opened, 2 on a bad config.",
    )
    add_common(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    parser.add_argument("--all", action="store_true", help="resolved ones too (newest first)")
    parser.add_argument("--limit", type=int, default=100, metavar="N", help="with --all: at most N (default 100)")
    parser.set_defaults(func=run)


@dataclass(frozen=True, slots=True)
class Session:
    """What an incident command works with: the config, its time zone and the manager."""

    config: Config
    tz: tzinfo
    manager: IncidentManager
    clock: SystemClock

    async def incident(self, incident_id: int) -> Incident:
        """Incident ``incident_id`` as stored; :class:`IncidentError` (one line, exit 1) when there is none."""
        found = await self.manager.get(incident_id)
        if found is None:
            raise IncidentError(f"there is no incident #{incident_id}")
        return found


def load_optional(explicit: str | None) -> Config:
    """The config if one is found; the defaults otherwise (listing a state file needs no config)."""
    try:
        config, _ = load(explicit)
    except ConfigError:
        if explicit:
            raise
        from opstui.config.loader import find_config

        if find_config(None) is not None:
            raise
        return Config()
    return config


def state_settings(config: Config, state_path: str | None) -> StateSettings:
    """The config's state store, or the SQLite file ``--state`` names (the flag always means a file), keeping
    every other setting (the timeout) as configured."""
    if state_path is None:
        return config.state
    return config.state.model_copy(update={"path": state_path, "backend": "sqlite"})


@dataclass(frozen=True, slots=True)
class HistoryArgs:
    """What a command that reads the history needs from ``--config``, ``--state`` and ``--demo``."""

    config: Config
    state: StateSettings
    where: str
    """The history, for messages: a file's path or the team's PostgreSQL schema."""
    open: Callable[[], HistoryTables]
    """Opens it read-only (call it on the thread that reads it)."""


def history_args(args: argparse.Namespace) -> HistoryArgs | int:
    """The config, the state settings and the history's opener for ``uptime`` and ``latency``; with ``--days``,
    checked to be in (0, 400]; an exit status (2, said in one line) when the config or the days are wrong."""
    days = getattr(args, "days", None)
    if days is not None and not 0 < days <= 400:
        error("--days must be more than 0 and at most 400")
        return EXIT_CONFIG
    try:
        config = load_optional(args.config)
    except ConfigError as exc:
        error(str(exc))
        return EXIT_CONFIG
    store = config.store
    if getattr(args, "demo", False):
        from opstui.demo.config import demo_history_path

        store = store.model_copy(update={"history_path": str(demo_history_path())})
    settings = state_settings(config, getattr(args, "state", None))
    where, opener = history_opener(store, settings, read_only=True)
    return HistoryArgs(config, settings, where, opener)


@asynccontextmanager
async def session(config: Config, state_path: str | None, *, read_only: bool = False) -> AsyncIterator[Session]:
    """The state store and a manager recording the config's operator (or login) and this host; an incident
    from Alertmanager is acknowledged and resolved there too, as the console does."""
    clock = SystemClock()
    state: StateStore = await open_state(state_settings(config, state_path), clock, read_only=read_only)
    rotation = config.rotation
    from opstui.sources.factory import build_owners  # httpx only when a command runs

    owners = build_owners(config, clock)
    try:
        manager = IncidentManager(
            state,
            clock,
            config.incidents,
            operator_name(config.operator),
            host=socket.gethostname(),
            escalation=config.escalation,
            on_call=None if rotation is None else lambda: rotation.who_is_on_call(clock.now()),
            owners=owners,
            maintenance=Maintenance(config.maintenance, config.timezone),
        )
        yield Session(config, zone(config.timezone), manager, clock)
    finally:
        for owner in owners:
            await owner.aclose()
        await state.close()


def execute(args: argparse.Namespace, work: Callable[[Session], Awaitable[int]], *, read_only: bool = False) -> int:
    """Load the config, open the store, run ``work``; every failure is one line and an exit status.

    ``read_only``: the command only reads, so the store is opened read-only (see :func:`open_state`)."""
    try:
        config = load_optional(args.config)
    except ConfigError as exc:
        error(str(exc))
        return EXIT_CONFIG

    async def main() -> int:
        async with session(config, getattr(args, "state", None), read_only=read_only) as current:
            return await work(current)

    try:
        return asyncio.run(main())
    except IncidentError as exc:
        error(str(exc))
        return EXIT_FAILED
    except (StateError, OSError) as exc:
        error(f"state store unavailable: {exc}")
        return EXIT_FAILED


def when(at: float | None, tz: tzinfo) -> str:
    return "" if at is None else datetime.fromtimestamp(at, tz).strftime("%Y-%m-%d %H:%M")


def as_dict(incident: Incident, manager: IncidentManager, now: float) -> dict[str, object]:
    """One incident for ``--json``: the stored fields plus the SLA as the screen computes it."""
    return {
        "id": incident.id,
        "severity": incident.severity.value,
        "state": incident.state.value,
        "title": incident.title,
        "rule": incident.rule,
        "opened_at": incident.opened_at,
        "triggered_at": incident.triggered_at,
        "age_seconds": round(now - incident.opened_at, 1),
        "acknowledged_at": incident.acknowledged_at,
        "acknowledged_by": incident.acknowledged_by,
        "resolved_at": incident.resolved_at,
        "resolved_by": incident.resolved_by,
        "alert_state": incident.alert_state.value,
        "escalation_level": incident.escalation_level,
        "sla_remaining_seconds": round(manager.sla_remaining(incident, now), 1),
        "sla_breached": manager.breached(incident, now),
        "runbook": incident.runbook,
        "summary": incident.summary,
        "merged_into": incident.merged_into,
    }


def table(incidents: list[Incident], now: float, tz: tzinfo) -> str:
    header = ("ID", "SEV", "STATE", "TITLE", "OPENED", "AGE", "ACKNOWLEDGED")
    rows = [
        (
            f"#{i.id}",
            i.severity.value,
            i.state.value if i.merged_into is None else f"merged into #{i.merged_into}",
            i.title if len(i.title) <= 48 else i.title[:47] + "…",
            when(i.opened_at, tz),
            format_duration(max(0.0, (i.resolved_at or now) - i.opened_at)),
            f"{i.acknowledged_by} {when(i.acknowledged_at, tz)}" if i.acknowledged_by else "-",
        )
        for i in incidents
    ]
    widths = [max(len(str(row[c])) for row in [header, *rows]) for c in range(len(header))]
    return "\n".join(
        "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    )


def run(args: argparse.Namespace) -> int:
    async def work(current: Session) -> int:
        manager = current.manager
        if args.all:
            incidents = await manager.all_incidents(max(1, args.limit))
        else:
            incidents = await manager.open_incidents()
        now = current.clock.now()
        if args.json:
            print(json.dumps([as_dict(i, manager, now) for i in incidents], indent=2))
        elif not incidents:
            print("no incidents" if args.all else "no open incidents")
        else:
            print(table(incidents, now, current.tz))
        return EXIT_OK

    return execute(args, work, read_only=True)
