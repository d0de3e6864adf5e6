"""The outbox contract the dispatcher reads from, and a bounded in-memory outbox.

The incident core writes a notification to the outbox in the same step as the change it announces, and
the dispatcher delivers it later; so a Slack outage, a slow SMTP server or a restart never loses a page
and never holds up the console. The state store provides the durable outbox (its ``notifications``
table); :class:`MemoryOutbox` serves tests, the demo and a console run without a state store.

The methods are ``async`` so that a database-backed outbox can do its I/O off the event loop.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from opstui.clock import Clock


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One notification for one channel, and where its delivery stands."""

    id: int
    channel: str
    """The notifier's name in the config."""
    payload: dict[str, Any]
    created_at: float
    attempts: int = 0
    """Failed attempts so far."""
    next_attempt_at: float | None = None
    """When the item is due; ``None`` once it failed permanently (it stays listed, never due again)."""
    delivered_at: float | None = None
    last_error: str | None = None
    """The last failure's one-line, secret-free reason."""

    @property
    def failed(self) -> bool:
        """Given up on: not delivered and never due again."""
        return self.delivered_at is None and self.next_attempt_at is None


class Outbox(Protocol):
    """Where notifications wait until their channel accepts them."""

    async def enqueue(self, channel: str, payload: Mapping[str, Any]) -> int:
        """Store a notification for ``channel``, due now; return its id."""
        ...

    async def due(self, now: float, limit: int) -> list[OutboxItem]:
        """Up to ``limit`` undelivered items due at ``now``, the longest-waiting first."""
        ...

    async def mark_delivered(self, item_id: int, at: float) -> None:
        """The channel accepted the item: it is never due again."""
        ...

    async def mark_failed(self, item_id: int, error: str, next_attempt_at: float | None, permanent: bool) -> None:
        """Count a failed attempt and record ``error``.

        The item is due again at ``next_attempt_at``; with ``permanent`` it is never due again but stays
        listed with its error (a SQL outbox can store ``next_attempt_at = NULL``).
        """
        ...

    async def pending_count(self) -> int:
        """Items still to deliver (neither delivered nor given up on)."""
        ...


class MemoryOutbox:
    """An in-memory :class:`Outbox`, bounded so that a long outage cannot grow memory without limit.

    At most ``capacity`` (default 10,000) undelivered items are kept, pending or given up on; enqueueing
    beyond that drops the oldest undelivered item and counts it in :attr:`dropped`. The last ``history``
    (default 1,000) delivered items are kept for display; older ones are forgotten.
    """

    def __init__(self, clock: Clock, *, capacity: int = 10_000, history: int = 1_000) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._clock = clock
        self._capacity = capacity
        self._undelivered: dict[int, OutboxItem] = {}
        """Insertion-ordered, so the first key is the oldest."""
        self._delivered: deque[OutboxItem] = deque(maxlen=history)
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
        self._undelivered[item_id] = OutboxItem(item_id, channel, dict(payload), now, next_attempt_at=now)
        return item_id

    async def due(self, now: float, limit: int) -> list[OutboxItem]:
        ready = [i for i in self._undelivered.values() if i.next_attempt_at is not None and i.next_attempt_at <= now]
        ready.sort(key=lambda i: (i.next_attempt_at, i.id))
        return ready[:limit]

    async def mark_delivered(self, item_id: int, at: float) -> None:
        item = self._undelivered.pop(item_id, None)
        if item is not None:  # None: dropped for space while it was in flight
            self._delivered.append(replace(item, delivered_at=at, next_attempt_at=None))

    async def mark_failed(self, item_id: int, error: str, next_attempt_at: float | None, permanent: bool) -> None:
        item = self._undelivered.get(item_id)
        if item is not None:
            self._undelivered[item_id] = replace(
                item,
                attempts=item.attempts + 1,
                last_error=error,
                next_attempt_at=None if permanent else next_attempt_at,
            )

    async def pending_count(self) -> int:
        return sum(1 for item in self._undelivered.values() if item.next_attempt_at is not None)

    def items(self) -> list[OutboxItem]:
        """Everything kept, oldest first: recent deliveries, then what is pending or given up on."""
        return sorted([*self._delivered, *self._undelivered.values()], key=lambda item: item.id)
