"""The Executive screen fed by the demo database: what the tiles and the table show is what SQL says.

The test computes each KPI itself (Python over the raw rows, or differently written SQL) and
compares it with the text on screen, so a query, a conversion or a format that drifts is caught.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import asyncpg
from textual.widgets import DataTable, Static

from opstui.clock import FakeClock
from opstui.config.models import Config, PostgresSource
from opstui.demo.database import SHOP_KPIS, SHOP_QUERIES
from opstui.sources.base import SourceState
from opstui.sources.postgres import PostgresPoll
from opstui.ui.screens.executive import ExecutiveScreen
from opstui.ui.widgets.executive_table import BusinessTable
from opstui.ui.widgets.executive_tile import ExecutiveTile, business_number
from tests.pg.conftest import as_monitor, demo_dsn  # noqa: F401 - the session fixture: a filled demo database
from tests.ui.conftest import QuietCore, make_app


async def expected_kpis(dsn: str) -> tuple[dict[str, float], list[tuple[str, Decimal]]]:
    """The KPIs from the raw rows, computed here rather than by the config's SQL."""
    conn = await asyncpg.connect(dsn)
    try:
        now = await conn.fetchval("SELECT now()")
        day = await conn.fetchval("SELECT date_trunc('day', now())")
        week = await conn.fetchval("SELECT date_trunc('week', now())")
        month = await conn.fetchval("SELECT date_trunc('month', now())")
        orders = await conn.fetch(
            "SELECT user_id, status, total, created_at FROM orders WHERE created_at >= now() - interval '40 days'"
        )
        active = await conn.fetchval("SELECT count(*) FROM users WHERE last_seen_at >= now() - interval '24 hours'")
        first_orders = {
            r["user_id"]: r["first"]
            for r in await conn.fetch(
                "SELECT user_id, min(created_at) AS first FROM orders WHERE status <> 'failed' GROUP BY user_id"
            )
        }
        refunds = await conn.fetchval("SELECT count(*) FROM refunds WHERE created_at >= now() - interval '7 days'")
        top = await conn.fetch(
            "SELECT p.name, sum(i.quantity * i.unit_price) AS revenue FROM products p"
            " JOIN order_items i ON i.product_id = p.id"
            " WHERE i.order_id IN (SELECT id FROM orders WHERE status = 'paid'"
            " AND created_at >= now() - interval '24 hours')"
            " GROUP BY p.name ORDER BY 2 DESC LIMIT 3"
        )
    finally:
        await conn.close()
    paid = [o for o in orders if o["status"] == "paid"]
    placed = [o for o in orders if o["status"] != "failed"]
    last_24h = now - timedelta(hours=24)
    paid_24h = [o["total"] for o in paid if o["created_at"] >= last_24h]
    buyers_24h = {o["user_id"] for o in placed if o["created_at"] >= last_24h}
    placed_7d = sum(1 for o in placed if o["created_at"] >= now - timedelta(days=7))
    return {
        "revenue_today": float(sum((o["total"] for o in paid if o["created_at"] >= day), Decimal(0))),
        "revenue_week": float(sum((o["total"] for o in paid if o["created_at"] >= week), Decimal(0))),
        "revenue_month": float(sum((o["total"] for o in paid if o["created_at"] >= month), Decimal(0))),
        "orders_today": float(sum(1 for o in placed if o["created_at"] >= day)),
        "active_users_24h": float(active),
        "conversion_rate": 100.0 * len(buyers_24h) / active,
        "avg_order_value": float(sum(paid_24h, Decimal(0)) / len(paid_24h)),
        "refund_rate": 100.0 * refunds / placed_7d,
        "repeat_customer_rate": 100.0 * sum(1 for u in buyers_24h if first_orders[u] < last_24h) / len(buyers_24h),
    }, [(r["name"], r["revenue"]) for r in top]


async def test_executive_values_on_screen_equal_the_sql(demo_dsn: str, tmp_path: Path) -> None:  # noqa: F811
    clock = FakeClock()
    source = PostgresSource.model_validate(
        {"name": "shopdb", "type": "postgres", "dsn": as_monitor(demo_dsn), "queries": SHOP_QUERIES}
    )
    config = Config.model_validate(
        {
            "environment": "test",
            "sources": [source.model_dump()],
            "kpis": [{**k, "screen": "executive"} for k in SHOP_KPIS],
        }
    )
    core = QuietCore(config, clock, state_path=str(tmp_path / "state.db"))
    poll = PostgresPoll(source, clock, core.monitor)
    try:
        status = await poll.run_once()
    finally:
        await poll.close()
    assert status.state is SourceState.UP, status.reason
    expected, top = await expected_kpis(demo_dsn)

    app = make_app(core)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        app.tick()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExecutiveScreen)
        assert not screen.query("#executive-hint")
        for kpi in SHOP_KPIS:
            tile = screen.query_one(f"#kpi-{kpi['metric']}", ExecutiveTile)
            text = str(tile.query_one(".kpi-value", Static).content)
            want = business_number(expected[kpi["metric"]], kpi.get("unit", ""))
            assert text.endswith(" " + want), (kpi["metric"], text, want)
            assert tile.border_title == kpi["label"]
        assert screen.query_one("#kpi-avg_order_value", ExecutiveTile).border_subtitle == "target > 50"
        table = screen.query_one("#table-top_products", BusinessTable).query_one(DataTable)
        assert table.row_count >= 3
        for index, (name, revenue) in enumerate(top):
            row = table.get_row_at(index)
            assert row[0] == name
            assert row[2] == f"{float(revenue):,.2f}"
