"""``opstui check`` against the real demo shop on 127.0.0.1: verdicts and the JSON document."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator

import pytest

from opstui.check import render_json, render_table, run_check
from opstui.config import load_config_text
from opstui.demo.config import demo_config
from opstui.demo.scenarios import Phase
from opstui.demo.shop import DemoShop
from opstui.status import Status


async def _shop(*phases: Phase) -> DemoShop:
    shop = DemoShop(port=0, seed=7, timeline=phases)
    await shop.start()
    return shop


@pytest.fixture
async def calm_shop() -> AsyncIterator[DemoShop]:
    shop = await _shop(Phase("calm", 3600.0, error_rate=0.0, payment_success=1.0, latency_p95_ms=200.0))
    yield shop
    await shop.stop()


@pytest.fixture
async def outage_shop() -> AsyncIterator[DemoShop]:
    shop = await _shop(Phase("outage", 3600.0, health_down=True, payments_down=True))
    yield shop
    await shop.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_check_against_a_healthy_shop_is_ok_and_reports_metrics(calm_shop: DemoShop) -> None:
    report = await run_check(demo_config(calm_shop.base_url), wait=1.5)
    states = {c.name: c.state.value for c in report.checks}
    assert states == {name: "up" for name in states}
    assert set(states) >= {"api", "homepage", "admin-login", "payments", "app", "events"}
    assert report.metrics["error_rate"] == 0.0
    assert report.metrics["queue_length"] > 0
    doc = json.loads(render_json(report))
    assert doc["checks"]["api"]["status"] == "OK"
    assert doc["kpis"]["error_rate"]["level"] == "target"
    assert doc["exit_code"] == int(report.status)
    assert "api" in render_table(report)


async def test_health_check_answering_503_is_critical(outage_shop: DemoShop) -> None:
    report = await run_check(demo_config(outage_shop.base_url), wait=0.5)
    api = next(c for c in report.checks if c.name == "api")
    assert api.state.value == "down"
    assert "503" in api.reason
    assert report.status is Status.CRITICAL


async def test_unreachable_source_is_unknown() -> None:
    port = _free_port()
    config = load_config_text(f"sources:\n  - {{name: api, type: http, url: 'http://127.0.0.1:{port}/h'}}\n")
    report = await run_check(config, wait=0.5)
    assert report.checks[0].state.value == "unreachable"
    assert report.status is Status.UNKNOWN
    assert json.loads(render_json(report))["status"] == "UNKNOWN"
