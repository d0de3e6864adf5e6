"""HTTP health checks against a real local server."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from opstui.clock import FakeClock
from opstui.config.models import HttpSource
from opstui.sources.base import SourceState
from opstui.sources.http import HttpCheck
from tests.sources.conftest import HttpServer, RecordingSink, Route, SelfSigned


def http_cfg(url: str, name: str = "api", **fields: Any) -> HttpSource:
    return HttpSource.model_validate({"name": name, "type": "http", "url": url, **fields})


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as shared:
        yield shared


def make_check(cfg: HttpSource, clock: FakeClock, sink: RecordingSink, client: httpx.AsyncClient) -> HttpCheck:
    return HttpCheck(cfg, clock, sink, client)


async def test_matching_status_and_body_is_up_and_recorded(
    http_server: HttpServer,
    clock: FakeClock,
    sink: RecordingSink,
    client: httpx.AsyncClient,
) -> None:
    http_server.routes["/health"] = Route(200, '{"status": "ok"}')
    cfg = http_cfg(http_server.url("/health"), expect={"body_contains": "ok"}, headers={"X-Probe": "opstui"})
    status = await make_check(cfg, clock, sink, client).run_once()

    assert status.state is SourceState.UP
    assert status.reason == ""
    assert (status.checks, status.ok_checks, status.uptime_pct) == (1, 1, 100.0)
    assert status.last_check == status.last_ok == clock.now()
    assert status.latency_ms is not None and 0 < status.latency_ms < 5000
    assert status.tls_days_left is None
    assert sink.values("check_up") == [1.0]
    assert sink.values("check_uptime_pct") == [100.0]
    assert sink.values("check_latency_ms") == [status.latency_ms]
    assert all(labels == {"source": "api"} and ts == clock.now() for _, _, ts, labels in sink.samples)
    assert http_server.headers[0]["x-probe"] == "opstui"


async def test_any_listed_status_counts_as_up(
    http_server: HttpServer,
    clock: FakeClock,
    sink: RecordingSink,
    client: httpx.AsyncClient,
) -> None:
    http_server.routes["/ping"] = Route(204, "")
    cfg = http_cfg(http_server.url("/ping"), method="HEAD", expect={"status": [200, 204]})
    status = await make_check(cfg, clock, sink, client).run_once()
    assert status.state is SourceState.UP


async def test_503_is_down_with_the_status_as_reason(
    http_server: HttpServer,
    clock: FakeClock,
    sink: RecordingSink,
    client: httpx.AsyncClient,
) -> None:
    http_server.routes["/health"] = Route(503, "maintenance")
    status = await make_check(http_cfg(http_server.url("/health")), clock, sink, client).run_once()

    assert (status.state, status.reason) == (SourceState.DOWN, "HTTP 503")
    assert (status.checks, status.ok_checks, status.last_ok) == (1, 0, None)
    assert status.latency_ms is not None
    assert sink.values("check_up") == [0.0]
    assert sink.values("check_uptime_pct") == [0.0]


async def test_missing_body_text_is_down(
    http_server: HttpServer,
    clock: FakeClock,
    sink: RecordingSink,
    client: httpx.AsyncClient,
) -> None:
    http_server.routes["/health"] = Route(200, '{"status": "starting"}')
    cfg = http_cfg(http_server.url("/health"), expect={"body_contains": "ok"})
    status = await make_check(cfg, clock, sink, client).run_once()
    assert (status.state, status.reason) == (SourceState.DOWN, "body lacks 'ok'")


async def test_slower_than_max_latency_is_degraded_but_counts_as_up(
    http_server: HttpServer,
    clock: FakeClock,
    sink: RecordingSink,
    client: httpx.AsyncClient,
) -> None:
    http_server.routes["/slow"] = Route(200, "ok", delay=0.05)
    cfg = http_cfg(http_server.url("/slow"), expect={"max_latency": "20ms"})
    status = await make_check(cfg, clock, sink, client).run_once()

    assert status.state is SourceState.DEGRADED
    assert status.reason.startswith("slow: ") and status.reason.endswith(" ms > 20 ms")
    assert status.latency_ms is not None and status.latency_ms >= 50
    assert (status.ok_checks, status.last_ok) == (1, clock.now())
    assert sink.values("check_up") == [1.0]


async def test_no_answer_within_timeout_is_unreachable(
    http_server: HttpServer,
    clock: FakeClock,
    sink: RecordingSink,
    client: httpx.AsyncClient,
) -> None:
    http_server.routes["/hang"] = Route(hold=asyncio.Event())  # never released
    status = await make_check(http_cfg(http_server.url("/hang"), timeout="0.2s"), clock, sink, client).run_once()

    assert (status.state, status.reason) == (SourceState.UNREACHABLE, "timeout after 0.2s")
    assert status.latency_ms is None
    assert sink.values("check_up") == [0.0]
    assert sink.values("check_latency_ms") == []


async def test_refused_connection_is_unreachable(
    closed_port: int,
    clock: FakeClock,
    sink: RecordingSink,
    client: httpx.AsyncClient,
) -> None:
    cfg = http_cfg(f"http://127.0.0.1:{closed_port}/health")
    status = await make_check(cfg, clock, sink, client).run_once()
    assert (status.state, status.reason) == (SourceState.UNREACHABLE, "connection refused")


async def test_unknown_host_is_a_dns_failure(
    clock: FakeClock,
    sink: RecordingSink,
    client: httpx.AsyncClient,
) -> None:
    # ".invalid" never resolves (RFC 6761), so this needs no network.
    status = await make_check(http_cfg("http://opstui-test.invalid/"), clock, sink, client).run_once()
    assert status.state is SourceState.UNREACHABLE
    assert status.reason.startswith("DNS: ")


async def test_untrusted_certificate_is_a_tls_failure(
    https_server: HttpServer,
    clock: FakeClock,
    sink: RecordingSink,
    client: httpx.AsyncClient,
) -> None:
    https_server.routes["/health"] = Route(200, "ok")
    status = await make_check(http_cfg(https_server.url("/health")), clock, sink, client).run_once()
    assert status.state is SourceState.UNREACHABLE
    assert status.reason.startswith("TLS: ")
    assert "certificate" in status.reason


async def test_https_reports_days_until_the_certificate_expires(
    https_server: HttpServer,
    self_signed: SelfSigned,
    clock: FakeClock,
    sink: RecordingSink,
) -> None:
    https_server.routes["/health"] = Route(200, "ok")
    trusting = ssl.create_default_context(cafile=str(self_signed.cert))
    clock.set(self_signed.not_after.timestamp() - 12.5 * 86400)
    async with httpx.AsyncClient(verify=trusting) as client:
        status = await make_check(http_cfg(https_server.url("/health")), clock, sink, client).run_once()

    assert status.state is SourceState.UP
    assert status.tls_days_left == pytest.approx(12.5)
    assert sink.values("tls_days_left") == [pytest.approx(12.5)]
    assert sink.samples[-1][3] == {"source": "api"}


async def test_a_down_check_keeps_its_interval_within_twice_it_and_recovers(
    http_server: HttpServer,
    clock: FakeClock,
    sink: RecordingSink,
    client: httpx.AsyncClient,
) -> None:
    http_server.routes["/health"] = Route(503, "down")
    check = make_check(http_cfg(http_server.url("/health"), interval="5s"), clock, sink, client)
    task = asyncio.create_task(check.run())
    try:
        delays = []
        for attempt in range(1, 9):
            await sink.wait_until(lambda n=attempt: check.status.checks == n)
            assert check.status.state is SourceState.DOWN
            assert check.status.next_attempt is not None
            delays.append(check.status.next_attempt - clock.now())
            clock.set(check.status.next_attempt)
        # A down check keeps its cadence (issue 10 item 4): the interval plus a jitter whose ceiling starts at a
        # quarter interval and doubles, never beyond one more interval (was: backoff up to 30 s at 5 s).
        assert all(5.0 <= d <= 5.0 + min(5.0, 1.25 * 2**n) for n, d in enumerate(delays)), delays
        assert max(delays) <= 10.0
        assert check.backoff.failures == 8

        http_server.routes["/health"] = Route(200, "ok")
        await sink.wait_until(lambda: check.status.checks == 9)
        assert check.status.state is SourceState.UP
        assert check.status.next_attempt is None
        assert check.status.since == clock.now()
        assert check.status.uptime_pct == pytest.approx(100 / 9)
        assert sink.values("check_uptime_pct") == [0.0] * 8 + [pytest.approx(100 / 9)]

        clock.advance(4.9)  # back to the plain interval: not yet...
        await asyncio.sleep(0)
        assert (clock.sleepers, http_server.hits["/health"]) == (1, 9)
        clock.advance(0.1)
        await sink.wait_until(lambda: check.status.checks == 10)
        assert http_server.hits["/health"] == 10
    finally:
        task.cancel()


async def test_one_hanging_source_does_not_delay_another(
    http_server: HttpServer,
    clock: FakeClock,
    sink: RecordingSink,
    client: httpx.AsyncClient,
) -> None:
    release = asyncio.Event()
    http_server.routes["/slow"] = Route(200, "ok", hold=release)
    http_server.routes["/fast"] = Route(200, "ok")
    slow = HttpCheck(http_cfg(http_server.url("/slow"), "slow", timeout="10s"), clock, sink, client)
    fast = HttpCheck(http_cfg(http_server.url("/fast"), "fast", interval="1s"), clock, sink, client)
    tasks = [asyncio.create_task(slow.run()), asyncio.create_task(fast.run())]
    try:
        for n in (1, 2, 3):
            await sink.wait_until(lambda n=n: fast.status.checks == n)
            clock.advance(1.0)
        assert slow.status.state is SourceState.PENDING
        assert (http_server.in_flight, http_server.hits["/fast"]) == (1, 3)
        release.set()
        await sink.wait_until(lambda: slow.status.checks == 1)
        assert slow.status.state is SourceState.UP
    finally:
        for task in tasks:
            task.cancel()


async def test_a_source_has_one_request_in_flight_at_most(
    http_server: HttpServer,
    clock: FakeClock,
    sink: RecordingSink,
    client: httpx.AsyncClient,
) -> None:
    release = asyncio.Event()
    http_server.routes["/slow"] = Route(200, "ok", hold=release)
    check = HttpCheck(http_cfg(http_server.url("/slow")), clock, sink, client)
    running = asyncio.gather(*(check.run_once() for _ in range(3)))
    await http_server.wait_until(lambda: http_server.in_flight == 1)
    release.set()
    statuses = await running

    assert [s.state for s in statuses] == [SourceState.UP] * 3
    assert http_server.max_in_flight == 1
    assert http_server.hits["/slow"] == 3


async def test_an_invalid_url_is_a_status_not_a_crash(
    clock: FakeClock,
    sink: RecordingSink,
    client: httpx.AsyncClient,
) -> None:
    status = await make_check(http_cfg("http://example.com:port/"), clock, sink, client).run_once()
    assert (status.state, status.reason) == (SourceState.UNREACHABLE, "invalid URL")
