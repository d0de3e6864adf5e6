"""``opstui check`` with a postgres source: values in the report, the password nowhere in it."""

from __future__ import annotations

from opstui.check import render_json, run_check
from opstui.config.models import Config
from opstui.status import Status
from tests.pg.conftest import MONITOR_ROLE, as_monitor


async def test_check_reports_database_values_without_the_password(pg_dsn: str) -> None:
    dsn = as_monitor(pg_dsn.replace("://postgres@", "://postgres:s3cret-pw@"))
    config = Config.model_validate(
        {
            "sources": [
                {
                    "name": "shopdb",
                    "type": "postgres",
                    "dsn": dsn,
                    "health": True,
                    "queries": {"orders_today": "SELECT 12"},
                }
            ],
            "kpis": [
                {"metric": "orders_today", "target": "> 10"},
                {"metric": "pg_connections_pct", "target": "< 60", "warning": "> 75", "critical": "> 90"},
            ],
        }
    )
    report = await run_check(config)
    assert report.status is Status.OK
    assert report.metrics["orders_today"] == 12.0
    text = render_json(report)
    assert "s3cret-pw" not in text and f"{MONITOR_ROLE}:***@" in text
