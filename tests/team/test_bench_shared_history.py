"""The shared history's benchmark (``python -m bench.history --dsn``) runs against a real PostgreSQL and reports
its figures beside their floors (the costs themselves are measured, not asserted), leaving no schema behind."""

from __future__ import annotations

import asyncio
import os

import asyncpg

from bench.history import bench_history_pg


async def test_bench_shared_history_reports_every_figure(pg_dsn: str, admin: asyncpg.Connection) -> None:
    figures = await asyncio.to_thread(bench_history_pg, pg_dsn, 2, 3)
    assert figures["loaded_points"] == 2 * 34_560
    for name in ("read_ms", "floor_read_ms", "flush_cpu_ms", "flush_wall_ms", "floor_flush_wall_ms"):
        assert figures[name] > 0
    schema = f"opstui_bench_{os.getpid()}_history"
    assert await admin.fetchval("SELECT count(*) FROM pg_namespace WHERE nspname = $1", schema) == 0
