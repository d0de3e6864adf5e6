"""The history file's costs (docs/history.md): start-up read, steady write, disk per day; each beside a floor.

- **start-up read**: 48 h x ``metrics`` at 5 s (34,560 points each) loaded from the file into an empty store by
  ``History.open``. Floor: the same rows fetched by a bare ``SELECT ts, vals FROM points``.
- **steady write**: one flush every 10 s (``store.flush_interval``) after 10 s of new points on every series:
  CPU per flush (loop side + writer thread, ``time.process_time``) and its share of one core. Request and payment
  events never reach the history (they live in the windows; only the once-a-second derived series do), so the
  cost does not depend on the event rate: 10,000 events/s costs the history what 10 do. Floor: the same blobs
  written by a bare ``INSERT`` in one transaction.
- **disk per day**: bytes the file takes per day of one series at full resolution and of its rollups.
- **per-route latency**: bytes on disk per route and day of the hourly per-route sketches (50 routes, 1,000
  requests/s between them), and the CPU one flush spends merging 10 s of every route into its hour's row.
- **the team's shared history** (only with ``--dsn``): the same start-up read and flush against PostgreSQL
  (:class:`~opstui.metrics.history_pg.SharedHistory`, in a schema of its own, dropped after). Floors: the same
  rows fetched by a bare ``SELECT ts, vals FROM points`` through asyncpg, and the same blobs written by bare
  ``INSERT``s through asyncpg in one transaction. CPU is this process's (the server's is not counted), so the
  wall time per flush is given too: it includes the round trips.

    python -m bench.history [--metrics 50] [--dsn postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import asyncpg

from opstui.clock import FakeClock
from opstui.metrics.history import History
from opstui.metrics.history_file import HistoryFile, HistoryTables
from opstui.metrics.history_pg import SharedHistory
from opstui.metrics.sketch import LatencySketch
from opstui.metrics.store import MetricStore

START = 1_790_000_000.0
RESOLUTION = 5.0
RETENTION = 48 * 3600.0


def _store(clock: FakeClock, metrics: int) -> MetricStore:
    return MetricStore(clock, retention=RETENTION, resolution=RESOLUTION, max_series=metrics + 10)


async def _fill(history: History, store: MetricStore, clock: FakeClock, metrics: int, flushes: int) -> dict[str, float]:
    """48 h of ``metrics`` series into the history, then ``flushes`` steady flushes of 10 s each: their costs."""
    await history.open()
    points = int(RETENTION / RESOLUTION)
    for i in range(points):  # 48 h of history, flushed every 10 s of it would take hours: flushed hourly
        clock.advance(RESOLUTION)
        for m in range(metrics):
            store.record(f"metric_{m}", float((i * (m + 1)) % 97))
        if i % 720 == 719:
            await history.flush()
    await history.flush()

    # Steady state: 10 s of points (two per series), then one flush; repeated.
    loop_side = cpu = wall = 0.0
    for _ in range(flushes):
        for _ in range(2):
            clock.advance(RESOLUTION)
            for m in range(metrics):
                store.record(f"metric_{m}", float(m))
        c0, w0 = time.process_time(), time.perf_counter()
        batch, _ = history.collect()
        loop_side += time.perf_counter() - w0
        del batch
        await history.flush()
        cpu += time.process_time() - c0
        wall += time.perf_counter() - w0
    await history.close()
    return {
        "flush_cpu_ms": cpu / flushes * 1000,
        "flush_wall_ms": wall / flushes * 1000,
        "flush_loop_ms": loop_side / flushes * 1000,
        "cpu_share_pct": cpu / flushes / 10.0 * 100,
    }


async def _read(clock: FakeClock, metrics: int, opener: Callable[[], HistoryTables]) -> tuple[int, float]:
    """Points loaded by a fresh console's start-up read, and its wall time in seconds."""
    clock2 = FakeClock(clock.now())
    fresh = _store(clock2, metrics)
    reader = History(Path("unused"), fresh, clock2, rollup_retention=90 * 86400.0, opener=opener)
    w0 = time.perf_counter()
    loaded = await reader.open()
    read_s = time.perf_counter() - w0
    await reader.close()
    return loaded, read_s


async def _run(metrics: int, flushes: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "history.db"
        clock = FakeClock(START)
        store = _store(clock, metrics)
        history = History(path, store, clock, rollup_retention=90 * 86400.0)
        costs = await _fill(history, store, clock, metrics, flushes)
        size = path.stat().st_size
        with sqlite3.connect(path) as conn:
            points_bytes = conn.execute("SELECT sum(length(ts) + length(vals)) FROM points").fetchone()[0]
            rollup_bytes = conn.execute("SELECT sum(length(data)) FROM rollups").fetchone()[0]
            blobs = conn.execute("SELECT series, start, ts, vals FROM points ORDER BY series, start").fetchall()

        # Floor for the write: the same number of chunk and rollup blobs a flush writes, bare.
        floor_path = Path(tmp) / "floor.db"
        with sqlite3.connect(floor_path, isolation_level=None) as conn:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("CREATE TABLE t (series INTEGER, start INTEGER, a BLOB, b BLOB, UNIQUE (series, start))")
            chunk, hour = bytes(16 * 60), bytes(1920)
            c0 = time.process_time()
            for n in range(flushes):
                conn.execute("BEGIN")
                conn.executemany(
                    "INSERT OR REPLACE INTO t VALUES (?, ?, ?, ?)", [(m, n % 30, chunk, hour) for m in range(metrics)]
                )
                conn.execute("COMMIT")
            floor_cpu = (time.process_time() - c0) / flushes

        # Start-up read, and its floor.
        loaded, read_s = await _read(clock, metrics, lambda: HistoryFile(path))
        with sqlite3.connect(path) as conn:
            w0 = time.perf_counter()
            rows = conn.execute("SELECT ts, vals FROM points").fetchall()
            floor_read_s = time.perf_counter() - w0
        del rows, blobs
    return {
        "metrics": metrics,
        "loaded_points": loaded,
        "read_ms": read_s * 1000,
        "floor_read_ms": floor_read_s * 1000,
        **costs,
        "floor_flush_cpu_ms": floor_cpu * 1000,
        "file_mb": size / 1e6,
        "points_mb_per_series_day": points_bytes / metrics / 2 / 1e6,
        "rollup_kb_per_series_day": rollup_bytes / metrics / 2 / 1e3,
    }


def bench_history(metrics: int = 50, flushes: int = 60) -> dict[str, float]:
    """The figures by name; see the module docstring."""
    return asyncio.run(_run(metrics, flushes))


async def _run_pg(dsn: str, metrics: int, flushes: int) -> dict[str, float]:
    """The same start-up read and flush against the team's shared history, in a schema dropped after."""
    schema = f"opstui_bench_{os.getpid()}_history"
    conn: asyncpg.Connection = await asyncpg.connect(dsn, timeout=10)
    await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    try:
        clock = FakeClock(START)
        store = _store(clock, metrics)
        history = History(
            Path("unused"), store, clock, rollup_retention=90 * 86400.0, opener=lambda: SharedHistory(dsn, schema)
        )
        costs = await _fill(history, store, clock, metrics, flushes)
        loaded, read_s = await _read(clock, metrics, lambda: SharedHistory(dsn, schema))  # as a console opens it

        w0 = time.perf_counter()
        blobs = await conn.fetch(f'SELECT ts, vals FROM "{schema}".points')
        floor_read_s = time.perf_counter() - w0
        del blobs

        # Floor for the write: a chunk and a rollup blob per series, bare INSERTs in one transaction, as for the file.
        await conn.execute(
            f'CREATE TABLE "{schema}".floor (series BIGINT, start BIGINT, a BYTEA, b BYTEA, UNIQUE (series, start))'
        )
        insert = (
            f'INSERT INTO "{schema}".floor VALUES ($1, $2, $3, $4)'
            " ON CONFLICT (series, start) DO UPDATE SET a = excluded.a, b = excluded.b"
        )
        chunk, hour = bytes(16 * 60), bytes(1920)
        c0, w0 = time.process_time(), time.perf_counter()
        for n in range(flushes):
            async with conn.transaction():
                await conn.executemany(insert, [(m, n % 30, chunk, hour) for m in range(metrics)])
        floor_cpu, floor_wall = time.process_time() - c0, time.perf_counter() - w0
    finally:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await conn.close()
    return {
        "metrics": metrics,
        "loaded_points": loaded,
        "read_ms": read_s * 1000,
        "floor_read_ms": floor_read_s * 1000,
        **costs,
        "floor_flush_cpu_ms": floor_cpu / flushes * 1000,
        "floor_flush_wall_ms": floor_wall / flushes * 1000,
    }


def bench_history_pg(dsn: str, metrics: int = 50, flushes: int = 60) -> dict[str, float]:
    """The shared history's figures by name (PostgreSQL at ``dsn``); see the module docstring."""
    return asyncio.run(_run_pg(dsn, metrics, flushes))


def _sketch(rng: random.Random, count: int) -> LatencySketch:
    sketch = LatencySketch()
    sketch.add_many(round(rng.lognormvariate(4.8, 0.6), 1) for _ in range(count))
    return sketch


def bench_route_latency(routes: int = 50, days: int = 1, per_second: float = 1000.0) -> dict[str, float]:
    """Disk, flush and read cost of the per-route hourly sketches: ``routes`` routes sharing ``per_second``
    requests for ``days`` days (a few distinct hour sketches reused: a row's size follows the latencies'
    spread, not the number of requests)."""
    rng = random.Random(1)
    per_hour = int(per_second * 3600 / routes)
    hours = [_sketch(rng, per_hour) for _ in range(4)]
    slices = [_sketch(rng, int(per_second * 10 / routes)) for _ in range(routes)]
    names = [f"/api/route_{i}" for i in range(routes)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "routes.db"
        HistoryFile(path).close()
        empty = path.stat().st_size
        file = HistoryFile(path)
        assert file.take_lock()
        for h in range(24 * days):
            file.write_route_latency({START + h * 3600: {name: rng.choice(hours) for name in names}}, routes)
        c0 = time.process_time()
        flushes = 30
        for _ in range(flushes):  # 10 s of every route merged into the newest hour's rows
            file.write_route_latency({START: dict(zip(names, slices, strict=True))}, routes)
        flush_cpu = (time.process_time() - c0) / flushes
        w0 = time.perf_counter()
        merged = file.route_latencies(START)
        read_s = time.perf_counter() - w0
        assert len(merged) == routes
        file.close()
        size = path.stat().st_size - empty
        with sqlite3.connect(path) as conn:
            blob_bytes = conn.execute("SELECT sum(length(data)) FROM route_latency").fetchone()[0]
        conn.close()
    return {
        "routes": routes,
        "route_kb_per_route_day": size / routes / days / 1e3,
        "route_blob_kb_per_route_hour": blob_bytes / routes / (24 * days) / 1e3,
        "route_mb_90d": size / days * 90 / 1e6,
        "route_flush_cpu_ms": flush_cpu * 1000,
        "route_read_ms_per_day": read_s / days * 1000,
    }


def rows(quick: bool = False, dsn: str | None = None) -> list[tuple[str, str, str]]:
    """The rows ``python -m bench.run`` prints; the shared history's only with ``dsn``."""
    r = bench_history()
    n = int(r["metrics"])
    rr = bench_route_latency()
    out = [
        (
            "history: start-up read, 48 h x 50 metrics",
            f"{r['read_ms']:.0f} ms (floor {r['floor_read_ms']:.0f} ms)",
            f"{r['loaded_points']:,.0f} points into an empty store; floor: a bare SELECT of the same rows",
        ),
        (
            "history: one flush every 10 s",
            f"{r['flush_cpu_ms']:.2f} ms CPU, {r['cpu_share_pct']:.3f} % of a core "
            f"(floor {r['floor_flush_cpu_ms']:.2f} ms)",
            f"{n} series, loop side {r['flush_loop_ms']:.2f} ms; independent of the event rate",
        ),
        (
            "history: disk per series per day",
            f"{r['points_mb_per_series_day']:.2f} MB full res, {r['rollup_kb_per_series_day']:.0f} KB rollups",
            f"file {r['file_mb']:.0f} MB for {n} series x 48 h",
        ),
        (
            "history: per-route latency on disk",
            f"{rr['route_kb_per_route_day']:.0f} KB per route per day ({rr['route_mb_90d']:.0f} MB for 50 routes"
            " x 90 days)",
            f"hourly sketches, 50 routes sharing 1,000 requests/s; one flush merges them in "
            f"{rr['route_flush_cpu_ms']:.1f} ms CPU; --routes reads a day in {rr['route_read_ms_per_day']:.0f} ms",
        ),
    ]
    if dsn:
        pg = bench_history_pg(dsn)
        out += [
            (
                "shared history (PostgreSQL): start-up read, 48 h x 50 metrics",
                f"{pg['read_ms']:.0f} ms (floor {pg['floor_read_ms']:.0f} ms)",
                f"{pg['loaded_points']:,.0f} points into an empty store; floor: a bare SELECT of the same rows"
                " via asyncpg",
            ),
            (
                "shared history (PostgreSQL): one flush every 10 s",
                f"{pg['flush_wall_ms']:.1f} ms, {pg['flush_cpu_ms']:.2f} ms CPU, {pg['cpu_share_pct']:.3f} % of a"
                f" core (floor {pg['floor_flush_wall_ms']:.1f} ms, {pg['floor_flush_cpu_ms']:.2f} ms CPU)",
                f"{n} series, loop side {pg['flush_loop_ms']:.2f} ms; wall includes the round trips; floor: the"
                " same blobs by bare INSERTs via asyncpg",
            ),
        ]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.history", description=__doc__)
    parser.add_argument("--metrics", type=int, default=50)
    parser.add_argument("--dsn", help="also the team's shared history on this PostgreSQL (a schema, dropped after)")
    args = parser.parse_args()
    figures = {**bench_history(args.metrics), **bench_route_latency()}
    if args.dsn:
        figures.update({f"pg_{name}": value for name, value in bench_history_pg(args.dsn, args.metrics).items()})
    for name, value in figures.items():
        print(f"{name:32} {value:,.3f}")


if __name__ == "__main__":
    main()
