"""Real local servers for the source tests: a scriptable HTTP/1.1 server and a scriptable websocket server.

Nothing is mocked: sources talk to sockets on 127.0.0.1. Clock time is a :class:`FakeClock` moved by
the tests; real waiting is only ever for real I/O, bounded by :meth:`RecordingSink.wait_until`.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from pathlib import Path

import pytest
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from opstui.clock import FakeClock
from opstui.sources.base import SourceStatus
from opstui.sources.events import Event

WAIT = 5.0
"""Upper bound on any real wait for I/O in these tests."""


class Notifier:
    """Something that changes on real I/O and lets a test await a condition on it, without sleeping."""

    def __init__(self) -> None:
        self._changed = asyncio.Event()

    def notify(self) -> None:
        self._changed.set()

    async def wait_until(self, condition: Callable[[], bool]) -> None:
        """Return once ``condition()`` holds, re-checking after each change; fail after :data:`WAIT` seconds."""
        async with asyncio.timeout(WAIT):
            while not condition():
                self._changed.clear()
                await self._changed.wait()


class RecordingSink(Notifier):
    """A :class:`Sink` that keeps everything it is given."""

    retention = 48 * 3600.0
    """Seconds of history a real store keeps: the sources' border refuses older timestamps."""

    def __init__(self) -> None:
        super().__init__()
        self.samples: list[tuple[str, float, float, dict[str, str] | None]] = []
        self.events: list[Event] = []
        self.statuses: list[SourceStatus] = []

    def record(self, metric: str, value: float, ts: float, labels: dict[str, str] | None = None) -> None:
        self.samples.append((metric, value, ts, labels))
        self.notify()

    def ingest(self, events: list[Event]) -> None:
        self.events.extend(events)
        self.notify()

    def status_changed(self, status: SourceStatus) -> None:
        self.statuses.append(status)
        self.notify()

    def values(self, metric: str) -> list[float]:
        return [value for name, value, _, _ in self.samples if name == metric]


async def parked(clock: FakeClock, count: int) -> None:
    """Let the event loop turn until ``count`` tasks wait on ``clock``, so an advance reaches them all.

    No time passes on either clock: this only gives tasks that were just started their first step.
    """
    for _ in range(10_000):
        if clock.sleepers >= count:
            return
        await asyncio.sleep(0)
    raise AssertionError(f"{clock.sleepers} tasks wait on the clock, expected {count}")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 with nothing listening (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- HTTP -----------------------------------------------------------------------------------------


@dataclass
class Route:
    """How the server answers one path."""

    status: int = 200
    body: str | bytes = "ok"
    content_type: str = "text/plain"
    delay: float = 0.0
    """Real seconds the server takes to answer (a slow server; keep it short)."""
    hold: asyncio.Event | None = None
    """When set, the answer waits until the test sets this event (a hanging server)."""


class HttpServer(Notifier):
    """A minimal HTTP/1.1 server (one request per connection) whose answers the test scripts per path."""

    def __init__(self, scheme: str = "http") -> None:
        super().__init__()
        self.scheme = scheme
        self.port = 0
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.headers: list[dict[str, str]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._handlers: set[asyncio.Task[None]] = set()

    def url(self, path: str) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            method, path, _ = (await reader.readline()).decode().split(" ", 2)
            headers = {}
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                headers[name.strip().lower()] = value.strip()
            self.hits[path] += 1
            self.headers.append(headers)
            route = self.routes.get(path, Route(404, "no such route"))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.notify()
            try:
                if route.delay:
                    await asyncio.sleep(route.delay)
                if route.hold is not None:
                    await route.hold.wait()
            finally:
                self.in_flight -= 1
            body = route.body.encode() if isinstance(route.body, str) else route.body
            head = (
                f"HTTP/1.1 {route.status} {HTTPStatus(route.status).phrase}\r\n"
                f"Content-Type: {route.content_type}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode() + (b"" if method == "HEAD" else body))
            await writer.drain()
        except (ConnectionError, ValueError):
            pass  # the client gave up (a timeout test) or sent garbage: nothing to answer
        finally:
            writer.close()
            self._handlers.discard(task)

    async def stop(self) -> None:
        for task in list(self._handlers):
            task.cancel()


async def _start_http(context: ssl.SSLContext | None = None) -> tuple[HttpServer, asyncio.Server]:
    server = HttpServer(scheme="https" if context else "http")
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0, ssl=context)
    server.port = listener.sockets[0].getsockname()[1]
    return server, listener


@pytest.fixture
async def http_server() -> AsyncIterator[HttpServer]:
    server, listener = await _start_http()
    yield server
    await server.stop()
    listener.close()
    await listener.wait_closed()


@dataclass(frozen=True)
class SelfSigned:
    """A self-signed certificate for 127.0.0.1 and its key, on disk."""

    cert: Path
    key: Path
    not_after: datetime


@pytest.fixture
def self_signed(tmp_path: Path) -> SelfSigned:
    """A certificate valid for 30 days, made with ``cryptography`` (in the dev extras: these tests never skip)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "opstui test")])
    now = datetime.now(UTC).replace(microsecond=0)
    not_after = now + timedelta(days=30)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return SelfSigned(cert_path, key_path, not_after)


@pytest.fixture
async def https_server(self_signed: SelfSigned) -> AsyncIterator[HttpServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(self_signed.cert, self_signed.key)
    server, listener = await _start_http(context)
    yield server
    await server.stop()
    listener.close()
    await listener.wait_closed()


# -- websocket ------------------------------------------------------------------------------------

Script = Callable[[ServerConnection], Awaitable[None]]


@dataclass
class WsServer:
    """A websocket server: each new connection plays the next script, then stays open until closed."""

    scripts: list[Script] = field(default_factory=list)
    connections: int = 0
    request_headers: list[Headers] = field(default_factory=list)
    reject_with: int | None = None
    """Refuse the handshake with this HTTP status."""
    port: int = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/events"

    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        self.request_headers.append(request.headers)
        if self.reject_with is None:
            return None
        return connection.respond(HTTPStatus(self.reject_with), "refused by test\n")

    async def handle(self, connection: ServerConnection) -> None:
        self.connections += 1
        if self.scripts:
            await self.scripts.pop(0)(connection)
        await connection.wait_closed()


@pytest.fixture
async def ws_server() -> AsyncIterator[WsServer]:
    server = WsServer()
    listener: Server
    async with serve(server.handle, "127.0.0.1", 0, process_request=server.process_request) as listener:
        server.port = next(iter(listener.sockets)).getsockname()[1]
        yield server
