"""The demo shop database: the fill's shape, the example queries (clean and indexed), live traffic, the command."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import asyncpg
import pytest

from opstui.cli import main
from opstui.config.models import PostgresSource
from opstui.demo.database import SHOP_QUERIES, LiveShop
from opstui.sources.base import SourceState
from tests.pg.conftest import PINNED_NOW, _fresh_database, as_monitor, filled_shop
from tests.pg.test_postgres_source import source


async def fetch(dsn: str, sql: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        return list(await conn.fetch(sql))
    finally:
        await conn.close()


async def test_the_fill_has_daily_seasonality_and_realistic_rates(demo_dsn: str) -> None:
    by_hour = {
        int(r["h"]): r["n"]
        for r in await fetch(
            demo_dsn, "SELECT extract(hour FROM created_at) AS h, count(*) AS n FROM orders GROUP BY 1"
        )
    }
    night = by_hour.get(3, 0) + by_hour.get(4, 0)
    evening = by_hour[19] + by_hour[20]
    assert evening > 4 * night
    [row] = await fetch(
        demo_dsn,
        "SELECT min(created_at) AS first, max(created_at) AS last, "
        "100.0 * count(*) FILTER (WHERE status = 'failed') / count(*) AS failed "
        "FROM orders",
    )
    assert (row["last"] - row["first"]).days >= 58
    assert 1 < row["failed"] < 8


async def test_every_example_query_runs_clean_through_the_source(demo_dsn: str) -> None:
    src, sink, _ = source(demo_dsn, SHOP_QUERIES, health=True)
    try:
        status = await src.run_once()
    finally:
        await src.close()
    assert status.state is SourceState.UP, status.reason
    assert not sink.errors
    assert PINNED_NOW.hour == 13  # a busy afternoon: today has paid orders whatever hour the test runs at
    assert sink.last("revenue_month") >= sink.last("revenue_today") > 0
    assert 0 < sink.last("conversion_rate") < 100
    assert sink.last("avg_order_value") > 20
    assert 0 < sink.last("repeat_customer_rate") < 100
    columns, rows, _ = sink.tables["top_products"]
    assert columns == ("product", "units", "revenue")
    assert 1 <= len(rows) <= 10


@pytest.mark.parametrize("name", sorted(SHOP_QUERIES))
async def test_each_example_query_can_use_an_index(demo_dsn: str, name: str) -> None:
    """With sequential scans priced out, no big table is read whole: an index serves every query.

    (On the small test fill the planner may well prefer a scan; docs/postgresql.md shows the real plans at 1M.)
    """
    spec = SHOP_QUERIES[name]
    sql = spec if isinstance(spec, str) else str(spec["sql"])
    conn = await asyncpg.connect(demo_dsn)
    try:
        await conn.execute("SET enable_seqscan = off")
        plan = "\n".join(r[0] for r in await conn.fetch("EXPLAIN " + sql))
    finally:
        await conn.close()
    for table in ("orders", "order_items", "users", "refunds", "payments"):
        assert f"Seq Scan on {table}" not in plan, plan


async def test_live_traffic_inserts_orders_payments_and_jobs(demo_dsn: str) -> None:
    before = (
        await fetch(
            demo_dsn,
            "SELECT (SELECT count(*) FROM orders) o, (SELECT count(*) FROM payments) p, (SELECT count(*) FROM jobs) j",
        )
    )[0]
    live = LiveShop(demo_dsn, orders_per_min=60_000, seed=3)
    conn = await asyncpg.connect(demo_dsn)
    try:
        for _ in range(3):
            await live.tick(conn, n_users=100)
    finally:
        await conn.close()
    after = (
        await fetch(
            demo_dsn,
            "SELECT (SELECT count(*) FROM orders) o, (SELECT count(*) FROM payments) p, (SELECT count(*) FROM jobs) j",
        )
    )[0]
    assert live.inserted > 0
    assert after["o"] - before["o"] == live.inserted
    assert after["p"] - before["p"] == live.inserted
    assert after["j"] > before["j"]


@pytest.fixture
def empty_dsn() -> Iterator[str]:
    yield from _fresh_database("cmd")


def test_demo_db_command_fills_once_and_keeps_the_fill(empty_dsn: str, capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    assert main(["demo-db", "--dsn", empty_dsn, "--orders", "300", "--no-live"]) == 0
    assert "300 orders" in capsys.readouterr().out
    assert main(["demo-db", "--dsn", empty_dsn, "--orders", "999", "--no-live"]) == 0
    assert "keeping the existing 300 orders" in capsys.readouterr().out
    assert asyncio.run(fetch(empty_dsn, "SELECT count(*) FROM orders"))[0][0] == 300


def test_demo_db_command_error_is_one_line_without_the_password(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo-db", "--dsn", "postgresql://postgres:topsecret@127.0.0.1:1/x", "--no-live"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "topsecret" not in err and "***" in err


def _normal(spec: object) -> object:
    """A query spec with whitespace folded, to compare YAML's folded SQL with the Python strings."""
    if isinstance(spec, str):
        return " ".join(spec.split())
    if isinstance(spec, dict):
        return {k: _normal(v) for k, v in spec.items()}
    return spec


EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.yaml"


async def test_config_example_has_the_shop_queries_and_they_run_clean(demo_dsn: str) -> None:
    from opstui.config.loader import load_config_text
    from opstui.sources.postgres import PostgresPoll
    from tests.pg.helpers import TableSink

    text = EXAMPLE.read_text(encoding="utf-8")  # noqa: ASYNC240 - a small local file, read once
    config = load_config_text(text, env={"SHOP_DSN": as_monitor(demo_dsn)})  # the monitoring role it asks for
    [shopdb] = [s for s in config.sources if isinstance(s, PostgresSource)]
    as_written = {k: v if isinstance(v, str) else v.model_dump() for k, v in shopdb.queries.items()}
    expected = {k: v if isinstance(v, str) else {"max_rows": 20, **v} for k, v in SHOP_QUERIES.items()}
    assert _normal(as_written) == _normal(expected)
    assert shopdb.dsn == as_monitor(demo_dsn) and shopdb.health
    sink = TableSink()
    from opstui.clock import FakeClock

    poll = PostgresPoll(shopdb, FakeClock(), sink)
    try:
        status = await poll.run_once()
    finally:
        await poll.close()
    assert status.state is SourceState.UP, status.reason
    executive = {k.metric for k in config.kpis if k.screen == "executive"}
    assert executive <= set(sink.values)
    assert "pg_connections_pct" in sink.values


def test_demo_config_with_a_dsn_reads_the_shop_database() -> None:
    from opstui.demo.config import demo_config
    from opstui.demo.database import SHOP_KPIS

    config = demo_config("http://127.0.0.1:9", dsn="postgresql://postgres:pw@127.0.0.1:5432/shop")
    [shopdb] = [s for s in config.sources if isinstance(s, PostgresSource)]
    assert shopdb.health and set(shopdb.queries) == set(SHOP_QUERIES)
    executive = [k.metric for k in config.kpis if k.screen == "executive"]
    assert executive == [k["metric"] for k in SHOP_KPIS]
    assert "pg_connections_pct" in {k.metric for k in config.kpis if k.screen == "engineering"}
    assert not any(isinstance(s, PostgresSource) for s in demo_config("http://127.0.0.1:9").sources)


@pytest.mark.parametrize(
    "at",
    [
        datetime(2026, 6, 17, 0, 5, tzinfo=UTC),  # five minutes into a day
        datetime(2026, 6, 17, 23, 55, tzinfo=UTC),  # five minutes before its end
        datetime(2026, 7, 1, 0, 5, tzinfo=UTC),  # the first minutes of a month
        datetime(2026, 6, 30, 23, 55, tzinfo=UTC),  # the last minutes of the month before
    ],
    ids=lambda at: at.strftime("%m-%d_%H%M"),
)
def test_today_week_and_month_figures_are_right_at_any_hour(at: datetime) -> None:
    """The "today", "week" and "month" queries at the edges of a day and a month, against sums done here."""
    import asyncio

    for dsn in filled_shop("edge", at, orders=1500):

        async def check(dsn: str) -> None:
            rows = await fetch(dsn, "SELECT status, total, created_at FROM orders")
            src, sink, _ = source(dsn, SHOP_QUERIES)
            try:
                status = await src.run_once()
            finally:
                await src.close()
            assert status.state is SourceState.UP, status.reason
            day = at.replace(hour=0, minute=0, second=0, microsecond=0)
            month = day.replace(day=1)
            week = day - timedelta(days=day.weekday())

            def paid_since(start: datetime) -> float:
                return float(
                    sum((r["total"] for r in rows if r["status"] == "paid" and r["created_at"] >= start), Decimal(0))
                )

            assert sink.last("revenue_today") == pytest.approx(paid_since(day))
            assert sink.last("revenue_week") == pytest.approx(paid_since(week))
            assert sink.last("revenue_month") == pytest.approx(paid_since(month))
            placed_today = sum(1 for r in rows if r["status"] != "failed" and r["created_at"] >= day)
            assert sink.last("orders_today") == placed_today
            if at.hour == 23:
                assert placed_today > 0  # a whole day of orders: the sums above compared real figures

        asyncio.run(check(dsn))
