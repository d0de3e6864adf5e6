from __future__ import annotations

from opstui.clock import FakeClock
from opstui.notify.outbox import MemoryOutbox


async def test_the_outbox_is_bounded_and_drops_the_oldest_undelivered() -> None:
    clock = FakeClock()
    outbox = MemoryOutbox(clock, capacity=3)
    ids = [await outbox.enqueue("slack", {"incident_id": n}) for n in range(5)]
    assert await outbox.pending_count() == 3
    assert outbox.dropped == 2
    assert [item.id for item in await outbox.due(clock.now(), 10)] == ids[2:]


async def test_delivered_history_is_bounded_too() -> None:
    clock = FakeClock()
    outbox = MemoryOutbox(clock, capacity=10, history=2)
    for n in range(4):
        await outbox.mark_delivered(await outbox.enqueue("slack", {"incident_id": n}), clock.now())
    assert [item.payload["incident_id"] for item in outbox.items()] == [2, 3]
    assert await outbox.pending_count() == 0


async def test_due_is_longest_waiting_first_and_skips_later_and_given_up_items() -> None:
    clock = FakeClock()
    outbox = MemoryOutbox(clock)
    first, second, third = [await outbox.enqueue("email", {"incident_id": n}) for n in range(3)]
    await outbox.mark_failed(first, "HTTP 503", clock.now() + 60, permanent=False)
    await outbox.mark_failed(third, "HTTP 404", None, permanent=True)
    assert [item.id for item in await outbox.due(clock.now(), 10)] == [second]
    clock.advance(60)
    assert [item.id for item in await outbox.due(clock.now(), 10)] == [second, first]
    assert await outbox.pending_count() == 2
    given_up = next(item for item in outbox.items() if item.id == third)
    assert given_up.failed and given_up.last_error == "HTTP 404" and given_up.attempts == 1
