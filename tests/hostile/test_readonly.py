"""Item 5: read-only for real. A superuser DSN let a "read-only" query run ``COPY ... TO PROGRAM`` (reported as
"returned no rows"), ``pg_terminate_backend`` and ``pg_reload_conf()``; such a role is now refused at connect,
and a statement that returns no result set is never run, whoever connects."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg

from opstui.clock import FakeClock
from opstui.config.models import PostgresSource
from opstui.sources.base import SourceState
from opstui.sources.postgres import PostgresPoll
from tests.pg.conftest import MONITOR_ROLE, as_monitor
from tests.pg.helpers import TableSink
from tests.pg.test_postgres_source import execute

PROGRAMS_ROLE = "opstui_test_programs"


def poll(dsn: str, queries: dict[str, str], **options: object) -> tuple[PostgresPoll, TableSink]:
    """A source with ``dsn`` exactly as given (the tests here choose the role themselves)."""
    cfg = PostgresSource.model_validate(
        {"name": "shopdb", "type": "postgres", "dsn": dsn, "queries": queries, "connect_timeout": "3s", **options}
    )
    sink = TableSink()
    return PostgresPoll(cfg, FakeClock(), sink), sink


async def once(dsn: str, queries: dict[str, str], **options: object) -> tuple[PostgresPoll, TableSink]:
    source, sink = poll(dsn, queries, **options)
    try:
        await source.run_once()
    finally:
        await source.close()
    return source, sink


async def test_a_superuser_is_refused_and_told_how_to_make_a_monitoring_role(pg_dsn: str) -> None:
    source, sink = await once(pg_dsn, {"x": "SELECT 1"})
    status = source.status
    assert status.state is SourceState.DOWN
    assert "role postgres is a superuser" in status.reason
    assert "IN ROLE pg_monitor, pg_read_all_data" in status.reason and "allow_privileged_role: true" in status.reason
    assert sink.values == {}, "not one query ran"


async def test_a_role_that_may_run_programs_is_refused(pg_dsn: str) -> None:
    await execute(
        pg_dsn,
        f"""DO $$ BEGIN CREATE ROLE {PROGRAMS_ROLE} LOGIN IN ROLE pg_execute_server_program;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$""",
    )
    dsn = as_monitor(pg_dsn).replace(f"{MONITOR_ROLE}@", f"{PROGRAMS_ROLE}@")
    source, _ = await once(dsn, {"x": "SELECT 1"})
    assert source.status.state is SourceState.DOWN
    assert "may run programs on the server (pg_execute_server_program)" in source.status.reason


async def test_allow_privileged_role_connects_but_copy_to_program_still_never_runs(pg_dsn: str, tmp_path: Path) -> None:
    marker = tmp_path / "owned"
    source, sink = await once(
        pg_dsn,
        {"copy": f"COPY (SELECT 1) TO PROGRAM 'touch {marker}'", "ok": "SELECT 1"},
        allow_privileged_role=True,
    )
    assert source.status.state is SourceState.DEGRADED
    assert sink.errors["copy"] == "not run: it returns no result set (only SELECT-like queries are run)"
    assert "no rows" not in sink.errors["copy"]
    assert sink.values["ok"] == [1.0]
    assert not marker.exists(), "the shell command never ran"


async def test_a_monitoring_role_cannot_kill_sessions_or_reload_the_server(pg_dsn: str, pg_admin_dsn: str) -> None:
    other = await asyncpg.connect(pg_admin_dsn)
    try:
        pid = other.get_server_pid()
        source, sink = await once(
            as_monitor(pg_dsn),
            {"kill": f"SELECT pg_terminate_backend({pid})::int", "reload": "SELECT pg_reload_conf()::int"},
        )
        assert source.status.state is SourceState.DEGRADED
        assert "permission denied" in sink.errors["reload"]
        assert sink.errors["kill"] == "must be a superuser to terminate superuser process"
        assert await asyncio.wait_for(other.fetchval("SELECT 1"), 5) == 1, "the other session is alive"
    finally:
        await other.close()


async def test_writes_are_refused_in_the_read_only_transaction(pg_dsn: str) -> None:
    await execute(pg_dsn, "CREATE TABLE IF NOT EXISTS hostile_target (n int)")
    _, sink = await once(
        as_monitor(pg_dsn), {"write": "WITH w AS (INSERT INTO hostile_target VALUES (1) RETURNING n) SELECT n FROM w"}
    )
    assert "read-only transaction" in sink.errors["write"]


async def test_dblink_exec_cannot_write_through_a_connection_of_its_own(pg_dsn: str) -> None:
    # The attack run's superuser wrote a row with dblink_exec: a second connection, outside the read-only
    # transaction. A superuser is refused at connect now (above); the monitoring role may call dblink but not
    # write with it: it may not connect without a password, nor insert as itself.
    await execute(
        pg_dsn,
        "CREATE EXTENSION IF NOT EXISTS dblink",
        "CREATE TABLE IF NOT EXISTS hostile_dblink (n int)",
    )
    database = pg_dsn.rpartition("/")[2].partition("?")[0]
    for user in ("postgres", MONITOR_ROLE):
        target = f"dbname={database} host=127.0.0.1 user={user}"
        insert = f"SELECT dblink_exec('{target}', 'INSERT INTO hostile_dblink VALUES (1)')"
        source, sink = await once(as_monitor(pg_dsn), {"write": insert})
        assert source.status.state is SourceState.DEGRADED
        assert "write" in sink.errors and "write" not in sink.values, sink.errors
    conn = await asyncpg.connect(pg_dsn, timeout=5)
    try:
        assert await conn.fetchval("SELECT count(*) FROM hostile_dblink") == 0, "no row was written"
    finally:
        await conn.close()
