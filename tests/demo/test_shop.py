"""The demo shop over real sockets: HTTP endpoints, the event stream, and the scenario walk."""

from __future__ import annotations

import asyncio
import contextlib
import json

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from opstui.clock import FakeClock
from opstui.demo.shop import CLIENT_QUEUE, DemoShop, _Client, run_demo_server
from tests.demo.helpers import WAIT, collect, error_rate, receive, tick, until

ROUTES = {
    "/api/products",
    "/api/products/search",
    "/api/categories",
    "/api/auth/session",
    "/api/cart",
    "/api/orders",
    "/api/payments",
    "/api/payments/webhook",
    "/api/auth/login",
}


async def get(shop: DemoShop, path: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=WAIT) as client:
        return await client.get(shop.base_url + path)


async def test_endpoints_answer_in_calm_times(shop: DemoShop) -> None:
    assert shop.port > 0 and shop.phase.name == "calm"
    health = await get(shop, "/api/health")
    assert health.status_code == 200
    assert health.headers["content-type"] == "application/json"
    assert health.json()["status"] == "ok" and health.json()["version"] == "v1.4.2"
    for path in ("/", "/admin/login"):
        page = await get(shop, path)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "<html" in page.text
    payments = await get(shop, "/api/payments/health")
    assert payments.status_code == 200 and payments.json()["status"] == "ok"
    assert (await get(shop, "/no/such/page")).status_code == 404


async def test_metrics_document_has_the_documented_shape(shop: DemoShop) -> None:
    response = await get(shop, "/api/metrics")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    doc = response.json()
    assert doc["scenario"] == "calm"
    assert isinstance(doc["jobs"]["pending"], int) and 0 <= doc["jobs"]["pending"] < 50
    assert 0 <= doc["db"]["cpu_percent"] < 60
    assert isinstance(doc["db"]["connections"], int) and 0 <= doc["db"]["connections"] < 60
    assert doc["db"]["max_connections"] == 100
    assert 0 <= doc["email"]["failure_rate"] < 5
    assert 85 < doc["cache"]["hit_rate"] <= 100


async def test_stream_sends_parseable_plausible_events(shop: DemoShop, clock: FakeClock) -> None:
    start = clock.now()
    async with connect(shop.events_url) as ws:
        await until(lambda: shop.clients == 1, "the client is subscribed")
        first = await receive(ws)  # a newcomer learns the version running now
        assert first == [{"type": "deploy", "ts": start, "version": "v1.4.2"}]
        events = await collect(clock, ws, 20)
    requests = [e for e in events if e["type"] == "request"]
    payments = [e for e in events if e["type"] == "payment"]
    metrics = [e for e in events if e["type"] == "metric"]
    assert 20 * 20 <= len(requests) <= 20 * 60
    assert {e["route"] for e in requests} <= ROUTES
    assert all(e["method"] in ("GET", "POST") and 100 <= e["status"] < 600 for e in requests)
    assert all(0 < e["duration_ms"] < 30_000 for e in requests)
    assert all(start <= e["ts"] <= clock.now() for e in events)
    assert 10 <= len(payments) <= 60
    assert all(20 <= e["amount"] <= 120 and e["status"] in ("succeeded", "failed") for e in payments)
    assert len(metrics) == 20 and {e["name"] for e in metrics} == {"queue_length"}
    assert error_rate(events) < 0.02
    assert [e["ts"] for e in events] == sorted(e["ts"] for e in events)


async def test_stream_carries_web_vitals_product_events_and_admin_actions(shop: DemoShop, clock: FakeClock) -> None:
    from opstui.sources.border import VITAL_MAX
    from opstui.sources.events import VITALS, parse_message

    async with connect(shop.events_url) as ws:
        await until(lambda: shop.clients == 1, "the client is subscribed")
        await receive(ws)
        events = await collect(clock, ws, 120)
    vitals = [e for e in events if e["type"] == "web_vital"]
    business = [e for e in events if e["type"] == "business"]
    audit = [e for e in events if e["type"] == "audit"]
    assert {e["name"] for e in vitals} == set(VITALS) and len(vitals) >= 5 * 120
    assert all(0 <= e["value"] <= VITAL_MAX[e["name"]] for e in vitals)
    assert {e["name"] for e in business} == {"signup", "donation", "registration"}
    assert all(5 <= e["value"] <= 100 for e in business if e["name"] == "donation")
    assert audit and all(e["actor"] and e["action"] and e["subject"] for e in audit)
    parsed = parse_message(json.dumps(vitals + business + audit), clock.now())
    assert (parsed.malformed, parsed.unknown, len(parsed.events)) == (0, 0, len(vitals + business + audit))


async def test_every_client_gets_the_same_stream(shop: DemoShop, clock: FakeClock) -> None:
    async with connect(shop.events_url) as one, connect(shop.events_url) as two:
        await until(lambda: shop.clients == 2, "both clients are subscribed")
        assert await receive(one) == await receive(two)  # the version running now
        for _ in range(3):
            await tick(clock)
            assert await receive(one) == await receive(two)


async def test_error_spike_after_the_bad_deploy_shows_in_the_stream(shop: DemoShop, clock: FakeClock) -> None:
    async with connect(shop.events_url) as ws:
        await until(lambda: shop.clients == 1, "the client is subscribed")
        await receive(ws)
        calm = await collect(clock, ws, 10)
        clock.set(shop.scenario.started_at + 60.0)  # the deploy starts the spike
        assert shop.phase.name == "bad-deploy"
        spike = await collect(clock, ws, 20)
    assert [e["version"] for e in spike if e["type"] == "deploy"] == ["v1.4.3"]
    assert error_rate(calm) < 0.02
    assert 0.06 <= error_rate(spike) <= 0.15
    assert any(e["type"] == "error" and e["level"] == "error" for e in spike)


async def test_scenario_walk_takes_health_down_and_back(shop: DemoShop, clock: FakeClock) -> None:
    seen = []
    for offset, phase in shop.scenario.starts():
        clock.set(shop.scenario.started_at + offset + phase.duration / 2)
        assert shop.phase is phase
        if phase.name == "slow-responses":
            continue  # its real response delays are tested on their own
        health = await get(shop, "/api/health")
        payments = await get(shop, "/api/payments/health")
        admin = await get(shop, "/admin/login")
        homepage = await get(shop, "/")
        metrics = (await get(shop, "/api/metrics")).json()
        assert health.status_code == (503 if phase.health_down else 200), phase.name
        assert admin.status_code == (503 if phase.health_down else 200), phase.name
        assert payments.status_code == (503 if phase.payments_down or phase.health_down else 200), phase.name
        assert homepage.status_code == 200  # static, from the CDN
        assert metrics["scenario"] == phase.name
        seen.append((phase.name, health.status_code))
    assert ("outage", 503) in seen and seen[-1] == ("recovery", 200)
    clock.set(shop.scenario.started_at + shop.scenario.cycle_length + 1.0)  # the loop starts over
    assert shop.phase.name == "calm" and (await get(shop, "/api/health")).status_code == 200


async def test_slow_phase_makes_health_checks_slow(shop: DemoShop, clock: FakeClock) -> None:
    offset = next(o for o, p in shop.scenario.starts() if p.name == "slow-responses")
    clock.set(shop.scenario.started_at + offset + 120.0)
    loop = asyncio.get_running_loop()
    started = loop.time()
    response = await get(shop, "/api/health")
    assert response.status_code == 200
    assert 0.2 < loop.time() - started < 2.0  # slower than calm, inside the demo config's 2 s timeout
    metrics = (await get(shop, "/api/metrics")).json()
    assert metrics["scenario"] == "slow-responses" and metrics["db"]["cpu_percent"] > 75


async def test_stop_with_a_client_connected_closes_it(clock: FakeClock) -> None:
    shop = DemoShop(port=0, clock=clock, seed=1)
    await shop.start()
    async with connect(shop.events_url) as ws:
        await until(lambda: shop.clients == 1, "the client is subscribed")
        async with asyncio.timeout(WAIT):
            await shop.stop()
        with pytest.raises(ConnectionClosed):
            async with asyncio.timeout(WAIT):
                while True:
                    await ws.recv()


def test_a_slow_client_keeps_only_the_newest_messages() -> None:
    client = _Client()
    for n in range(CLIENT_QUEUE + 50):
        client.push(str(n))
    assert len(client.queue) == CLIENT_QUEUE and client.dropped == 50
    assert client.queue[0] == "50" and client.queue[-1] == str(CLIENT_QUEUE + 49)


async def test_run_demo_server_prints_its_address_and_serves_until_cancelled(
    clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    task = asyncio.create_task(run_demo_server(0, clock=clock, seed=3))
    lines: list[str] = []
    await until(lambda: bool(lines.extend(capsys.readouterr().out.splitlines()) or lines), "it prints")
    (line,) = lines
    assert line.startswith("opstui demo shop on http://127.0.0.1:") and line.endswith("/ops/events)")
    base_url = line.split()[4]
    assert line == f"opstui demo shop on {base_url} (events: ws{base_url[4:]}/ops/events)"
    async with httpx.AsyncClient(timeout=WAIT) as client:
        assert (await client.get(base_url + "/api/health")).status_code == 200
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient(timeout=WAIT) as client:
            await client.get(base_url + "/api/health")


async def test_metrics_page_counts_what_the_stream_carries(shop: DemoShop, clock: FakeClock) -> None:
    from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics
    from prometheus_client.parser import text_string_to_metric_families as text

    async with connect(shop.events_url) as ws:
        await until(lambda: shop.clients == 1, "the client is subscribed")
        await receive(ws)
        events = await collect(clock, ws, 10)
    codes: dict[str, int] = {}
    for event in events:
        if event["type"] == "request":
            codes[str(event["status"])] = codes.get(str(event["status"]), 0) + 1
    page = await get(shop, "/metrics")
    assert page.headers["content-type"].startswith("text/plain")
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value for f in text(page.text) for s in f.samples}
    counted: dict[str, float] = {}
    for (name, labels), value in samples.items():
        if name == "http_requests_total":
            code = dict(labels)["code"]
            counted[code] = counted.get(code, 0.0) + value
    assert counted == {code: float(n) for code, n in codes.items()}
    requests = sum(codes.values())
    assert samples[("http_request_duration_seconds_count", ())] == requests
    assert samples[("payments_total", (("status", "succeeded"),))] + samples[
        ("payments_total", (("status", "failed"),))
    ] == sum(1 for e in events if e["type"] == "payment")
    assert samples[("shop_build_info", (("version", "v1.4.2"),))] == 1.0
    assert 0 <= samples[("jobs_pending", ())] < 50
    # OpenMetrics for a client that asks for it, as Prometheus does.
    async with httpx.AsyncClient(timeout=WAIT) as client:
        om = await client.get(shop.base_url + "/metrics", headers={"Accept": "application/openmetrics-text"})
    assert om.headers["content-type"].startswith("application/openmetrics-text")
    assert {f.name for f in openmetrics(om.text)} >= {"http_requests", "http_request_duration_seconds", "payments"}
