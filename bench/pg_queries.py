"""Queries per second of the postgres source's metric refresh against the demo database, and EXPLAIN.

    python -m bench.run --dsn postgresql://postgres@127.0.0.1:5432/postgres
    python -m bench.pg_queries --dsn DSN --explain      # the plan of each example query (docs/postgresql.md)

The benchmark creates (once, then reuses) a database ``opstui_bench_<orders>`` on the server the DSN
points at, filled by ``opstui demo-db``'s code with 1,000,000 orders over 60 days (100,000 in quick
mode). One *round* is what the console does every ``interval``: every example query of
config.example.yaml plus the health pack, each in its own READ ONLY transaction with
``statement_timeout``, over a pool of 2 connections. Reported: rounds per second, queries per second,
and the slowest query's mean time.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from urllib.parse import urlsplit, urlunsplit

Row = tuple[str, str, str]


def _database(dsn: str, name: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


async def prepare(dsn: str, orders: int) -> str:
    """The DSN of a database holding ``orders`` demo orders (built on first use, then reused)."""
    import asyncpg

    from opstui.demo.database import create_schema, fill, order_count

    name = f"opstui_bench_{orders}"
    admin = await asyncpg.connect(dsn, timeout=10)
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await admin.execute(f"CREATE DATABASE {name}")
    finally:
        await admin.close()
    target = _database(dsn, name)
    conn = await asyncpg.connect(target, timeout=10)
    try:
        if await order_count(conn) != orders:
            await conn.execute("DROP TABLE IF EXISTS refunds, payments, order_items, orders, jobs, products, users")
            await create_schema(conn)
            await fill(conn, orders=orders, seed=1)
    finally:
        await conn.close()
    return target


async def measure(dsn: str, rounds: int) -> dict[str, float]:
    """Time ``rounds`` refresh rounds of the example queries + health pack, and each query alone."""
    import asyncpg

    from opstui.clock import SystemClock
    from opstui.config.models import PostgresSource
    from opstui.demo.database import SHOP_QUERIES
    from opstui.sources.base import SourceState
    from opstui.sources.postgres import PostgresPoll

    cfg = PostgresSource.model_validate(
        # The bench's own throw-away database, often reached as the local superuser: allowed on purpose.
        {
            "name": "bench",
            "type": "postgres",
            "dsn": dsn,
            "health": True,
            "queries": SHOP_QUERIES,
            "allow_privileged_role": True,
        }
    )

    class Nowhere:
        retention = 48 * 3600.0

        def record(self, *args: object, **kwargs: object) -> None: ...
        def ingest(self, *args: object) -> None: ...
        def status_changed(self, *args: object) -> None: ...

    poll = PostgresPoll(cfg, SystemClock(), Nowhere())
    try:
        status = await poll.run_once()  # warm-up: the pool, the plans, the cache
        if status.state is not SourceState.UP:
            raise RuntimeError(f"the bench database is not healthy: {status.reason}")
        started = time.perf_counter()
        for _ in range(rounds):
            await poll.run_once()
        elapsed = time.perf_counter() - started
    finally:
        await poll.close()
    per_query: dict[str, float] = {}
    conn = await asyncpg.connect(dsn)
    try:
        for name, spec in SHOP_QUERIES.items():
            sql = spec if isinstance(spec, str) else str(spec["sql"])
            times = []
            for _ in range(max(3, rounds // 5)):
                t = time.perf_counter()
                await conn.fetch(sql)
                times.append(time.perf_counter() - t)
            per_query[name] = statistics.mean(times) * 1000
    finally:
        await conn.close()
    queries = len(poll.queries) + 1  # + the slow-statements table
    return {
        "rounds_per_s": rounds / elapsed,
        "queries_per_s": rounds * queries / elapsed,
        "queries": queries,
        **{f"ms:{k}": v for k, v in per_query.items()},
    }


async def explain(dsn: str) -> str:
    """``EXPLAIN (ANALYZE, BUFFERS)`` of each example query, as Markdown for docs/postgresql.md."""
    import asyncpg

    from opstui.demo.database import SHOP_QUERIES

    conn = await asyncpg.connect(dsn)
    out = []
    try:
        total = await conn.fetchval("SELECT count(*) FROM orders")
        out.append(f"Plans against the demo database with {total:,} orders:\n")
        for name, spec in SHOP_QUERIES.items():
            sql = spec if isinstance(spec, str) else str(spec["sql"])
            plan = [r[0] for r in await conn.fetch("EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) " + sql)]
            out.append(f"`{name}`\n```\n" + "\n".join(plan) + "\n```\n")
    finally:
        await conn.close()
    return "\n".join(out)


def rows(quick: bool, dsn: str | None) -> list[Row]:
    """The bench/run.py rows; nothing without a DSN (the database is not part of the default run)."""
    if not dsn:
        return []
    orders = 100_000 if quick else 1_000_000
    target = asyncio.run(prepare(dsn, orders))
    r = asyncio.run(measure(target, rounds=20 if quick else 100))
    slowest = max((k for k in r if k.startswith("ms:")), key=lambda k: r[k])
    how = (
        f"{int(r['queries'])} queries a round (config.example.yaml's + health pack), read-only transactions, "
        f"pool of 2, demo db with {orders:,} orders"
    )
    return [
        ("postgres metric refresh", f"{r['rounds_per_s']:,.1f} rounds/s ({r['queries_per_s']:,.0f} queries/s)", how),
        ("slowest example query", f"{r[slowest]:.1f} ms ({slowest[3:]})", f"mean, same database, {orders:,} orders"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pg_queries", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dsn", required=True, help="a PostgreSQL server (the bench creates its own database)")
    parser.add_argument("--quick", action="store_true", help="100,000 orders instead of 1,000,000")
    parser.add_argument("--explain", action="store_true", help="print the plan of each example query")
    args = parser.parse_args(argv)
    orders = 100_000 if args.quick else 1_000_000
    target = asyncio.run(prepare(args.dsn, orders))
    if args.explain:
        print(asyncio.run(explain(target)))
        return 0
    for what, figure, how in rows(args.quick, args.dsn):
        print(f"| {what} | {figure} | {how} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
