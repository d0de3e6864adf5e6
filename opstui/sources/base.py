"""The interface every source shares: a loop on the clock, a status and a sink (backoff is :mod:`opstui.backoff`)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from enum import Enum
from typing import Protocol

from opstui.clock import Clock
from opstui.sanitize import clean
from opstui.sources.border import Border
from opstui.sources.events import Event


class SourceState(Enum):
    """How a source is doing, as the health table shows it."""

    PENDING = "pending"
    """Not checked yet."""
    UP = "up"
    DEGRADED = "degraded"
    """Answers, but outside expectations that are not fatal (e.g. slower than ``max_latency``)."""
    DOWN = "down"
    """Answered wrongly (bad status, missing body text): the service is reachable and failing."""
    UNREACHABLE = "unreachable"
    """Could not be reached at all: timeout, refused connection, DNS, TLS, dropped stream."""
    STALE = "stale"
    """Connected but silent for too long, or data older than expected."""


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """A source's health at one moment. Immutable: the UI reads snapshots, never live objects."""

    name: str
    kind: str
    target: str
    """What it watches, with any credentials removed (safe to show)."""
    state: SourceState = SourceState.PENDING
    reason: str = ""
    """Why it is not up, in one line."""
    since: float | None = None
    """When it entered its current state."""
    last_check: float | None = None
    last_ok: float | None = None
    latency_ms: float | None = None
    checks: int = 0
    ok_checks: int = 0
    tls_days_left: float | None = None
    received: int = 0
    """Events (websocket) or values (json) received so far."""
    unknown: int = 0
    malformed: int = 0
    rejected: int = 0
    """Values refused at the border (implausible timestamps, non-finite or out-of-range numbers)."""
    next_attempt: float | None = None
    """When a failing source will try again (backoff)."""
    seen: str = ""
    """What the last check found, one line (a backup source: the newest backup, its age and size), recorded
    with the checklist ticks it makes."""

    @property
    def uptime_pct(self) -> float | None:
        """Share of checks this session that came back up or degraded, in percent."""
        return None if self.checks == 0 else 100.0 * self.ok_checks / self.checks


class Sink(Protocol):
    """Where a source delivers what it reads (the core implements it)."""

    retention: float
    """Seconds of history the store keeps: the border refuses timestamps older than this."""

    def record(self, metric: str, value: float, ts: float, labels: dict[str, str] | None = None) -> None:
        """One sample of one metric."""
        ...

    def ingest(self, events: list[Event]) -> None:
        """Ops events from a stream (requests, payments, metrics, deploys, errors)."""
        ...

    def status_changed(self, status: SourceStatus) -> None:
        """A source's status object was replaced (any field); called on every check."""
        ...


class Source(ABC):
    """One source of data. Subclasses implement :meth:`run`; the core starts it as one task."""

    kind: str = "source"

    def __init__(self, name: str, target: str, clock: Clock, sink: Sink) -> None:
        self.name = name
        self.clock = clock
        self.sink = sink
        self.border = Border(clock, sink.retention)
        """Checks every timestamp and number this source reads; what it refuses shows on the source's row."""
        self.status = SourceStatus(name=name, kind=self.kind, target=clean(target))

    @abstractmethod
    async def run(self) -> None:
        """Run forever (until cancelled), never raising: failures become status."""

    async def run_once(self) -> SourceStatus:
        """One check (or, for a stream, one listening period); used by ``opstui check``."""
        raise NotImplementedError

    async def close(self) -> None:  # noqa: B027 - an optional hook, most sources hold nothing
        """Release connections (called on shutdown)."""

    def _update(self, **changes: object) -> None:
        """Replace the status, tracking ``since`` across state changes, and tell the sink.

        The reason is cleaned here (a server's error text can carry escape sequences) and carries the border's
        note, so every source's row says what was rejected and why.
        """
        if isinstance(changes.get("reason"), str):
            changes["reason"] = _with_note(clean(str(changes["reason"])), self.border.note())
        changes["rejected"] = self.border.rejected
        new = replace(self.status, **changes)  # type: ignore[arg-type]
        if new.state != self.status.state:
            new = replace(new, since=new.last_check or self.clock.now())
        self.status = new
        self.sink.status_changed(new)


def _with_note(reason: str, note: str) -> str:
    """``reason`` followed by the border's ``note`` (once) when there is one."""
    if not note or note in reason:
        return reason
    return f"{reason}; {note}" if reason else note
