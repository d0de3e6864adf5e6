"""The state store's notification table as the dispatcher's :class:`~opstui.notify.outbox.Outbox`.

The incident manager writes one row per incident change on the ``incident`` channel, in the same
transaction as the change, without knowing which notifiers exist. This adapter fans each such row out
into one row per configured notifier that wants its severity (:func:`fan_out`) and marks the original
done; the dispatcher then delivers the per-notifier rows with retries. The fan-out rows are written
before the original is marked, so a crash in between can repeat a fan-out (a duplicate page), never lose one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from opstui.clock import Clock
from opstui.config.notify import NotifierConfig
from opstui.config.people import Person
from opstui.notify.dispatcher import GRACE, fan_out
from opstui.notify.outbox import OutboxItem
from opstui.state.outbox_sql import INCIDENT_CHANNEL
from opstui.state.protocol import Notification, StateStore

MIN_LEASE = 120.0


def lease_for(notifiers: Sequence[NotifierConfig]) -> float:
    """How long a claim lasts: longer than an item can wait for its channel's slot and then be sent.

    The dispatcher claims at most its concurrency per channel beyond what is in flight, so a claimed item
    waits at most one attempt for a slot and then takes at most one more: two attempts with their grace,
    plus one for the database. A claim that ran out mid-send would let another console send it again.
    """
    longest = max((notifier.timeout for notifier in notifiers), default=0.0)
    return max(MIN_LEASE, 3 * (longest + GRACE))


class StateOutbox:
    """An :class:`~opstui.notify.outbox.Outbox` over a :class:`StateStore`, with the incident fan-out."""

    def __init__(
        self,
        state: StateStore,
        notifiers: Sequence[NotifierConfig],
        clock: Clock,
        lease: float | None = None,
        people: Sequence[Person] = (),
    ) -> None:
        self._state = state
        self._notifiers = list(notifiers)
        self._people = list(people)
        """Who has methods of their own: a page naming one of them goes to those only."""
        self._clock = clock
        self.lease = lease if lease is not None else lease_for(self._notifiers)
        """How long a claimed row stays this console's to send (longer than any send with its timeout)."""

    async def enqueue(self, channel: str, payload: Mapping[str, Any]) -> int:
        await self._state.enqueue([Notification(channel, dict(payload), self._clock.now())])
        return 0  # the store does not hand back ids; nothing in the dispatcher needs it

    async def due(self, now: float, limit: int, per_channel: int | None = None) -> list[OutboxItem]:
        # Claimed, not just read: consoles sharing a store each run a dispatcher, and one row must be
        # sent by one of them only. A console that dies mid-send leaves its rows due again after the lease.
        rows = await self._state.claim_notifications(now, self.lease, limit, per_channel)
        incident_rows = [row for row in rows if row.channel == INCIDENT_CHANNEL]
        if incident_rows:
            for row in incident_rows:
                copies = fan_out(row.payload, self._notifiers, self._people)
                if copies:
                    await self._state.enqueue([Notification(name, payload, row.created_at) for name, payload in copies])
                await self._state.mark_delivered(row.id, now)
            rows += await self._state.claim_notifications(now, self.lease, limit, per_channel)
        return [
            OutboxItem(
                id=row.id,
                channel=row.channel,
                payload=dict(row.payload),
                created_at=row.created_at,
                attempts=row.attempts,
                next_attempt_at=row.next_attempt_at,
                delivered_at=row.delivered_at,
                last_error=row.last_error,
                key=row.key,
                incident_id=row.incident_id,
                state=row.state,
                last_attempt_at=row.last_attempt_at,
            )
            for row in rows
            if row.channel != INCIDENT_CHANNEL
        ]

    async def incident_state(self, incident_id: int) -> str | None:
        incident = await self._state.get_incident(incident_id)
        return None if incident is None else incident.state.value

    async def later_events(self, item: OutboxItem) -> list[str]:
        return await self._state.later_events(item.id)

    async def mark_delivered(self, item_id: int, at: float, superseded: bool = False) -> None:
        await self._state.mark_delivered(item_id, at, superseded)

    async def mark_superseded(self, item_id: int, at: float) -> None:
        await self._state.mark_superseded(item_id, at)

    async def mark_failed(self, item_id: int, error: str, next_attempt_at: float | None, permanent: bool) -> None:
        await self._state.mark_failed(item_id, error, None if permanent else next_attempt_at)

    async def pending_count(self) -> int:
        return await self._state.pending_count()
