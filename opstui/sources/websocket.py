"""A stream of ops events over a websocket (the format is in :mod:`opstui.sources.events`).

The hot path is one :func:`parse_message` and one ``sink.ingest`` per message, plus a few integer
additions: the status object is *not* rebuilt per message. Counters live in plain attributes and a
watchdog publishes them at most once a second of clock time, so 50,000 events a second cost the
console no extra status objects, and the UI (which redraws at about 1 Hz) loses nothing.

The same watchdog marks the stream stale when nothing arrived for ``stale_after`` and, while it stays
silent, keeps the reason's duration current (``no message for 3m05s``, never the ``10s`` it first said);
the first message after that makes it up again. A connection that ends for any reason is unreachable with the close
code, and the source reconnects with :class:`Backoff`, which is reset once a connection has
delivered at least one message (a server that accepts and immediately drops is not hammered).
"""

from __future__ import annotations

import asyncio
import logging
import time

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, InvalidURI, WebSocketException

from opstui.backoff import Backoff
from opstui.clock import Clock
from opstui.config.durations import format_duration
from opstui.config.models import WebsocketSource
from opstui.redact import redact_url
from opstui.sources.base import Sink, Source, SourceState, SourceStatus
from opstui.sources.events import parse_message
from opstui.sources.http import describe_network_error

log = logging.getLogger(__name__)

PUBLISH_EVERY = 1.0
"""Seconds (clock time) between two publications of the counters while messages flow."""
OFF_LOOP_BYTES = 64 * 1024
"""A message at least this big is parsed in a worker thread (~0.3 ms of parsing per KiB), so the screen keeps
answering keys while a producer's burst is decoded; smaller ones are parsed inline, where the thread hop
(~0.1 ms) would cost more than it saves."""
INGEST_SLICE = 2000
"""Events folded into the windows per turn of the event loop; between slices a key press is handled."""
TURN_BUDGET = 0.005
"""Seconds of work the stream does in one turn of the event loop before it lets the others run.

websockets hands over every message already buffered without yielding, and one read of the socket (256 KiB)
holds thousands of small messages: a flood of them kept the loop for over a second at a time, so a healthy HTTP
check elsewhere timed out. After this much work the stream yields (``asyncio.sleep(0)``): a probe's next step
waits at most about this long for the stream, whatever the producer sends."""
CLOSE_TIMEOUT = 1.0
"""Seconds the closing handshake may take (websockets' default is 10): under a flood the server's close frame sits
behind everything it sent before it, unread, and quitting the console waited the whole 10 s."""
READ_BYTES = 16 * 1024
"""Bytes taken from the socket per read (asyncio's default is 256 KiB). websockets parses every frame of a read in
one callback, before any of our code runs: 256 KiB of small compressed frames held the loop for 0.2-0.5 s; 16
KiB is a few milliseconds, and still more than 10 MB/s. Set on plain ``ws://`` connections (asyncio's selector
transport reads ``max_size`` bytes at a time); a ``wss://`` stream keeps asyncio's TLS read size."""


class WebsocketStream(Source):
    """Listens to one websocket, feeding events to the sink; reconnects with backoff when dropped."""

    kind = "websocket"

    def __init__(self, cfg: WebsocketSource, clock: Clock, sink: Sink) -> None:
        super().__init__(cfg.name, redact_url(cfg.url), clock, sink)
        self.cfg = cfg
        self.backoff = Backoff()
        self._connection: ClientConnection | None = None
        self._received = 0
        self._unknown = 0
        self._malformed = 0
        self._last_problem = ""
        self._last_message: float | None = None
        self._last_activity = 0.0
        """When the stream last showed life (connected or a message): the watchdog's reference."""
        self._dirty = False
        """Counters changed since the status was last published."""

    async def run(self) -> None:
        while True:
            seen = self._received + self._unknown + self._malformed
            state, reason = await self._session()
            if self._received + self._unknown + self._malformed > seen:
                self.backoff.reset()
            delay = self.backoff.next_delay()
            self._publish(state, reason, next_attempt=self.clock.now() + delay)
            await self.clock.sleep(delay)

    async def run_once(self, wait: float = 5.0) -> SourceStatus:
        """Connect, listen for ``wait`` seconds of clock time, disconnect; the status at the end."""
        session = asyncio.create_task(self._session())
        timer = asyncio.create_task(self.clock.sleep(wait))
        try:
            await asyncio.wait({session, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            timer.cancel()
            session.cancel()
        await asyncio.wait({session})
        if not session.cancelled():
            self._publish(*session.result())
        elif self.status.state is SourceState.PENDING:
            self._publish(SourceState.UNREACHABLE, f"not connected after {wait:g}s")
        else:
            self._publish()
        return self.status

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()

    async def _session(self) -> tuple[SourceState, str]:
        """Connect and listen until the connection ends; return the state and reason it ended with."""
        cfg = self.cfg
        try:
            async with connect(
                cfg.url,
                open_timeout=cfg.connect_timeout,
                close_timeout=CLOSE_TIMEOUT,
                max_size=cfg.max_message_bytes,
                additional_headers=cfg.headers,
            ) as connection:
                self._connection = connection
                _bound_reads(connection)
                return SourceState.UNREACHABLE, await self._listen(connection)
        except InvalidStatus as exc:
            return SourceState.DOWN, f"handshake rejected: HTTP {exc.response.status_code}"
        except InvalidURI:
            return SourceState.UNREACHABLE, "invalid URL"
        except WebSocketException as exc:
            return SourceState.UNREACHABLE, f"handshake failed: {exc}"
        except OSError as exc:  # refused, DNS, TLS, and TimeoutError (``open_timeout``) alike
            return SourceState.UNREACHABLE, describe_network_error(exc, cfg.connect_timeout)
        except Exception as exc:  # a bug (in the sink, say) must not end the source; it is logged
            log.exception("source %s: stream failed", self.name)
            return SourceState.UNREACHABLE, f"internal error: {type(exc).__name__}"
        finally:
            self._connection = None

    async def _listen(self, connection: ClientConnection) -> str:
        """The hot path: parse, ingest, count. Returns why the connection closed."""
        self._last_activity = self.clock.now()
        watchdog = asyncio.create_task(self._watch())
        self._publish(SourceState.UP, next_attempt=None)
        turn_started = time.perf_counter()
        try:
            async for raw in connection:
                if time.perf_counter() - turn_started >= TURN_BUDGET:
                    await asyncio.sleep(0)  # a flood of small messages: the other tasks' turn
                    turn_started = time.perf_counter()
                now = self.clock.now()
                if len(raw) >= OFF_LOOP_BYTES:
                    result = await asyncio.to_thread(parse_message, raw, now)
                else:
                    result = parse_message(raw, now)
                events = self.border.events(result.events, now)  # implausible times and values are counted
                for start in range(0, len(events), INGEST_SLICE):
                    if start:
                        await asyncio.sleep(0)  # a burst is folded in slices: the screen answers in between
                        turn_started = time.perf_counter()
                    batch = events[start : start + INGEST_SLICE]
                    self.sink.ingest(batch)
                    self._received += len(batch)
                if result.malformed or result.unknown:
                    self._malformed += result.malformed
                    self._unknown += result.unknown
                    self._last_problem = result.last_problem
                self._last_message = self._last_activity = now
                if self.status.state is SourceState.UP:
                    self._dirty = True
                else:
                    self._publish(SourceState.UP)
        except ConnectionClosed as exc:
            # The frame we received, or else the one we sent (1009 when a message was too big).
            frame = exc.rcvd or exc.sent
            return _closed_reason(frame.code if frame else None, frame.reason if frame else "")
        finally:
            watchdog.cancel()
        return _closed_reason(connection.close_code, connection.close_reason or "")

    async def _watch(self) -> None:
        """Publish the counters at most once per :data:`PUBLISH_EVERY`; mark the stream stale when silent."""
        tick = min(PUBLISH_EVERY, self.cfg.stale_after)
        while True:
            await self.clock.sleep(tick)
            silent = self.clock.now() - self._last_activity
            if silent >= self.cfg.stale_after and self.status.state in (SourceState.UP, SourceState.STALE):
                self._publish(SourceState.STALE, f"no message for {format_duration(silent)}")
            elif self._dirty:
                self._publish()

    def _problems(self) -> str:
        """What is wrong while still up, e.g. ``3 malformed, last: not JSON: ...``."""
        counts = [f"{n} {what}" for n, what in ((self._malformed, "malformed"), (self._unknown, "unknown")) if n]
        return f"{', '.join(counts)}, last: {self._last_problem}" if counts else ""

    def _publish(self, state: SourceState | None = None, reason: str | None = None, **changes: object) -> None:
        """Replace the status with the current counters (and a new state / reason when given)."""
        state = state or self.status.state
        if reason is None:
            reason = self._problems() if state is SourceState.UP else self.status.reason
        self._dirty = False
        self._update(
            state=state,
            reason=reason,
            last_check=self.clock.now(),
            last_ok=self._last_message,
            received=self._received,
            unknown=self._unknown,
            malformed=self._malformed,
            **changes,
        )


def _closed_reason(code: int | None, reason: str) -> str:
    """``connection closed (code 1006)``, with the peer's reason when it gave one; no code means 1006."""
    text = f"connection closed (code {1006 if code is None else int(code)}"
    return f"{text}: {reason[:100]})" if reason else f"{text})"


def _bound_reads(connection: ClientConnection) -> None:
    """Read at most :data:`READ_BYTES` per turn of the loop where the transport lets us say so (see there)."""
    transport = connection.transport
    if isinstance(getattr(transport, "max_size", None), int) and transport.get_extra_info("sslcontext") is None:
        transport.max_size = READ_BYTES  # type: ignore[attr-defined]
