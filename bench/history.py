"""The history file's costs (docs/history.md): start-up read, steady write, disk per day; each beside a floor.

- **start-up read**: 48 h x ``metrics`` at 5 s (34,560 points each) loaded from the file into an empty store by
  ``History.open``. Floor: the same rows fetched by a bare ``SELECT ts, vals FROM points``.
- **steady write**: one flush every 10 s (``store.flush_interval``) after 10 s of new points on every series:
  CPU per flush (loop side + writer thread, ``time.process_time``) and its share of one core. Request and payment
  events never reach the history (they live in the windows; only the once-a-second derived series do), so the
  cost does not depend on the event rate: 10,000 events/s costs the history what 10 do. Floor: the same blobs
  written by a bare ``INSERT`` in one transaction.
- **disk per day**: bytes the file takes per day of one series at full resolution and of its rollups.

    python -m bench.history [--metrics 50]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from pathlib import Path

from opstui.clock import FakeClock
from opstui.metrics.history import History
from opstui.metrics.store import MetricStore

START = 1_790_000_000.0
RESOLUTION = 5.0
RETENTION = 48 * 3600.0


def _store(clock: FakeClock, metrics: int) -> MetricStore:
    return MetricStore(clock, retention=RETENTION, resolution=RESOLUTION, max_series=metrics + 10)


async def _run(metrics: int, flushes: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "history.db"
        clock = FakeClock(START)
        store = _store(clock, metrics)
        history = History(path, store, clock, rollup_retention=90 * 86400.0)
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
        loop_side = 0.0
        cpu = 0.0
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
        await history.close()
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
        clock2 = FakeClock(clock.now())
        fresh = _store(clock2, metrics)
        reader = History(path, fresh, clock2, rollup_retention=90 * 86400.0)
        w0 = time.perf_counter()
        loaded = await reader.open()
        read_s = time.perf_counter() - w0
        await reader.close()
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
        "flush_cpu_ms": cpu / flushes * 1000,
        "flush_loop_ms": loop_side / flushes * 1000,
        "floor_flush_cpu_ms": floor_cpu * 1000,
        "cpu_share_pct": cpu / flushes / 10.0 * 100,
        "file_mb": size / 1e6,
        "points_mb_per_series_day": points_bytes / metrics / 2 / 1e6,
        "rollup_kb_per_series_day": rollup_bytes / metrics / 2 / 1e3,
    }


def bench_history(metrics: int = 50, flushes: int = 60) -> dict[str, float]:
    """The figures by name; see the module docstring."""
    return asyncio.run(_run(metrics, flushes))


def rows(quick: bool = False, dsn: str | None = None) -> list[tuple[str, str, str]]:
    """The rows ``python -m bench.run`` prints."""
    r = bench_history()
    n = int(r["metrics"])
    return [
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
    ]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.history", description=__doc__)
    parser.add_argument("--metrics", type=int, default=50)
    args = parser.parse_args()
    for name, value in bench_history(args.metrics).items():
        print(f"{name:28} {value:,.3f}")


if __name__ == "__main__":
    main()
