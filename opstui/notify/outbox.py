"""The outbox contract the dispatcher reads from, and a bounded in-memory outbox.

The incident core writes a notification to the outbox in the same step as the change it announces, and
the dispatcher delivers it later; so a Slack outage, a slow SMTP server or a restart never loses a page
and never holds up the console. The state store provides the durable outbox (its ``notifications``
table); :class:`MemoryOutbox` serves tests, the demo and a console run without a state store.

The methods are ``async`` so that a database-backed outbox can do its I/O off the event loop.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from opstui.clock import Clock
from opstui.state.outbox_sql import incident_of
from opstui.state.protocol import DeliveryState


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One notification for one channel, and where its delivery stands."""

    id: int
    channel: str
    """The notifier's name in the config."""
    payload: dict[str, Any]
    created_at: float
    attempts: int = 0
    """Attempts so far (failed ones, plus the one that delivered)."""
    next_attempt_at: float | None = None
    """When the item is due; ``None`` once it is finished (delivered, superseded or failed)."""
    delivered_at: float | None = None
    last_error: str | None = None
    """The last failure's one-line, secret-free reason."""
    key: str = ""
    """The idempotency key: the same on every attempt of this item, different for every other item."""
    incident_id: int | None = None
    state: DeliveryState = DeliveryState.PENDING
    last_attempt_at: float | None = None

    @property
    def failed(self) -> bool:
        """Given up on: never due again, and never delivered."""
        return self.state is DeliveryState.FAILED


class Outbox(Protocol):
    """Where notifications wait until their channel accepts them."""

    async def enqueue(self, channel: str, payload: Mapping[str, Any]) -> int:
        """Store a notification for ``channel``, due now; return its id."""
        ...

    async def due(self, now: float, limit: int, per_channel: int | None = None) -> list[OutboxItem]:
        """Up to ``limit`` pending items due at ``now`` (at most ``per_channel`` of one channel), the
        longest-waiting first; of one incident's items on one channel only the oldest (in order)."""
        ...

    async def incident_state(self, incident_id: int) -> str | None:
        """The incident's state now (``triggered``, ``acknowledged``, ``resolved``); None if unknown."""
        ...

    async def later_events(self, item: OutboxItem) -> list[str]:
        """The ``event`` of every later item of the same incident pending on the same channel."""
        ...

    async def mark_delivered(self, item_id: int, at: float, superseded: bool = False) -> None:
        """The channel accepted the item (``superseded``: sent with the incident's current state instead);
        the channel's other items waiting on a backoff are due at ``at``."""
        ...

    async def mark_superseded(self, item_id: int, at: float) -> None:
        """The item is out of date and was not sent."""
        ...

    async def mark_failed(self, item_id: int, error: str, next_attempt_at: float | None, permanent: bool) -> None:
        """Count a failed attempt and record ``error``.

        The item is due again at ``next_attempt_at``; with ``permanent`` it is failed: never due again but
        listed with its error.
        """
        ...

    async def pending_count(self) -> int:
        """Items still to deliver (neither finished nor given up on)."""
        ...


class MemoryOutbox:
    """An in-memory :class:`Outbox`, bounded so that a long outage cannot grow memory without limit.

    At most ``capacity`` (default 10,000) undelivered items are kept, pending or given up on; enqueueing
    beyond that drops the oldest undelivered item and counts it in :attr:`dropped`. The last ``history``
    (default 1,000) finished items are kept for display; older ones are forgotten. It knows no incidents,
    so nothing in it is ever superseded.
    """

    def __init__(self, clock: Clock, *, capacity: int = 10_000, history: int = 1_000) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._clock = clock
        self._capacity = capacity
        self._undelivered: dict[int, OutboxItem] = {}
        """Insertion-ordered, so the first key is the oldest."""
        self._finished: deque[OutboxItem] = deque(maxlen=history)
        self._next_id = 1
        self.dropped = 0
        """Undelivered items dropped to stay within ``capacity``."""

    async def enqueue(self, channel: str, payload: Mapping[str, Any]) -> int:
        if len(self._undelivered) >= self._capacity:
            del self._undelivered[next(iter(self._undelivered))]
            self.dropped += 1
        item_id = self._next_id
        self._next_id += 1
        now = self._clock.now()
        self._undelivered[item_id] = OutboxItem(
            item_id,
            channel,
            dict(payload),
            now,
            next_attempt_at=now,
            key=uuid.uuid4().hex,
            incident_id=incident_of(payload),
        )
        return item_id

    async def due(self, now: float, limit: int, per_channel: int | None = None) -> list[OutboxItem]:
        pending = [i for i in self._undelivered.values() if i.state is DeliveryState.PENDING]
        heads: dict[tuple[str, int], int] = {}
        for item in pending:  # oldest first: insertion order is id order
            if item.incident_id is not None:
                heads.setdefault((item.channel, item.incident_id), item.id)
        ready = [
            i
            for i in pending
            if i.next_attempt_at is not None
            and i.next_attempt_at <= now
            and (i.incident_id is None or heads[(i.channel, i.incident_id)] == i.id)
        ]
        ready.sort(key=lambda i: (i.next_attempt_at, i.id))
        taken: list[OutboxItem] = []
        per: dict[str, int] = {}
        for item in ready:
            if per_channel is not None and per.get(item.channel, 0) >= per_channel:
                continue
            per[item.channel] = per.get(item.channel, 0) + 1
            taken.append(item)
        return taken[:limit]

    async def incident_state(self, incident_id: int) -> str | None:
        return None

    async def later_events(self, item: OutboxItem) -> list[str]:
        return [
            str(other.payload.get("event") or "")
            for other in self._undelivered.values()
            if other.id > item.id
            and other.channel == item.channel
            and other.incident_id == item.incident_id
            and other.state is DeliveryState.PENDING
        ]

    async def mark_delivered(self, item_id: int, at: float, superseded: bool = False) -> None:
        item = self._undelivered.pop(item_id, None)
        if item is None:  # dropped for space while it was in flight
            return
        state = DeliveryState.SUPERSEDED if superseded else DeliveryState.DELIVERED
        self._finished.append(
            replace(
                item, state=state, attempts=item.attempts + 1, delivered_at=at, last_attempt_at=at, next_attempt_at=None
            )
        )
        for other in list(self._undelivered.values()):  # the channel is back: no more waiting on a backoff
            if other.channel == item.channel and other.next_attempt_at is not None and other.next_attempt_at > at:
                self._undelivered[other.id] = replace(other, next_attempt_at=at)

    async def mark_superseded(self, item_id: int, at: float) -> None:
        item = self._undelivered.pop(item_id, None)
        if item is not None:
            self._finished.append(
                replace(item, state=DeliveryState.SUPERSEDED, last_attempt_at=at, next_attempt_at=None)
            )

    async def mark_failed(self, item_id: int, error: str, next_attempt_at: float | None, permanent: bool) -> None:
        item = self._undelivered.get(item_id)
        if item is not None:
            self._undelivered[item_id] = replace(
                item,
                attempts=item.attempts + 1,
                last_error=error,
                last_attempt_at=self._clock.now(),
                next_attempt_at=None if permanent else next_attempt_at,
                state=DeliveryState.FAILED if permanent else DeliveryState.PENDING,
            )

    async def pending_count(self) -> int:
        return sum(1 for item in self._undelivered.values() if item.state is DeliveryState.PENDING)

    def items(self) -> list[OutboxItem]:
        """Everything kept, oldest first: recent deliveries, then what is pending or given up on."""
        return sorted([*self._finished, *self._undelivered.values()], key=lambda item: item.id)
