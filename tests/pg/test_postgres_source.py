"""The postgres source against a real server: read-only, timeouts, per-metric errors, recovery, secrets."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import asyncpg
import pytest

from opstui.clock import FakeClock
from opstui.config.models import PostgresSource
from opstui.sources.base import SourceState
from opstui.sources.postgres import PostgresPoll
from tests.pg.conftest import PrivateServer, as_monitor, with_database
from tests.pg.helpers import TableSink, until_server


def source(dsn: str, queries: dict[str, Any], **options: Any) -> tuple[PostgresPoll, TableSink, FakeClock]:
    """A source on ``dsn``'s database connecting as the monitoring role (a superuser would be refused)."""
    cfg = PostgresSource.model_validate(
        {"name": "shopdb", "type": "postgres", "dsn": as_monitor(dsn), "queries": queries, "interval": "10s", **options}
    )
    sink = TableSink()
    clock = FakeClock()
    return PostgresPoll(cfg, clock, sink), sink, clock


async def execute(dsn: str, *statements: str) -> None:
    conn = await asyncpg.connect(dsn, timeout=5)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def test_single_values_become_metrics_and_rows_become_a_bounded_table(pg_dsn: str) -> None:
    src, sink, _ = source(
        pg_dsn,
        {
            "answer": "SELECT 42",
            "ratio": "SELECT 1.5::numeric",
            "numbers": {
                "sql": "SELECT g AS n, g * 2 AS twice FROM generate_series(1, 1000) g",
                "table": True,
                "max_rows": 5,
            },
        },
    )
    try:
        status = await src.run_once()
    finally:
        await src.close()
    assert status.state is SourceState.UP, status.reason
    assert sink.last("answer") == 42.0
    assert sink.last("ratio") == 1.5
    columns, rows, _ = sink.tables["numbers"]
    assert columns == ("n", "twice")
    assert rows == [(1, 2), (2, 4), (3, 6), (4, 8), (5, 10)]


async def test_an_insert_in_a_user_query_is_refused_and_says_so(pg_dsn: str) -> None:
    await execute(pg_dsn, "CREATE TABLE IF NOT EXISTS ro_probe (n int)", "TRUNCATE ro_probe")
    src, sink, _ = source(pg_dsn, {"sneaky": "INSERT INTO ro_probe VALUES (1) RETURNING n", "fine": "SELECT 1"})
    try:
        status = await src.run_once()
    finally:
        await src.close()
    assert "read-only" in sink.errors["sneaky"]
    assert sink.errors["sneaky"].startswith("refused: cannot execute INSERT")
    assert sink.last("fine") == 1.0
    assert "sneaky" not in sink.values
    assert status.state is SourceState.DEGRADED and "sneaky" in status.reason
    conn = await asyncpg.connect(pg_dsn)
    try:
        assert await conn.fetchval("SELECT count(*) FROM ro_probe") == 0
    finally:
        await conn.close()


async def test_a_slow_query_hits_the_statement_timeout_and_only_that_metric_is_stale(pg_dsn: str) -> None:
    src, sink, _ = source(pg_dsn, {"slow": "SELECT 1 FROM pg_sleep(10)", "fast": "SELECT 7"}, statement_timeout="200ms")
    try:
        status = await src.run_once()
    finally:
        await src.close()
    assert sink.errors == {"slow": "timeout after 0.2s (statement_timeout)"}
    assert sink.last("fast") == 7.0
    assert status.state is SourceState.DEGRADED


async def test_a_query_error_on_one_metric_leaves_the_others_and_clears_when_fixed(pg_dsn: str) -> None:
    await execute(pg_dsn, "DROP TABLE IF EXISTS later_table")
    src, sink, _ = source(
        pg_dsn,
        {
            "broken": "SELECT count(*) FROM later_table",
            "divide": "SELECT 1 / 0",
            "empty": "SELECT 1 WHERE false",
            "text": "SELECT 'abc'",
            "ok": "SELECT 3",
        },
    )
    try:
        await src.run_once()
        assert sink.errors["broken"] == 'relation "later_table" does not exist'
        assert sink.errors["divide"] == "division by zero"
        assert sink.errors["empty"] == "returned no rows"
        assert sink.errors["text"] == "returned not a number: 'abc'"
        assert sink.last("ok") == 3.0
        await execute(pg_dsn, "CREATE TABLE later_table (n int)", "INSERT INTO later_table VALUES (1), (2)")
        await src.run_once()
    finally:
        await src.close()
    assert "broken" not in sink.errors
    assert sink.last("broken") == 2.0


async def opstui_backends(admin_dsn: str, database: str) -> list[int]:
    conn = await asyncpg.connect(admin_dsn)
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'opstui'", database
        )
        return [r["pid"] for r in rows]
    finally:
        await conn.close()


async def terminate(admin_dsn: str, database: str) -> int:
    conn = await asyncpg.connect(admin_dsn)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = $1 AND application_name = 'opstui'",
                database,
            )
        )
    finally:
        await conn.close()


async def test_backends_killed_between_rounds_the_source_recovers(pg_dsn: str, pg_admin_dsn: str) -> None:
    database = pg_dsn.rsplit("/", 1)[1]
    src, sink, clock = source(pg_dsn, {"backend": "SELECT pg_backend_pid()"})
    task = asyncio.create_task(src.run())
    try:
        await sink.wait_until(lambda: "backend" in sink.values)
        first = sink.last("backend")
        assert await terminate(pg_admin_dsn, database) >= 1
        # Each wake-up is one round (or one backoff); the source must come back up on a new backend.
        for _ in range(10):
            await sink.wait_until(lambda: clock.sleepers > 0)
            if sink.last("backend") != first and src.status.state is SourceState.UP:
                break
            clock.advance(60)
            await sink.wait_until(lambda: bool(sink.statuses) and sink.statuses[-1].last_check == clock.now())
        assert src.status.state is SourceState.UP
        assert sink.last("backend") != first
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await src.close()


async def test_backend_killed_mid_query_is_connection_lost_then_recovers(pg_dsn: str, pg_admin_dsn: str) -> None:
    database = pg_dsn.rsplit("/", 1)[1]
    await execute(pg_dsn, "CREATE TABLE IF NOT EXISTS sleep_flag (n int)", "INSERT INTO sleep_flag VALUES (1)")
    sleepy = "SELECT 1 FROM pg_sleep(CASE WHEN EXISTS (SELECT 1 FROM sleep_flag) THEN 30 ELSE 0 END)"
    src, sink, _ = source(pg_dsn, {"sleepy": sleepy}, statement_timeout="60s")
    try:
        round_ = asyncio.create_task(src.run_once())
        await until_server(lambda: opstui_backends(pg_admin_dsn, database))
        await execute(pg_dsn, "DELETE FROM sleep_flag")
        assert await terminate(pg_admin_dsn, database) >= 1
        status = await round_
        assert status.state is SourceState.UNREACHABLE
        assert status.reason.startswith("connection lost: ")
        assert src.pool is None
        status = await src.run_once()
        assert status.state is SourceState.UP, status.reason
        assert sink.last("sleepy") == 1.0
    finally:
        await src.close()


async def test_the_password_never_appears_in_status_errors_or_logs(
    pg_dsn: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    password = "hunter2-very-secret"
    with_password = pg_dsn.replace("://postgres@", f"://postgres:{password}@")
    missing_db = with_database(with_password, "opstui_no_such_database")
    src, sink, _ = source(missing_db, {"x": "SELECT 1"}, connect_timeout="2s")
    status = await src.run_once()
    assert status.state is SourceState.DOWN
    assert "does not exist" in status.reason
    assert status.target.endswith("@127.0.0.1:5432/opstui_no_such_database")
    assert ":***@" in status.target
    refused = with_password.replace(":5432/", ":1/")
    src2, _, _ = source(refused, {"x": "SELECT 1"}, connect_timeout="2s")
    status2 = await src2.run_once()
    assert status2.state is SourceState.UNREACHABLE
    assert status2.reason == "connection refused"
    for text in (repr(status), repr(status2), caplog.text, repr(sink.errors)):
        assert password not in text


async def test_an_unreachable_server_is_retried_with_backoff() -> None:
    src, sink, clock = source("postgresql://postgres@127.0.0.1:1/x", {"x": "SELECT 1"}, connect_timeout="1s")
    task = asyncio.create_task(src.run())
    try:
        await sink.wait_until(lambda: clock.sleepers > 0 and bool(sink.statuses))
        first = sink.statuses[-1]
        assert first.state is SourceState.UNREACHABLE and first.reason == "connection refused"
        assert first.next_attempt is not None and first.next_attempt > clock.now()
        clock.advance(120)
        await sink.wait_until(lambda: len(sink.statuses) >= 2 and clock.sleepers > 0)
        assert sink.statuses[-1].checks == 2
        assert src.backoff.failures == 2
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await src.close()


async def test_the_server_restarted_mid_run_the_source_recovers(private_server: PrivateServer) -> None:
    """A real restart (pg_ctl stop / start) of a private server while the source loop runs."""
    src, sink, clock = source(
        private_server.dsn, {"uptime": "SELECT EXTRACT(EPOCH FROM pg_postmaster_start_time())"}, connect_timeout="2s"
    )
    task = asyncio.create_task(src.run())
    try:
        await sink.wait_until(lambda: "uptime" in sink.values and clock.sleepers > 0)
        started = sink.last("uptime")
        await asyncio.to_thread(private_server.stop)
        clock.advance(10)  # the next round finds the server gone
        await sink.wait_until(lambda: src.status.state is SourceState.UNREACHABLE and clock.sleepers > 0)
        assert src.status.next_attempt is not None
        await asyncio.to_thread(private_server.start)
        for _ in range(10):  # each advance is one backoff step; the first try after the start succeeds
            if src.status.state is SourceState.UP:
                break
            checks = src.status.checks
            clock.advance(60)
            await sink.wait_until(lambda: src.status.checks > checks and clock.sleepers > 0)  # noqa: B023
        assert src.status.state is SourceState.UP
        assert sink.last("uptime") > started  # a new postmaster answered
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await src.close()
