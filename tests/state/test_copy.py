"""``state copy`` round-trips every record (incidents, events, silences, outbox, ticks) sqlite -> postgres -> sqlite."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from opstui.alerts.model import AlertState
from opstui.clock import FakeClock
from opstui.config.incidents import IncidentSettings
from opstui.incidents.manager import IncidentManager
from opstui.incidents.model import Milestone
from opstui.state import SqliteState, StateError, Tick, TickKind
from opstui.state.copy import TABLES, Endpoint, copy_state
from opstui.state.postgres import PostgresState
from tests.incidents.conftest import alert
from tests.team.conftest import admin, pg_dsn, schema  # noqa: F401 - fixtures for a real PostgreSQL


async def fill(state: SqliteState, clock: FakeClock) -> None:
    """One of everything, with ids that point at each other."""
    manager = IncidentManager(state, clock, IncidentSettings(), operator="alice", host="box")
    await manager.on_transitions([alert(AlertState.FIRING, clock.now())])
    await manager.on_transitions([alert(AlertState.FIRING, clock.now(), rule="Service Down")])
    (first, second) = await manager.open_incidents()
    clock.advance(120)
    await manager.acknowledge(first.id)
    await manager.add_note(first.id, "rolling back 1.4.2")
    await manager.milestone(first.id, Milestone.FIX_DEPLOYED)
    await manager.resolve(first.id, note="rollback")
    await manager.snooze("Slow Checkout", 3600, reason="known")
    await manager.tick()
    tick = await state.add_tick(Tick("backups", clock.now(), clock.now(), TickKind.DONE, "bob", "b", value="ok"))
    await state.add_tick(Tick("errors", clock.now(), clock.now(), TickKind.DONE, "bob", "b"))
    await state.undo_last_tick("bob", "b")
    (pending, *_) = await state.pending_notifications(clock.now())
    await state.mark_failed(pending.id, "smtp down", clock.now() + 60)
    assert tick.id


def rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as conn:
        return {table: conn.execute(f"SELECT * FROM {table} ORDER BY {key}").fetchall() for table, key in TABLES}


@pytest.fixture
async def source(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Path]:
    path = tmp_path / "laptop.db"
    async with SqliteState(path, clock) as state:
        await fill(state, clock)
    yield path


async def test_copy_round_trips_every_record(
    source: Path,
    tmp_path: Path,
    clock: FakeClock,
    pg_dsn: str,  # noqa: F811
    schema: str,  # noqa: F811
) -> None:
    team = Endpoint("postgres", pg_dsn, schema)
    there = await copy_state(Endpoint("sqlite", str(source)), team, clock)
    assert all(there[table] for table in ("incidents", "incident_events", "silences", "notifications"))
    assert there["checklist_ticks"] == 3
    back = tmp_path / "back.db"
    again = await copy_state(team, Endpoint("sqlite", str(back)), clock)
    assert again == there
    assert rows(back) == rows(source)
    # The PostgreSQL copy works as a store: new rows get fresh ids after the copied ones.
    async with PostgresState(pg_dsn, clock, schema=schema) as state, SqliteState(source, clock) as original:
        assert await state.recent_incidents(10) == await original.recent_incidents(10)
        assert await state.ticks_since(0) == await original.ticks_since(0)
        added = await state.add_tick(Tick("new", clock.now(), clock.now(), TickKind.DONE, "c", "h"))
        assert added.id == 4


async def test_copy_refuses_a_target_that_is_not_empty(
    source: Path,
    clock: FakeClock,
    pg_dsn: str,  # noqa: F811
    schema: str,  # noqa: F811
) -> None:
    team = Endpoint("postgres", pg_dsn, schema)
    await copy_state(Endpoint("sqlite", str(source)), team, clock)
    with pytest.raises(StateError, match="already holds .* records; copy into an empty one") as info:
        await copy_state(Endpoint("sqlite", str(source)), team, clock)
    assert "\n" not in str(info.value)


def test_endpoints_parse_and_never_show_the_password() -> None:
    assert Endpoint.parse("sqlite:/tmp/s.db") == Endpoint("sqlite", "/tmp/s.db")
    pg = Endpoint.parse("postgres:postgresql://u:pw@db:5433/ops", schema="team")
    assert pg == Endpoint("postgres", "postgresql://u:pw@db:5433/ops", "team")
    assert Endpoint.parse("postgresql://u:pw@db/ops").target == "postgresql://u:pw@db/ops"
    assert "pw" not in pg.describe()
    with pytest.raises(ValueError, match="expected sqlite:PATH or postgres:DSN") as info:
        Endpoint.parse("mysql://u:pw@db/x")
    assert "pw" not in str(info.value)
