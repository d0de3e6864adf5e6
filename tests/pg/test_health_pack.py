"""The health pack against a real server: connections, long transactions, locks, cache, size, statements."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import asyncpg
import pytest

from opstui.sources import pghealth
from opstui.sources.base import SourceState
from tests.pg.conftest import _fresh_database
from tests.pg.helpers import until_server
from tests.pg.test_postgres_source import execute, source


async def test_health_pack_reports_connections_transactions_locks_cache_and_size(pg_dsn: str) -> None:
    await execute(pg_dsn, "CREATE TABLE IF NOT EXISTS locked (n int)")
    holder = await asyncpg.connect(pg_dsn, server_settings={"application_name": "app-holder"})
    waiter = await asyncpg.connect(pg_dsn, server_settings={"application_name": "app-waiter"})
    src, sink, _ = source(pg_dsn, {}, health=True)
    blocked: asyncio.Task[object] | None = None
    try:
        await holder.execute("BEGIN; LOCK TABLE locked IN ACCESS EXCLUSIVE MODE")
        blocked = asyncio.create_task(waiter.execute("BEGIN; LOCK TABLE locked IN ACCESS EXCLUSIVE MODE; ROLLBACK"))
        await until_server(lambda: holder.fetchval("SELECT count(*) FROM pg_locks WHERE NOT granted"))
        status = await src.run_once()
    finally:
        await holder.execute("ROLLBACK")
        if blocked is not None:
            await blocked
        await waiter.close()
        await holder.close()
        await src.close()
    assert status.state is SourceState.UP, status.reason
    assert sink.last("pg_connections") >= 3
    assert sink.last("pg_max_connections") > 0
    assert sink.last("pg_connections_pct") == pytest.approx(
        100.0 * sink.last("pg_connections") / sink.last("pg_max_connections"), rel=0.5
    )
    assert sink.last("pg_waiting_locks") >= 1
    assert sink.last("pg_longest_transaction_s") > 0
    assert sink.last("pg_longest_query_s") >= 0
    assert 0 <= sink.last("pg_cache_hit_ratio") <= 100
    assert sink.last("pg_database_size_bytes") > 1_000_000
    assert "pg_replication_lag_s" not in sink.values  # no replicas: nothing to report, and no error
    assert not sink.errors


async def test_without_pg_stat_statements_the_slow_statements_table_says_so(pg_dsn: str) -> None:
    await execute(pg_dsn, "DROP EXTENSION IF EXISTS pg_stat_statements")
    src, sink, _ = source(pg_dsn, {}, health=True)
    try:
        await src.run_once()
    finally:
        await src.close()
    columns, rows, note = sink.tables[pghealth.SLOW_STATEMENTS]
    assert rows == [] and columns == pghealth.SLOW_COLUMNS
    assert note == pghealth.NOTE_NOT_INSTALLED
    assert "not installed" in note


@pytest.fixture(scope="module")
def stat_statements_dsn() -> Iterator[str]:
    """A database on the shared server with the pg_stat_statements extension created."""
    for dsn in _fresh_database("pgss"):
        try:
            asyncio.run(execute(dsn, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
        except asyncpg.PostgresError as exc:
            pytest.skip(f"pg_stat_statements is not available on this server: {exc}")
        yield dsn


async def preloaded(dsn: str) -> bool:
    conn = await asyncpg.connect(dsn)
    try:
        return "pg_stat_statements" in (await conn.fetchval("SHOW shared_preload_libraries"))
    finally:
        await conn.close()


async def installed_but_not_preloaded_says_how_to_fix_it(dsn: str) -> None:
    src, sink, _ = source(dsn, {}, health=True)
    try:
        status = await src.run_once()
    finally:
        await src.close()
    columns, rows, note = sink.tables[pghealth.SLOW_STATEMENTS]
    assert rows == [] and note == pghealth.NOTE_NOT_LOADED
    assert "shared_preload_libraries" in note
    assert status.state is SourceState.UP  # a missing extension is a note, not a failure


async def slowest_statements_present(dsn: str) -> None:
    """Run a recognisable statement a few times, then expect it among the slowest statements."""
    await execute(dsn, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    for _ in range(3):
        await execute(dsn, "SELECT count(*) FROM generate_series(1, 200000)")
    src, sink, _ = source(dsn, {}, health=True)
    try:
        status = await src.run_once()
    finally:
        await src.close()
    assert status.state is SourceState.UP, status.reason
    columns, rows, note = sink.tables[pghealth.SLOW_STATEMENTS]
    assert note == ""
    assert columns == pghealth.SLOW_COLUMNS
    assert rows and any("generate_series" in str(row[0]) for row in rows)
    calls, mean_ms = rows[0][1], rows[0][2]
    assert calls >= 1 and mean_ms >= 0


async def test_with_pg_stat_statements_present_the_slowest_statements_are_listed(pgss_dsn: str) -> None:
    """On a private server started with the extension preloaded (the shared one usually is not)."""
    assert await preloaded(pgss_dsn)
    await slowest_statements_present(pgss_dsn)


async def test_on_the_shared_server_the_pane_says_what_its_setup_allows(stat_statements_dsn: str) -> None:
    """The extension is created in the database; whether the server preloads it decides which answer is right.
    Never skipped: the case the shared server cannot show runs on the private server above (present) or is
    this one (installed but not loaded)."""
    if await preloaded(stat_statements_dsn):
        await slowest_statements_present(stat_statements_dsn)
    else:
        await installed_but_not_preloaded_says_how_to_fix_it(stat_statements_dsn)
