"""The schema is versioned: migrations run once, in order, and a newer store is refused clearly."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from opstui.clock import FakeClock
from opstui.config.incidents import StateSettings
from opstui.incidents.model import EventKind, IncidentEvent
from opstui.state import SqliteState, StateError, open_state
from opstui.state.migrations import LATEST_VERSION, MIGRATIONS


def versions(path: Path) -> list[int]:
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT version FROM schema_version ORDER BY version")]


async def test_migrations_run_once_and_record_their_version(db_path: Path, clock: FakeClock) -> None:
    async with SqliteState(db_path, clock) as state:
        assert state.schema_version == LATEST_VERSION
    assert versions(db_path) == [m.version for m in MIGRATIONS]
    async with SqliteState(db_path, clock) as state:  # reopening is a no-op
        assert state.schema_version == LATEST_VERSION
    assert versions(db_path) == [m.version for m in MIGRATIONS]


def test_migration_versions_are_ordered_and_unique() -> None:
    numbers = [m.version for m in MIGRATIONS]
    assert numbers == sorted(set(numbers)) == list(range(1, len(numbers) + 1))


async def test_a_store_from_a_newer_opstui_is_refused(db_path: Path, clock: FakeClock) -> None:
    async with SqliteState(db_path, clock):
        pass
    with sqlite3.connect(db_path) as conn:
        conn.execute("INSERT INTO schema_version VALUES (?, 'from the future', 0)", (LATEST_VERSION + 1,))
    with pytest.raises(StateError, match=f"version {LATEST_VERSION + 1}, newer than this opstui") as info:
        await SqliteState(db_path, clock).open()
    assert "\n" not in str(info.value)


async def test_two_processes_opening_at_once_migrate_once(db_path: Path, clock: FakeClock) -> None:
    # Separate stores have separate connections and threads, as two processes would.
    stores = [SqliteState(db_path, clock) for _ in range(4)]
    await asyncio.gather(*(store.open() for store in stores))
    assert {store.schema_version for store in stores} == {LATEST_VERSION}
    await asyncio.gather(*(store.close() for store in stores))
    assert versions(db_path) == [m.version for m in MIGRATIONS]


async def test_wal_and_full_sync_are_on(db_path: Path, clock: FakeClock) -> None:
    async with SqliteState(db_path, clock):
        with sqlite3.connect(db_path) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_a_file_that_is_not_a_database_is_one_clear_error(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "state.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StateError, match="corrupt or not an opstui state database") as info:
        await SqliteState(path, clock).open()
    assert "\n" not in str(info.value)


async def test_calls_on_a_closed_store_fail_clearly(db_path: Path, clock: FakeClock) -> None:
    state = SqliteState(db_path, clock)
    with pytest.raises(StateError, match="not open"):
        await state.open_incidents()


async def test_open_state_follows_the_config(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "nested" / "dir" / "team.db"
    state = await open_state(StateSettings(path=str(path)), clock)
    try:
        assert path.exists()
        assert state.schema_version == LATEST_VERSION
    finally:
        await state.close()


async def test_version_4_keeps_the_timeline_and_its_change_feed(db_path: Path, clock: FakeClock) -> None:
    # A store at version 3 with one incident and its first timeline line, as an older opstui left it.
    with sqlite3.connect(db_path, isolation_level=None) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description TEXT, applied_at REAL)")
        for migration in MIGRATIONS[:3]:
            for statement in migration.statements:
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version VALUES (?, ?, 0)", (migration.version, migration.description))
        conn.execute(
            "INSERT INTO incidents (id, fingerprint, rule, title, severity, state, opened_at, triggered_at, "
            "alert_state) VALUES (7, 'r|', 'r', 'r', 'P0', 'acknowledged', 1, 1, 'firing')"
        )
        conn.execute(
            "INSERT INTO incident_events (id, incident_id, at, kind, actor, host, text) "
            "VALUES (41, 7, 1, 'triggered', 'opstui', 'h', 'r is firing')"
        )
    async with SqliteState(db_path, clock) as state:
        assert state.schema_version == LATEST_VERSION
        (old,) = await state.events(7)
        assert (old.id, old.kind.value, old.text) == (41, "triggered", "r is firing")
        since = await state.last_change()
        await state.add_event(IncidentEvent(7, 2, EventKind.ACK_TIMEOUT, "opstui", "h", "triggered again"))
        assert [e.kind for e in await state.events(7)] == [EventKind.TRIGGERED, EventKind.ACK_TIMEOUT]
        assert [(c.kind, c.ref) for c in await state.changes_since(since)] == [("event", 7)]
    with sqlite3.connect(db_path) as conn:
        assert "incident_events_v4" not in {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
