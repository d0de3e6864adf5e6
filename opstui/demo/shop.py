"""The simulated food shop: HTTP endpoints, ``/metrics`` and the ``/ops/events`` websocket on one port.

One ``websockets`` server does both: ``process_request`` answers plain HTTP GETs itself and lets only
``/ops/events`` go on to the websocket handshake. That keeps the demo to one port and one dependency
the console already has.

Time: the scenario and the event stream run on the injected clock (a :class:`FakeClock` in tests, a
possibly time-warped :class:`SystemClock` otherwise). Only the HTTP response *delays* use the real
``asyncio.sleep``, because they are felt by a real client over a real socket.

Slow clients: every client has its own queue of at most :data:`CLIENT_QUEUE` messages (about 10 s
of stream). Sending waits on websockets' own backpressure (its write buffer, ``write_limit``); while a
client is stuck there its queue fills and the oldest messages are dropped, so a slow or stalled
client costs a bounded amount of memory and never delays the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from opstui.clock import Clock, SystemClock
from opstui.demo.metrics_page import ShopCounters
from opstui.demo.product import ProductTraffic
from opstui.demo.scenarios import TIMELINE, Phase, Position, Scenario
from opstui.demo.traffic import Event, Traffic

EVENTS_PATH = "/ops/events"
TICK = 0.1
"""Seconds of clock time between stream messages: about 10 a second at real speed (a clock warped N
times sends N times as many, each with the same 0.1 s of traffic)."""
MAX_SPAN = 1.0
"""A tick never simulates more than this much time: if the clock jumps (a FakeClock, a laptop waking
up), only the last second is generated, so one message never holds minutes of traffic."""
CLIENT_QUEUE = 100
"""Messages buffered per websocket client before the oldest are dropped."""
MAX_HTTP_DELAY = 1.8
"""Real seconds; under the demo config's 2 s timeout, so slow checks are degraded, not down."""

HOMEPAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>RachelFoods - fresh groceries delivered</title></head>
<body><h1>RachelFoods</h1><p>Fresh groceries, delivered today.</p>
<ul><li><a href="/products">Shop</a></li><li><a href="/cart">Cart</a></li></ul>
<p><small>This is the opstui demo shop: simulated, no real orders.</small></p></body></html>
"""
ADMIN_LOGIN = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>RachelFoods admin - sign in</title></head>
<body><h1>Admin sign in</h1><form method="post" action="/admin/login">
<input name="email" type="email"><input name="password" type="password"><button>Sign in</button>
</form></body></html>
"""
UNAVAILABLE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>503 Service Unavailable</title></head>
<body><h1>503 Service Unavailable</h1><p>No healthy upstream.</p></body></html>
"""


class _Client:
    """One websocket client's bounded outbox."""

    def __init__(self) -> None:
        self.queue: deque[str] = deque(maxlen=CLIENT_QUEUE)
        self.ready = asyncio.Event()
        self.dropped = 0
        self.closing = False

    def push(self, message: str) -> None:
        if len(self.queue) == self.queue.maxlen:
            self.dropped += 1
        self.queue.append(message)
        self.ready.set()

    def close(self) -> None:
        self.closing = True
        self.ready.set()


class DemoShop:
    """The simulated shop. ``await start()`` listens and returns the port; ``await stop()`` ends it."""

    def __init__(
        self,
        port: int = 0,
        host: str = "127.0.0.1",
        clock: Clock | None = None,
        seed: int | None = None,
        timeline: tuple[Phase, ...] = TIMELINE,
    ) -> None:
        self.host = host
        self.port = port
        self.clock: Clock = clock or SystemClock()
        self.rng = random.Random(seed)
        self.traffic = Traffic(self.rng)
        self.product = ProductTraffic(random.Random(None if seed is None else seed + 1))
        """Web vitals, product events and admin actions, from a generator of their own."""
        self.scenario = Scenario(self.clock.now(), timeline)
        self._server: Server | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._clients: set[_Client] = set()
        self._entered: tuple[int, int] | None = None
        self._last_deploy: Event | None = None
        self._routes: dict[str, Callable[[ServerConnection, Position], Awaitable[Response]]] = {
            "/": self._homepage,
            "/admin/login": self._admin_login,
            "/api/health": self._health,
            "/api/payments/health": self._payments_health,
            "/api/metrics": self._metrics,
            "/metrics": self._exposition,
        }
        self.counters = ShopCounters()
        """The stream's requests and payments, counted for ``/metrics``."""

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def events_url(self) -> str:
        return f"ws://{self.host}:{self.port}{EVENTS_PATH}"

    @property
    def position(self) -> Position:
        return self.scenario.at(self.clock.now())

    @property
    def phase(self) -> Phase:
        """The phase running now (tests walk the timeline and check it)."""
        return self.position.phase

    @property
    def clients(self) -> int:
        """Connected websocket clients (lets a test wait until its client is subscribed)."""
        return len(self._clients)

    async def start(self) -> int:
        """Listen (port 0 picks a free one), start the stream, and return the port."""
        self._server = await serve(self._handle, self.host, self.port, process_request=self._process_request)
        self.port = self._server.sockets[0].getsockname()[1]
        self._enter(self.position, self.clock.now())
        self._ticker = asyncio.create_task(self._run(), name="opstui-demo-stream")
        return self.port

    async def stop(self) -> None:
        """Stop the stream, close every connection and wait for the server to finish."""
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        for client in self._clients:
            client.close()  # a handler parked on an empty queue would otherwise keep the server open
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    # The stream -------------------------------------------------------------------------------

    def _enter(self, position: Position, now: float) -> list[Event]:
        """The phase-entry events (deploy, announcement) the first time a phase is seen, else none."""
        key = (position.cycle, position.index)
        if key == self._entered:
            return []
        self._entered = key
        events = self.traffic.entry_events(position, now)
        for event in events:
            if event["type"] == "deploy":
                self._last_deploy = event
        return events

    async def _run(self) -> None:
        last = self.clock.now()
        while True:
            await self.clock.sleep(TICK)
            now = self.clock.now()
            position = self.scenario.at(now)
            events = self._enter(position, now)
            # Traffic happens whether or not anyone listens: /metrics counts it for scrapers too.
            stretch = self.traffic.events(position, max(last, now - MAX_SPAN), now)
            stretch += self.product.events(position, max(last, now - MAX_SPAN), now)
            events += sorted(stretch, key=lambda event: event["ts"])
            self.counters.observe(events)
            if self._clients:
                message = json.dumps(events, separators=(",", ":"))
                for client in self._clients:
                    client.push(message)
            last = now

    async def _handle(self, connection: ServerConnection) -> None:
        """Send one client the stream, starting with the version running now."""
        client = _Client()
        if self._last_deploy is not None:
            client.push(json.dumps([self._last_deploy]))
        self._clients.add(client)
        try:
            while not client.closing:
                await client.ready.wait()
                client.ready.clear()
                while client.queue and not client.closing:
                    await connection.send(client.queue.popleft())
        except ConnectionClosed:
            pass
        finally:
            self._clients.discard(client)

    # HTTP -------------------------------------------------------------------------------------

    async def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        path = urlsplit(request.path).path
        if path == EVENTS_PATH:
            return None  # go on with the websocket handshake
        route = self._routes.get(path)
        if route is None:
            return _json(connection, 404, {"error": "not found", "path": path})
        return await route(connection, self.position)

    async def _delay(self, position: Position, share: float) -> None:
        """Answer after a share of one of the phase's response times (real time: a client waits)."""
        await asyncio.sleep(min(MAX_HTTP_DELAY, share * self.traffic.latency_ms(position) / 1000.0))

    async def _homepage(self, connection: ServerConnection, position: Position) -> Response:
        await self._delay(position, 0.3)  # static, from the CDN: up even when the backend is down
        return _html(connection, 200, HOMEPAGE)

    async def _admin_login(self, connection: ServerConnection, position: Position) -> Response:
        await self._delay(position, 0.4)
        return (
            _html(connection, 503, UNAVAILABLE) if position.phase.health_down else _html(connection, 200, ADMIN_LOGIN)
        )

    async def _health(self, connection: ServerConnection, position: Position) -> Response:
        phase = position.phase
        if phase.health_down:
            return _json(
                connection,
                503,
                {"status": "down", "version": position.version, "checks": {"database": "unreachable", "cache": "ok"}},
            )
        await self._delay(position, 0.6)
        payments = "degraded" if phase.payments_down else "ok"
        return _json(
            connection,
            200,
            {
                "status": "ok",
                "version": position.version,
                "uptime_s": round(self.clock.now() - self.scenario.started_at),
                "checks": {"database": "ok", "cache": "ok", "payments": payments},
            },
        )

    async def _payments_health(self, connection: ServerConnection, position: Position) -> Response:
        phase = position.phase
        if phase.health_down or phase.payments_down:
            return _json(
                connection,
                503,
                {"status": "down", "provider": "stripe", "reason": "upstream errors from api.stripe.com"},
            )
        await self._delay(position, 0.5)
        return _json(connection, 200, {"status": "ok", "provider": "stripe"})

    async def _metrics(self, connection: ServerConnection, position: Position) -> Response:
        """The gauges; served by an exporter beside the app, so it answers even during the outage."""
        gauges = self.traffic.gauges(position)
        return _json(
            connection,
            200,
            {
                "scenario": position.phase.name,
                "version": position.version,
                "jobs": {"pending": gauges["queue_length"]},
                "db": {
                    "cpu_percent": gauges["db_cpu"],
                    "connections": gauges["db_connections"],
                    "max_connections": 100,
                },
                "email": {"failure_rate": gauges["email_failure_rate"]},
                "cache": {"hit_rate": gauges["cache_hit_rate"]},
            },
        )

    async def _exposition(self, connection: ServerConnection, position: Position) -> Response:
        """The stream's figures in the Prometheus format (``prometheus_client`` renders them)."""
        accept = connection.request.headers.get("Accept", "") if connection.request is not None else ""
        body, content_type = self.counters.render(accept, self.traffic.gauges(position), position.version)
        return _respond(connection, 200, body.decode("utf-8"), content_type)


def _respond(connection: ServerConnection, status: int, body: str, content_type: str) -> Response:
    response = connection.respond(status, body)
    del response.headers["Content-Type"]
    response.headers["Content-Type"] = content_type
    return response


def _json(connection: ServerConnection, status: int, doc: dict[str, Any]) -> Response:
    return _respond(connection, status, json.dumps(doc), "application/json")


def _html(connection: ServerConnection, status: int, page: str) -> Response:
    return _respond(connection, status, page, "text/html; charset=utf-8")


async def run_demo_server(
    port: int, host: str = "127.0.0.1", clock: Clock | None = None, seed: int | None = None
) -> None:
    """Serve the demo shop until cancelled (``opstui demo-server``)."""
    shop = DemoShop(port=port, host=host, clock=clock, seed=seed)
    await shop.start()
    print(f"opstui demo shop on {shop.base_url} (events: {shop.events_url})", flush=True)
    try:
        await asyncio.Future()  # until cancelled (Ctrl-C)
    finally:
        await shop.stop()
