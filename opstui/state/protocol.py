"""The state store's interface, so the SQLite backend and a later PostgreSQL one are interchangeable.

Every method is a coroutine and every write is committed (durable on disk) before it returns: the
console shows an acknowledgement, a note or a tick as done only after that. Failures raise
:class:`StateError` with a one-line message in the operator's terms.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from typing import Protocol

from opstui.incidents.model import Incident, IncidentEvent, Override, Silence
from opstui.state.audit import AuditEntry
from opstui.state.changes import Change
from opstui.state.check_results import CheckResult, RecordedTotal


class StateError(Exception):
    """The state store failed (locked, disk full, corrupt, too slow); the message is one line."""


class ConflictError(StateError):
    """Someone else changed the incident since it was read; read it again and retry."""


class TickKind(StrEnum):
    """What a checklist tick says about a task's period."""

    DONE = "done"
    SKIP = "skip"
    NOTE = "note"
    UNDO = "undo"
    """Cancels the tick named by ``undoes``; the original row stays as the audit trail."""


CLOSING_KINDS = (TickKind.DONE, TickKind.SKIP)
"""The kinds that close a task's period: at most one that counts per (task, period), across consoles."""


@dataclass(frozen=True, slots=True)
class Tick:
    """One checklist action by one person; ``id`` is 0 until stored."""

    task_id: str
    period_start: float
    """Start of the cadence period the tick counts for (the checklist decides what a period is)."""
    at: float
    kind: TickKind
    actor: str
    host: str
    value: str | None = None
    """What was seen, e.g. ``p95 420ms``."""
    note: str | None = None
    undoes: int | None = None
    id: int = 0


@dataclass(frozen=True, slots=True)
class ComponentOverride:
    """A status page component's status set by a person (``status`` is a ComponentStatus value), with why; in
    force from ``set_at`` until ``until`` (None: until cleared). ``id`` is 0 until stored."""

    component: str
    status: str
    reason: str
    set_by: str
    host: str
    set_at: float
    until: float | None = None
    cleared_at: float | None = None
    cleared_by: str | None = None
    id: int = 0

    def in_force(self, now: float) -> bool:
        return self.cleared_at is None and self.set_at <= now and (self.until is None or now < self.until)


class TickTaken(ConflictError):
    """Someone ticked (or skipped) the task for that period first: ``first`` is their tick, so the console
    that lost the race can say who and when instead of recording the task done twice."""

    def __init__(self, first: Tick, tz: tzinfo = UTC) -> None:
        self.first = first
        done = "skipped" if first.kind is TickKind.SKIP else "ticked"
        when = datetime.fromtimestamp(first.at, tz).strftime("%H:%M")
        super().__init__(f"{first.task_id} was already {done} by {first.actor} at {when}")


class DeliveryState(StrEnum):
    """Where one outbox row stands."""

    PENDING = "pending"
    """Still to send (due now, waiting for a retry, or being sent)."""
    DELIVERED = "delivered"
    FAILED = "failed"
    """Given up on: rejected for good, or still failing when older than the outbox's maximum age."""
    SUPERSEDED = "superseded"
    """A trigger or escalation page whose incident was acknowledged or resolved before it could be sent:
    either sent once with the incident's current state (``delivered_at`` set) or dropped (it is not)."""


@dataclass(frozen=True, slots=True)
class Notification:
    """A row of the outbox that notifier workers deliver (bell, webhook, Slack, email)."""

    channel: str
    payload: Mapping[str, object]
    """JSON-serialisable; for incidents: id, title, severity, state, event, text, target."""
    created_at: float
    next_attempt_at: float | None = None
    """When to try (next); on enqueue None means at ``created_at``; stored None means never again."""
    attempts: int = 0
    delivered_at: float | None = None
    last_error: str | None = None
    id: int = 0
    key: str = ""
    """The idempotency key, one per row, made at enqueue: every attempt of this row carries it, so a receiver
    can drop a page it already has (a timed-out attempt may still have arrived)."""
    incident_id: int | None = None
    """The incident the row is about (from the payload): rows of one incident go out in order."""
    state: DeliveryState = DeliveryState.PENDING
    claimed_until: float | None = None
    """A console is sending the row until then; nobody else may claim it before (team mode: exactly once)."""
    last_attempt_at: float | None = None


class StateStore(Protocol):
    """Durable shared state: incidents and their timelines, silences, the outbox, checklist ticks."""

    @property
    def schema_version(self) -> int:
        """The schema version of the open store."""
        ...

    async def open(self) -> None:
        """Connect and bring the schema up to date (once, even with several processes starting)."""
        ...

    async def close(self) -> None: ...

    # Incidents -------------------------------------------------------------------------------------

    async def insert_incident(
        self, incident: Incident, event: IncidentEvent, notifications: Sequence[Notification] = ()
    ) -> Incident:
        """Store a new incident with its first timeline event; returns it with its id."""
        ...

    async def update_incident(
        self,
        incident: Incident,
        events: Sequence[IncidentEvent] = (),
        notifications: Sequence[Notification] = (),
    ) -> Incident:
        """Write a new version of an incident read at ``incident.revision``, atomically with its events.

        Raises :class:`ConflictError` if the stored revision has moved on.
        """
        ...

    async def update_incidents(
        self, changes: Sequence[tuple[Incident, Sequence[IncidentEvent], Sequence[Notification]]]
    ) -> list[Incident]:
        """Write new versions of several incidents in one transaction (a merge), each from the revision it was
        read at; all or none. Raises :class:`ConflictError` if any stored revision has moved on."""
        ...

    async def get_incident(self, incident_id: int) -> Incident | None: ...

    async def latest_incident(self, fingerprint: str) -> Incident | None:
        """The most recently opened incident for an alert fingerprint, open or not."""
        ...

    async def open_incidents(self) -> list[Incident]: ...

    async def merged_into(self, incident_id: int) -> list[Incident]:
        """The incidents merged into ``incident_id``, oldest first."""
        ...

    async def recent_incidents(self, limit: int) -> list[Incident]:
        """Newest first."""
        ...

    async def add_event(self, event: IncidentEvent) -> IncidentEvent: ...

    async def events(self, incident_id: int) -> list[IncidentEvent]:
        """The incident's timeline, oldest first."""
        ...

    # Silences --------------------------------------------------------------------------------------

    async def add_silence(self, silence: Silence, events: Sequence[IncidentEvent] = ()) -> Silence: ...

    async def active_silences(self, now: float) -> list[Silence]:
        """The silences in force at ``now`` (started, not ended), longest-lasting first."""
        ...

    async def silences_since(self, since: float) -> list[Silence]:
        """Every silence not over, and those over at or after ``since``: pending and active first, by start."""
        ...

    async def end_silence(self, silence_id: int, at: float, by: str) -> int:
        """Expire one silence early (pending or active); 0 if it was already over."""
        ...

    async def end_silences(self, matcher: str, at: float, by: str) -> int:
        """Cancel the active silences for ``matcher``; returns how many."""
        ...

    async def expire_silences(self, now: float) -> int:
        """Mark silences whose time is up as expired; returns how many."""
        ...

    async def count_suppressed(self, silence_id: int) -> None:
        """Record that a silence swallowed one alert firing."""
        ...

    async def add_override(self, override: Override) -> Override:
        """Store an on-call override; returns it with its id."""
        ...

    async def overrides_from(self, now: float) -> list[Override]:
        """Overrides in force at ``now`` or to come (not ended early, not over), by start."""
        ...

    async def end_override(self, override_id: int, at: float, by: str) -> int:
        """End one override now; 0 if it was already over or ended."""
        ...

    # Notification outbox ---------------------------------------------------------------------------

    async def enqueue(self, notifications: Sequence[Notification]) -> None: ...

    async def pending_notifications(self, now: float, limit: int = 100) -> list[Notification]:
        """Undelivered notifications due for an attempt, oldest first."""
        ...

    async def mark_delivered(self, notification_id: int, at: float, superseded: bool = False) -> None:
        """The channel accepted the row (``superseded``: sent with the incident's current state instead).

        A delivery proves the channel is back: its other pending rows waiting on a backoff are due at ``at``.
        """
        ...

    async def mark_superseded(self, notification_id: int, at: float) -> None:
        """The row is out of date and was not sent (a later row of its incident says what is current)."""
        ...

    async def mark_failed(self, notification_id: int, error: str, retry_at: float | None) -> None:
        """Count a failed attempt; due again at ``retry_at``, or never (kept, with its error) if None."""
        ...

    async def later_events(self, notification_id: int) -> list[str]:
        """The ``event`` of every pending row for the same channel and incident queued after this one."""
        ...

    async def notifications(self, limit: int = 500) -> list[Notification]:
        """The outbox, newest first: pending, failed and recently finished rows (``opstui notifications``)."""
        ...

    async def failing_count(self, since: float) -> int:
        """Pages in trouble: pending rows that failed at least once, and rows given up on at or after ``since``."""
        ...

    async def pending_count(self) -> int:
        """Notifications still to deliver (neither delivered nor given up on)."""
        ...

    async def outbox_dropped(self) -> int:
        """How many undelivered notifications were dropped because the outbox was full."""
        ...

    # Status page overrides ------------------------------------------------------------------------

    async def set_component_override(self, override: ComponentOverride) -> ComponentOverride:
        """Store an override, clearing the component's previous one (by the same person, at the same moment)
        in the same transaction: a component has at most one override in force."""
        ...

    async def clear_component_override(self, component: str, at: float, by: str) -> int:
        """End the component's override now; how many were ended (0: it had none)."""
        ...

    async def component_overrides(self, now: float) -> list[ComponentOverride]:
        """The overrides in force at ``now``, by component."""
        ...

    # Checklist ticks -------------------------------------------------------------------------------

    async def add_tick(self, tick: Tick) -> Tick:
        """Store a tick. A DONE or SKIP for a (task, period) that already has one that counts is refused with
        :class:`TickTaken` (the first one), so two consoles ticking at once record the task done once."""
        ...

    async def ticks_since(self, since: float) -> list[Tick]:
        """Ticks at or after ``since`` that still count (not undo rows, not undone), oldest first."""
        ...

    async def last_tick(self, task_id: str) -> Tick | None:
        """The task's latest tick that still counts."""
        ...

    async def undo_last_tick(self, actor: str, host: str | None = None) -> Tick | None:
        """Cancel ``actor``'s latest tick that still counts; returns the tick undone, None if none.

        The undo is itself a tick (kind ``undo``, from ``host``, default this machine) for the audit trail.
        """
        ...

    # Change feed, audit, claiming the outbox (team mode) -------------------------------------------

    async def last_change(self) -> int:
        """The newest change's sequence number (0 when nothing was ever written)."""
        ...

    async def changes_since(self, seq: int, limit: int = 500) -> list[Change]:
        """Changes after ``seq``, oldest first: every write to incidents, timelines, silences and ticks."""
        ...

    async def subscribe(self, since: int | None = None) -> AsyncIterator[Change]:
        """Start following the change feed; the iterator yields every change after ``since`` (default: now),
        pushed (PostgreSQL NOTIFY) or polled (SQLite), and catches up after a dropped connection."""
        ...

    async def audit(self, since: float) -> list[AuditEntry]:
        """Every action at or after ``since``: who, when, from which host, what, oldest first."""
        ...

    async def claim_notifications(
        self, now: float, lease: float, limit: int = 100, per_channel: int | None = None
    ) -> list[Notification]:
        """Take due notifications for delivery by this console alone; due again for anyone at ``now + lease``
        unless marked delivered or failed first (so a console that dies mid-send does not lose them).

        Only the oldest pending row of each (channel, incident) is due, so an incident's pages go out in order;
        at most ``per_channel`` rows of one channel are taken, so none waits long enough to outlive its lease.
        """
        ...

    # Recorded check results (``opstui check --record``) -----------------------------------------------

    async def record_checks(self, results: Sequence[CheckResult]) -> None:
        """Store one run's results in one transaction (durable before it returns); deletes the results older
        than :data:`~opstui.state.check_results.RETENTION` before the newest."""
        ...

    async def check_totals(self, since: float, kind: str = "http", until: float = math.inf) -> list[RecordedTotal]:
        """Per source of ``kind``: the good and all recorded results at or after ``since`` and before ``until``,
        by name."""
        ...

    async def component_totals(
        self, name: str, sources: Sequence[str], since: float, until: float = math.inf
    ) -> RecordedTotal:
        """A component's recorded runs at or after ``since`` and before ``until``: those that checked any of its
        ``sources``, and those where every one of them was up."""
        ...
