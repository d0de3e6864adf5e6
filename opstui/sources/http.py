"""HTTP health checks, and the polling loop they share with the JSON source.

Fair sources. Each source has its own ``limiter`` (one request at a time; a Prometheus source, whose queries all
go to one server, a few) and its own HTTP client, so nothing one source waits for is shared with another: forty
hanging endpoints hold forty requests of their own and a healthy check beside them keeps its cadence. (A shared
semaphore of 8, tried first because httpx degrades with ~100 requests in one connection pool, see
docs/performance.md, let 40 hanging sources starve a healthy check to 2 checks a minute instead of 30.) Each
source awaits its own request before sleeping, so its polls never overlap; the timeout covers the whole request,
connect to last byte.

Pacing. After a good check (up or degraded) the next one starts ``interval`` after that one started (start to
start: the answer's latency does not stretch the cadence). After a failing one (down or unreachable) it starts
``interval`` plus a jitter that grows with the failures in a row up to
one more ``interval``: never later than ``2 x interval``. A health check's cadence is what it promises (a
short recovery must be seen); the jitter only spreads the retries of many consoles or checks that failed
together, so they do not storm the service in lock-step as it comes back. ``next_attempt`` says when.

Latency is measured on the real monotonic clock (it is a network fact); every timestamp the rest of
the console sees comes from the injected clock. The console's own load is told apart from the endpoint's
slowness by :mod:`opstui.sources.loop_lag`: a check that timed out or was slow while the console's event loop
ran late says so on its row, and an HTTP check is judged slow on its latency less that lateness.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import time
from abc import abstractmethod
from collections.abc import Iterator

import httpx

from opstui.backoff import Backoff
from opstui.clock import Clock
from opstui.config.models import HttpSource
from opstui.redact import redact_url
from opstui.sources.base import Sink, Source, SourceState, SourceStatus
from opstui.sources.loop_lag import loop_lag, overload_note

log = logging.getLogger(__name__)

RETRY_JITTER = 4.0
"""A failing poll's first retry waits ``interval`` plus up to ``interval / RETRY_JITTER``; the jitter's ceiling
doubles with each failure in a row, up to one ``interval`` (so at most ``2 x interval`` between attempts)."""
MAX_BODY_BYTES = 1_048_576
"""An HTTP check reads at most this much of the body (``body_contains`` looks within it)."""
MAX_REASON = 200
OVERLOAD_SHARE = 0.25
"""A failed check whose attempt saw the console's loop late by at least this share of its duration says so."""

OK_STATES = (SourceState.UP, SourceState.DEGRADED)
"""States that count towards uptime and reset the backoff."""


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it was raised from, outermost first (httpx and anyio wrap OS errors twice)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def describe_network_error(exc: BaseException, timeout: float) -> str:
    """One line in the operator's terms for a failure to reach a service (never includes the URL)."""
    for err in _causes(exc):
        if isinstance(err, TimeoutError | httpx.TimeoutException):
            return f"timeout after {timeout:g}s"
        if isinstance(err, ssl.SSLCertVerificationError):
            return f"TLS: {err.verify_message or err.reason}"
        if isinstance(err, ssl.SSLError):
            return f"TLS: {err.reason or err}"
        if isinstance(err, socket.gaierror):
            return f"DNS: {err.strerror or err}"
        if isinstance(err, ConnectionRefusedError):
            return "connection refused"
        if isinstance(err, ConnectionResetError):
            return "connection reset"
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:MAX_REASON]


def tls_days_left(response: httpx.Response, now: float) -> float | None:
    """Days until the peer certificate's ``notAfter``, or None when unknown.

    Best effort: only a verified TLS connection exposes the parsed certificate, and the transport
    internals are not part of httpx's stable API, so any surprise means "unknown", never a crash.
    """
    try:
        stream = response.extensions.get("network_stream")
        ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
        cert = ssl_object.getpeercert() if ssl_object is not None else None
        not_after = cert.get("notAfter") if cert else None
        if not isinstance(not_after, str):
            return None
        return (ssl.cert_time_to_seconds(not_after) - now) / 86400.0
    except (AttributeError, KeyError, TypeError, ValueError, ssl.SSLError):
        return None


async def read_capped(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """The body up to ``limit`` bytes, and whether there was more: a runaway body cannot eat memory."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return b"".join(chunks)[:limit], True
    return b"".join(chunks), False


MIN_PAUSE = 0.1
"""The least time between the end of one check and the start of the next, as a share of the interval."""


class PolledSource(Source):
    """A source that asks a URL once per ``interval``: the loop, pacing and bookkeeping both HTTP kinds share.

    Subclasses implement :meth:`_probe`, which makes one request and returns the status changes
    (built with :meth:`_result`); this class counts checks, paces the loop and keeps it alive.
    """

    concurrency = 1
    """Requests this source has in flight at most (its own limit: no other source can fill it)."""

    def __init__(self, name: str, url: str, interval: float, clock: Clock, sink: Sink) -> None:
        super().__init__(name, redact_url(url), clock, sink)
        self.interval = interval
        self.limiter = asyncio.Semaphore(self.concurrency)
        self.backoff = Backoff(base=interval / RETRY_JITTER, cap=interval)
        """Only the jitter added to ``interval`` after a failure (see the module doc)."""

    @abstractmethod
    async def _probe(self) -> dict[str, object]:
        """Make one request and return the changes to the status (from :meth:`_result`)."""

    def _result(self, state: SourceState, reason: str = "", **changes: object) -> dict[str, object]:
        """Status changes for one finished check: state, reason, and the session counters."""
        now = self.clock.now()
        ok = state in OK_STATES
        return {
            "state": state,
            "reason": reason[:MAX_REASON],
            "last_check": now,
            "last_ok": now if ok else self.status.last_ok,
            "checks": self.status.checks + 1,
            "ok_checks": self.status.ok_checks + ok,
            **changes,
        }

    async def _safe_probe(self) -> dict[str, object]:
        started = time.perf_counter()
        with loop_lag() as lag:
            changes = await self._guarded_probe()
        # A failure while the console's loop was held up for a good part of the attempt may be the console's, not
        # the endpoint's: the row says so (the doubt is shown, not hidden).
        note = overload_note(lag.worst) if lag.worst >= OVERLOAD_SHARE * (time.perf_counter() - started) else ""
        if note and changes["state"] not in OK_STATES and note not in str(changes["reason"]):
            changes["reason"] = f"{changes['reason']}; {note}"
        return changes

    async def _guarded_probe(self) -> dict[str, object]:
        try:
            return await self._probe()
        except httpx.InvalidURL:
            return self._result(SourceState.UNREACHABLE, "invalid URL", latency_ms=None)
        except Exception as exc:  # a bug in a probe must not kill the loop; it is logged and shown
            log.exception("source %s: check failed", self.name)
            return self._result(SourceState.UNREACHABLE, f"internal error: {type(exc).__name__}", latency_ms=None)

    client: httpx.AsyncClient
    """The source's own client (see the module doc: nothing one source waits for is shared)."""

    async def _get_document(
        self, url: str, headers: dict[str, str], seconds: float, limit: int, what: str
    ) -> tuple[httpx.Response, bytes, float] | dict[str, object]:
        """One GET of a document of at most ``limit`` bytes, redirects followed, within ``seconds`` in all: the
        response, its body and the latency in ms; or, when there is no document to read, the failed check's
        result (unreachable, an HTTP error, a ``what`` larger than the limit). What the JSON poll and the
        scrape share."""
        async with self.limiter:
            started = time.perf_counter()
            try:
                async with (
                    asyncio.timeout(seconds),
                    self.client.stream("GET", url, headers=headers, timeout=seconds, follow_redirects=True) as response,
                ):
                    body, too_big = await read_capped(response, limit)
            except (httpx.TransportError, OSError, TimeoutError) as exc:
                return self._result(SourceState.UNREACHABLE, describe_network_error(exc, seconds), latency_ms=None)
            latency_ms = (time.perf_counter() - started) * 1000.0
        if not response.is_success:
            return self._result(SourceState.DOWN, f"HTTP {response.status_code}", latency_ms=latency_ms)
        if too_big:
            return self._result(SourceState.DOWN, f"{what} larger than {limit // 1_048_576} MiB", latency_ms=latency_ms)
        return response, body, latency_ms

    async def run_once(self) -> SourceStatus:
        self._update(**await self._safe_probe())
        return self.status

    async def run(self) -> None:
        while True:
            started = self.clock.now()
            changes = await self._safe_probe()
            if changes["state"] in OK_STATES:
                self.backoff.reset()
                delay, next_attempt = self.interval, None
            else:
                delay = self.interval + self.backoff.next_delay()
                next_attempt = started + delay
            self._update(**changes, next_attempt=next_attempt)
            # From start to start, as Prometheus scrapes: an answer's latency (or a busy loop) never stretches the
            # cadence. A check slower than its interval is followed by the next after a short pause (a tenth of
            # the interval, and a failure's jitter), never at once: a hanging endpoint is not hammered.
            pause = MIN_PAUSE * self.interval + (delay - self.interval)
            await self.clock.sleep(max(pause, started + delay - self.clock.now()))


class HttpCheck(PolledSource):
    """Polls one URL: up / degraded (slow) / down (wrong answer) / unreachable, uptime and TLS expiry.

    Records, labelled ``source=<name>``: ``check_up`` (1 or 0), ``check_latency_ms`` (when an answer
    came), ``check_uptime_pct`` (session) and ``tls_days_left`` (https, when the certificate is known).
    """

    kind = "http"

    def __init__(self, cfg: HttpSource, clock: Clock, sink: Sink, client: httpx.AsyncClient) -> None:
        super().__init__(cfg.name, cfg.url, cfg.interval, clock, sink)
        self.cfg = cfg
        self.client = client
        self.labels = {"source": cfg.name}
        expected = cfg.expect.status
        self.expected_status = frozenset(expected if isinstance(expected, list) else [expected])

    async def _probe(self) -> dict[str, object]:
        cfg = self.cfg
        async with self.limiter:
            with loop_lag() as lag:
                started = time.perf_counter()
                try:
                    async with (
                        asyncio.timeout(cfg.timeout),
                        self.client.stream(cfg.method, cfg.url, headers=cfg.headers, timeout=cfg.timeout) as response,
                    ):
                        tls_days = tls_days_left(response, self.clock.now())
                        body, _ = await read_capped(response, MAX_BODY_BYTES)
                except (httpx.TransportError, OSError, TimeoutError) as exc:
                    result = self._result(
                        SourceState.UNREACHABLE, describe_network_error(exc, cfg.timeout), latency_ms=None
                    )
                    self._record(SourceState.UNREACHABLE, None, None)
                    return result
                latency_ms = (time.perf_counter() - started) * 1000.0
        state, reason = self._judge(response, body, latency_ms, lag.worst)
        tls = self.status.tls_days_left if tls_days is None else tls_days
        result = self._result(state, reason, latency_ms=latency_ms, tls_days_left=tls)
        self._record(state, latency_ms, tls_days)
        return result

    def _judge(
        self, response: httpx.Response, body: bytes, latency_ms: float, loop_late: float
    ) -> tuple[SourceState, str]:
        """The verdict on one answer; ``loop_late`` (seconds the console's loop ran late meanwhile) is not counted
        as the endpoint's slowness."""
        expect = self.cfg.expect
        if response.status_code not in self.expected_status:
            return SourceState.DOWN, f"HTTP {response.status_code}"
        if expect.body_contains is not None:
            text = body.decode(response.encoding or "utf-8", errors="replace")
            if expect.body_contains not in text:
                return SourceState.DOWN, f"body lacks {expect.body_contains!r}"
        limit_ms = None if expect.max_latency is None else expect.max_latency * 1000.0
        if limit_ms is not None and latency_ms > limit_ms:
            slow = f"slow: {latency_ms:.0f} ms > {limit_ms:.0f} ms"
            note = overload_note(loop_late)
            if not note:
                return SourceState.DEGRADED, slow
            if latency_ms - loop_late * 1000.0 > limit_ms:
                return SourceState.DEGRADED, f"{slow}; {note}"
            return SourceState.UP, f"{slow} measured, but {note}"
        return SourceState.UP, ""

    def _record(self, state: SourceState, latency_ms: float | None, tls_days: float | None) -> None:
        """Samples for the check just made (the status is not updated yet, hence the ``+ 1``)."""
        ts = self.clock.now()
        ok = state in OK_STATES
        uptime_pct = 100.0 * (self.status.ok_checks + ok) / (self.status.checks + 1)
        self.sink.record("check_up", 1.0 if ok else 0.0, ts, self.labels)
        if latency_ms is not None:
            self.sink.record("check_latency_ms", latency_ms, ts, self.labels)
        self.sink.record("check_uptime_pct", uptime_pct, ts, self.labels)
        if tls_days is not None:
            self.sink.record("tls_days_left", tls_days, ts, self.labels)
