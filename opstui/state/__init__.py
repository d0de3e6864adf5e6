"""The durable state the on-call team shares: incidents and their timelines, silences, the
notification outbox and checklist ticks. Everything the operator does is committed here before the
console shows it done. SQLite (WAL, versioned migrations) by default, PostgreSQL (``postgres.py``) for a
team; both implement ``protocol.py``."""

from __future__ import annotations

from opstui.clock import Clock
from opstui.config.incidents import StateSettings
from opstui.state.protocol import (
    ConflictError,
    Notification,
    StateError,
    StateStore,
    Tick,
    TickKind,
    TickTaken,
)
from opstui.state.sqlite import SqliteState

__all__ = [
    "ConflictError",
    "Notification",
    "SqliteState",
    "StateError",
    "StateStore",
    "Tick",
    "TickKind",
    "TickTaken",
    "open_state",
]


async def open_state(settings: StateSettings, clock: Clock, *, read_only: bool = False) -> StateStore:
    """Open (and migrate) the store the config names; raises :class:`StateError` with one line.

    ``read_only`` (the commands that only read): a SQLite file is opened with ``mode=ro``, never migrated or
    written, so they work on a read-only file system; a missing file is created as usual.
    """
    state: StateStore
    if settings.backend == "postgres":
        from opstui.state.postgres import PostgresState  # asyncpg only when a team uses it

        assert settings.dsn is not None  # the config validator requires it
        state = PostgresState(settings.dsn, clock, schema=settings.schema_, timeout=settings.timeout)
    else:
        state = SqliteState(settings.resolved_path(), clock, timeout=settings.timeout, read_only=read_only)
    await state.open()
    return state
