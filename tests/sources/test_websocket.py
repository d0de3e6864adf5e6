"""The websocket stream against a real local websocket server."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.server import ServerConnection

from opstui.clock import FakeClock
from opstui.config.models import WebsocketSource
from opstui.sources.base import SourceState
from opstui.sources.events import DeployEvent, PaymentEvent, RequestEvent
from opstui.sources.websocket import WebsocketStream
from tests.sources.conftest import RecordingSink, Script, WsServer, parked

REQUEST = json.dumps({"type": "request", "route": "/api/pay", "status": 200, "duration_ms": 12.5})
PAYMENT = json.dumps({"type": "payment", "status": "failed", "amount": 49.9})
BATCH = json.dumps([{"type": "deploy", "version": "v1.4.2"}, {"type": "request", "status": 502, "duration_ms": 300}])
UNKNOWN = json.dumps({"type": "heartbeat"})
NOT_JSON = "{oops"


def ws_cfg(url: str, **fields: Any) -> WebsocketSource:
    return WebsocketSource.model_validate({"name": "shop", "type": "websocket", "url": url, **fields})


def sends(*messages: str, then_drop: bool = False) -> Script:
    """A server script: send ``messages``; then drop the TCP connection without a close frame, if asked."""

    async def script(connection: ServerConnection) -> None:
        for message in messages:
            await connection.send(message)
        if then_drop:
            connection.transport.abort()

    return script


async def test_events_are_ingested_and_problems_counted(
    ws_server: WsServer, clock: FakeClock, sink: RecordingSink
) -> None:
    ws_server.scripts = [sends(REQUEST, NOT_JSON, PAYMENT, BATCH, UNKNOWN, NOT_JSON)]
    source = WebsocketStream(ws_cfg(ws_server.url), clock, sink)
    task = asyncio.create_task(source.run())
    try:
        await sink.wait_until(lambda: len(sink.events) == 4)
        assert source.status.state is SourceState.UP
        await parked(clock, 1)  # the watchdog
        clock.advance(1.0)  # the watchdog publishes the counters once a second
        await sink.wait_until(lambda: source.status.received == 4)
    finally:
        task.cancel()

    assert [type(e) for e in sink.events] == [RequestEvent, PaymentEvent, DeployEvent, RequestEvent]
    assert all(e.ts == clock.now() - 1.0 for e in sink.events)
    status = source.status
    assert (status.state, status.malformed, status.unknown) == (SourceState.UP, 2, 1)
    assert status.reason.startswith("2 malformed, 1 unknown, last: not JSON: ")
    assert status.last_ok == clock.now() - 1.0


async def test_dropped_connection_is_unreachable_then_reconnects_and_keeps_counting(
    ws_server: WsServer, clock: FakeClock, sink: RecordingSink
) -> None:
    ws_server.scripts = [sends(REQUEST, PAYMENT, then_drop=True), sends(REQUEST, BATCH)]
    source = WebsocketStream(ws_cfg(ws_server.url), clock, sink)
    task = asyncio.create_task(source.run())
    try:
        await sink.wait_until(lambda: source.status.state is SourceState.UNREACHABLE)
        dropped = source.status
        assert dropped.reason == "connection closed (code 1006)"
        assert dropped.received == 2
        assert dropped.next_attempt is not None and 0.0 <= dropped.next_attempt - clock.now() <= 1.0
        assert ws_server.connections == 1

        clock.set(dropped.next_attempt)
        await sink.wait_until(lambda: len(sink.events) == 5)
        assert ws_server.connections == 2
        assert source.status.state is SourceState.UP
        assert source.status.next_attempt is None
        await parked(clock, 1)
        clock.advance(1.0)
        await sink.wait_until(lambda: source.status.received == 5)
    finally:
        task.cancel()
    # The first connection delivered messages, so the backoff started over.
    assert source.backoff.failures == 1


async def test_silence_marks_the_stream_stale_until_the_next_message(
    ws_server: WsServer, clock: FakeClock, sink: RecordingSink
) -> None:
    more = asyncio.Event()

    async def one_then_wait(connection: ServerConnection) -> None:
        await connection.send(REQUEST)
        await more.wait()
        await connection.send(PAYMENT)

    ws_server.scripts = [one_then_wait]
    source = WebsocketStream(ws_cfg(ws_server.url, stale_after="10s"), clock, sink)
    task = asyncio.create_task(source.run())
    try:
        await sink.wait_until(lambda: len(sink.events) == 1)
        await parked(clock, 1)
        clock.advance(9.0)
        await sink.wait_until(lambda: source.status.received == 1)  # published, but not stale yet
        assert source.status.state is SourceState.UP
        await parked(clock, 1)
        clock.advance(1.0)
        await sink.wait_until(lambda: source.status.state is SourceState.STALE)
        assert source.status.reason == "no message for 10s"
        stale_at = clock.now()
        assert source.status.since == stale_at

        # The reason's duration stays current while the silence lasts (it used to say "10s" forever).
        await parked(clock, 1)
        clock.advance(170.0)
        await sink.wait_until(lambda: source.status.reason == "no message for 3m00s")
        assert (source.status.state, source.status.since) == (SourceState.STALE, stale_at)

        more.set()
        await sink.wait_until(lambda: source.status.state is SourceState.UP)
        assert source.status.received == 2
        assert source.status.reason == ""
    finally:
        task.cancel()


async def test_run_once_listens_for_the_wait_then_reports(
    ws_server: WsServer, clock: FakeClock, sink: RecordingSink
) -> None:
    ws_server.scripts = [sends(REQUEST, UNKNOWN, PAYMENT)]
    source = WebsocketStream(ws_cfg(ws_server.url, headers={"Authorization": "Bearer s3cret"}), clock, sink)
    once = asyncio.create_task(source.run_once(wait=5.0))
    await sink.wait_until(lambda: len(sink.events) == 2)
    assert not once.done()
    await parked(clock, 2)  # the listening period and the watchdog
    clock.advance(5.0)
    status = await once

    assert (status.state, status.received, status.unknown, status.malformed) == (SourceState.UP, 2, 1, 0)
    assert status.reason == "1 unknown, last: unknown event type 'heartbeat'"
    assert ws_server.request_headers[0]["Authorization"] == "Bearer s3cret"


async def test_run_once_against_nothing_listening_is_unreachable(
    closed_port: int, clock: FakeClock, sink: RecordingSink
) -> None:
    status = await WebsocketStream(ws_cfg(f"ws://127.0.0.1:{closed_port}/"), clock, sink).run_once()
    assert (status.state, status.reason) == (SourceState.UNREACHABLE, "connection refused")


async def test_refused_handshake_is_down(ws_server: WsServer, clock: FakeClock, sink: RecordingSink) -> None:
    ws_server.reject_with = 403
    status = await WebsocketStream(ws_cfg(ws_server.url), clock, sink).run_once()
    assert (status.state, status.reason) == (SourceState.DOWN, "handshake rejected: HTTP 403")


async def test_oversized_message_closes_the_connection(
    ws_server: WsServer, clock: FakeClock, sink: RecordingSink
) -> None:
    ws_server.scripts = [sends(REQUEST, json.dumps({"type": "error", "message": "x" * 4000}))]
    status = await WebsocketStream(ws_cfg(ws_server.url, max_message_bytes=1024), clock, sink).run_once()

    assert status.state is SourceState.UNREACHABLE
    assert status.reason.startswith("connection closed (code 1009")
    assert status.received == 1


async def test_credentials_in_the_url_are_not_shown(clock: FakeClock, sink: RecordingSink) -> None:
    source = WebsocketStream(ws_cfg("wss://u:p@events.example.com/s?token=abc"), clock, sink)
    assert source.status.target == "wss://***@events.example.com/s?token=***"


async def test_check_reports_a_kpi_fed_old_data_as_stale_and_unknown(ws_server: WsServer) -> None:
    """``opstui check``: a metric whose newest point is older than its source's ``stale_after`` is UNKNOWN
    (exit 3), however good its old value looks."""
    import time

    from opstui.check import render_json, render_table, run_check
    from opstui.config.models import Config
    from opstui.status import Status

    old = json.dumps({"type": "metric", "name": "queue_length", "value": 17, "ts": time.time() - 600})
    ws_server.scripts = [sends(old)]
    config = Config.model_validate(
        {
            "sources": [{"name": "shop", "type": "websocket", "url": ws_server.url, "stale_after": "30s"}],
            "kpis": [{"metric": "queue_length", "label": "Queue", "target": "< 50"}],
        }
    )
    report = await run_check(config, wait=0.5)
    assert [c.state for c in report.checks] == [SourceState.UP]
    (kpi,) = report.kpis
    assert (kpi.level.value, kpi.value) == ("stale", 17.0)
    assert kpi.age is not None and 600 <= kpi.age < 660
    assert report.status is Status.UNKNOWN
    doc = json.loads(render_json(report))
    assert (doc["exit_code"], doc["kpis"]["queue_length"]["status"]) == (3, "UNKNOWN")
    assert "stale" in render_table(report)
