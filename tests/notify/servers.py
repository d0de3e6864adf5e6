"""Real servers on 127.0.0.1 for the notifier tests: an HTTP endpoint whose behaviour a test switches,
and an SMTP server (aiosmtpd) that keeps what it receives. Both run on the test's own event loop."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, Literal

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

Mode = Literal["ok", "503", "500", "404", "hang", "flaky", "echo", "slow"]


class Changes:
    """Lets a test wait for a condition on state that real I/O changes, without polling or sleeping."""

    def __init__(self) -> None:
        self._changed = asyncio.Event()

    def touch(self) -> None:
        """Something changed: wake whoever waits."""
        self._changed.set()

    async def until(self, condition: Callable[[], bool]) -> None:
        """Return once ``condition`` holds; the 5 real seconds only guard against a hung test."""
        async with asyncio.timeout(5):
            while not condition():
                self._changed.clear()
                await self._changed.wait()


class HookServer:
    """An HTTP server that answers each POST according to :attr:`mode`.

    ``ok`` answers 200 and keeps the JSON body; ``503``, ``500`` and ``404`` answer that status; ``hang`` never
    answers; ``flaky`` alternates 200 (kept) and 503; ``echo`` answers 500 with the request's credentials
    in its body (a server that leaks what it was sent); ``slow`` takes :attr:`delay` real seconds, then keeps
    the body and answers 200 -- unless the client hung up meanwhile (then it drops the request). Every
    request, whatever the answer, is in :attr:`attempts`, stamped with :attr:`clock`'s time if one is set.
    :meth:`stop` makes connections refused until :meth:`start`.
    """

    def __init__(self) -> None:
        self.mode: Mode = "ok"
        self.requests = 0
        self.received: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.headers: list[dict[str, str]] = []
        self.attempts: list[tuple[dict[str, str], dict[str, Any]]] = []
        """Every request's headers and JSON body, answered or not, in arrival order."""
        self.arrivals: list[float] = []
        """When each kept body arrived (``received``'s times), on :attr:`clock`."""
        self.clock: Any = None
        self.delay = 0.0
        self.abandoned = 0
        """``slow`` requests dropped because the client hung up before the answer."""
        self.port = 0
        self._server: asyncio.Server | None = None
        self._release = asyncio.Event()
        self._flip = False
        self._writers: set[asyncio.StreamWriter] = set()
        self.changes = Changes()
        """Touched after every request is answered."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Listen (again, on the same port after :meth:`stop`)."""
        self._release = asyncio.Event()
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Close the listener and every open connection: new connections are refused."""
        self._release.set()
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
            raw_body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.requests += 1
            self.attempts.append((headers, json.loads(raw_body) if raw_body else {}))
            if self.mode == "hang":
                await self._release.wait()
                return
            if self.mode == "slow":
                await asyncio.sleep(self.delay)
                if reader.at_eof():  # the client gave up: nothing is kept
                    self.abandoned += 1
                    self.changes.touch()
                    return
            status, answer = self._answer(raw_body, lines[0].split(" ")[1], headers)
            reason = {200: "OK", 404: "Not Found", 500: "Internal Server Error", 503: "Service Unavailable"}[status]
            writer.write(
                f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {len(answer)}\r\n"
                f"Connection: close\r\n\r\n".encode()
                + answer
            )
            await writer.drain()
            self.changes.touch()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    def _answer(self, raw_body: bytes, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
        if self.mode == "503":
            return 503, b"try later"
        if self.mode == "404":
            return 404, b"no_service"
        if self.mode == "500":
            return 500, b"boom"
        if self.mode == "echo":
            leaked = [headers.get("x-api-key", ""), headers.get("authorization", ""), path]
            return 500, " ".join(leaked).encode()
        if self.mode == "flaky":
            self._flip = not self._flip
            if not self._flip:
                return 503, b"try later"
        self.received.append(json.loads(raw_body))
        if self.clock is not None:
            self.arrivals.append(self.clock.now())
        self.paths.append(path)
        self.headers.append(headers)
        return 200, b"ok"


class Inbox:
    """An aiosmtpd handler that keeps every accepted message and every AUTH attempt."""

    def __init__(self, password: str | None = None) -> None:
        self.password = password
        self.messages: list[tuple[Envelope, EmailMessage]] = []
        self.logins: list[tuple[str, bool]] = []
        self.port = 0
        self._server: asyncio.Server | None = None

    async def handle_DATA(  # noqa: N802 - the name aiosmtpd calls
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else str(envelope.content).encode()
        message = message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append((envelope, message))
        return "250 Message accepted for delivery"

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and self.password is not None and data.password == self.password.encode()
        login = data.login.decode() if isinstance(data, LoginPassword) else "?"
        self.logins.append((login, ok))
        return AuthResult(success=ok, handled=False)

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(
                self,
                hostname="mail.test",
                authenticator=self._authenticate if self.password else None,
                auth_require_tls=False,
                loop=loop,
            ),
            "127.0.0.1",
            0,
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()
