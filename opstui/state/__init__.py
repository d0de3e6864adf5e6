"""The durable state the on-call team shares: incidents and their timelines, silences, the
notification outbox and checklist ticks. Everything the operator does is committed here before the
console shows it done. SQLite (WAL, versioned migrations) by default; see ``protocol.py`` for the
interface a PostgreSQL backend will implement."""

from __future__ import annotations

from opstui.clock import Clock
from opstui.config.incidents import StateSettings
from opstui.state.protocol import ConflictError, Notification, StateError, StateStore, Tick, TickKind
from opstui.state.sqlite import SqliteState

__all__ = [
    "ConflictError",
    "Notification",
    "SqliteState",
    "StateError",
    "StateStore",
    "Tick",
    "TickKind",
    "open_state",
]


async def open_state(settings: StateSettings, clock: Clock) -> StateStore:
    """Open (and migrate) the store the config names; raises :class:`StateError` with one line."""
    state = SqliteState(settings.resolved_path(), clock, timeout=settings.timeout)
    await state.open()
    return state
