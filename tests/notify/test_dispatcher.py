"""The dispatcher: retries with backoff on the fake clock, exactly-once delivery, bounded concurrency."""

from __future__ import annotations

import asyncio
import random
import re
from collections import Counter

import pytest

from opstui.clock import FakeClock
from opstui.config.notify import WebhookNotifier
from opstui.notify.base import Notification
from opstui.notify.dispatcher import NotificationDispatcher
from opstui.notify.outbox import MemoryOutbox
from opstui.notify.webhook import WebhookChannel
from tests.notify.servers import Changes, HookServer


def pager(hook: HookServer, timeout: float = 2.0) -> WebhookChannel:
    return WebhookChannel(WebhookNotifier(type="webhook", name="pager", url=f"{hook.url}/hook", timeout=timeout))


def notification(incident_id: int) -> dict[str, object]:
    return {"incident_id": incident_id, "title": "Service Down", "severity": "P0", "state": "triggered"}


async def test_every_notification_arrives_exactly_once_through_503_refusal_and_timeout(hook: HookServer) -> None:
    clock = FakeClock()
    outbox = MemoryOutbox(clock)
    dispatcher = NotificationDispatcher(
        outbox, {"pager": pager(hook, timeout=0.3)}, clock, rng=random.Random(7), concurrency=6
    )  # a pass takes at most ``concurrency`` items of a channel: here all six
    for incident_id in range(1, 7):
        await outbox.enqueue("pager", notification(incident_id))

    def errors() -> set[str | None]:
        return {item.last_error for item in outbox.items()}

    hook.mode = "503"
    assert await dispatcher.run_once() == 0
    assert errors() == {"HTTP 503 Service Unavailable: try later"}
    requests = hook.requests
    assert await dispatcher.run_once() == 0  # backing off: nothing is due, nothing is sent
    assert hook.requests == requests

    clock.advance(dispatcher.base_delay)  # the longest first backoff
    await hook.stop()
    assert await dispatcher.run_once() == 0
    assert errors() == {"connection refused"}

    clock.advance(dispatcher.base_delay * 2)
    await hook.start()
    hook.mode = "hang"
    assert await dispatcher.run_once() == 0
    assert errors() == {"timed out after 300ms"}

    hook.mode = "flaky"  # every other request fails: delivered items sit beside retried ones
    for _ in range(10):
        clock.advance(dispatcher.max_delay)
        await dispatcher.run_once()
    assert await outbox.pending_count() == 0
    assert Counter(payload["incident_id"] for payload in hook.received) == dict.fromkeys(range(1, 7), 1)
    assert all(item.delivered_at is not None and item.attempts >= 3 for item in outbox.items())


async def test_after_the_fast_retries_an_item_retries_every_5_minutes_until_a_day_old_then_fails_visibly(
    hook: HookServer,
) -> None:
    # Was: given up after max_attempts (10) and never retried again -- the silent drop issue 10 names.
    clock = FakeClock()
    outbox = MemoryOutbox(clock)
    dispatcher = NotificationDispatcher(outbox, {"pager": pager(hook)}, clock, fast_attempts=3, max_age=3600.0)
    await outbox.enqueue("pager", notification(1))
    hook.mode = "503"
    waits = []
    while True:
        await dispatcher.run_once()
        [item] = outbox.items()
        if item.next_attempt_at is None:
            break
        waits.append(item.next_attempt_at - clock.now())
        clock.set(item.next_attempt_at)
    assert all(wait <= 10.0 for wait in waits[:2])  # fast: full jitter over 5 s, then 10 s
    assert set(waits[2:]) == {300.0}  # then slow, every 5 minutes
    assert (item.failed, item.attempts, hook.requests) == (True, len(waits) + 1, len(waits) + 1)
    assert 3600.0 <= clock.now() - item.created_at < 3600.0 + 300.0
    assert item.last_error is not None
    assert re.fullmatch(
        r"HTTP 503 Service Unavailable: try later \(given up: still failing after 1h0\dm\)", item.last_error
    )
    assert await outbox.pending_count() == 0


class ForgetfulOutbox(MemoryOutbox):
    """An outbox whose first write of a delivery fails, as a locked database would."""

    failures = 1

    async def mark_delivered(self, item_id: int, at: float, superseded: bool = False) -> None:
        if self.failures:
            self.failures -= 1
            raise OSError("database is locked")
        await super().mark_delivered(item_id, at, superseded)


async def test_a_sent_item_whose_delivery_was_not_recorded_is_recorded_not_resent(hook: HookServer) -> None:
    clock = FakeClock()
    outbox = ForgetfulOutbox(clock)
    dispatcher = NotificationDispatcher(outbox, {"pager": pager(hook)}, clock)
    await outbox.enqueue("pager", notification(1))
    with pytest.raises(OSError, match="database is locked"):
        await dispatcher.run_once()
    clock.advance(1)
    assert await dispatcher.run_once() == 0
    assert hook.requests == 1
    [item] = outbox.items()
    assert item.delivered_at == clock.now() - 1


async def test_a_permanent_rejection_is_not_retried(hook: HookServer) -> None:
    clock = FakeClock()
    outbox = MemoryOutbox(clock)
    dispatcher = NotificationDispatcher(outbox, {"pager": pager(hook)}, clock)
    await outbox.enqueue("pager", notification(1))
    hook.mode = "404"
    for _ in range(3):
        await dispatcher.run_once()
        clock.advance(dispatcher.max_delay)
    [item] = outbox.items()
    assert (item.failed, item.attempts, hook.requests) == (True, 1, 1)


async def test_a_row_for_a_notifier_no_longer_configured_is_given_up_with_a_reason() -> None:
    clock = FakeClock()
    outbox = MemoryOutbox(clock)
    await outbox.enqueue("old-slack", notification(1))
    assert await NotificationDispatcher(outbox, {}, clock).run_once() == 0
    [item] = outbox.items()
    assert item.failed and item.last_error == "no notifier named 'old-slack' in the config"


async def test_backoff_doubles_with_full_jitter_up_to_the_cap() -> None:
    dispatcher = NotificationDispatcher(MemoryOutbox(FakeClock()), {}, FakeClock(), rng=random.Random(1))
    for attempts, full in [(1, 5.0), (2, 10.0), (5, 80.0), (7, 300.0), (20, 300.0)]:
        delays = [dispatcher.backoff(attempts) for _ in range(200)]
        assert 0 <= min(delays) < full / 4 and full * 3 / 4 < max(delays) <= full


class StuckChannel:
    """A channel whose server hangs until the test releases it; counts sends in flight."""

    name = "stuck"
    timeout = 60.0

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.active = 0
        self.most_active = 0
        self.delivered = 0
        self.changes = Changes()

    def describe(self) -> str:
        return "stuck"

    async def send(self, notification: Notification) -> None:
        self.active += 1
        self.most_active = max(self.most_active, self.active)
        self.changes.touch()
        try:
            await self.release.wait()
        finally:
            self.active -= 1
        self.delivered += 1
        self.changes.touch()

    async def aclose(self) -> None:
        pass


async def test_a_hung_channel_holds_up_neither_other_channels_nor_more_than_its_share(hook: HookServer) -> None:
    clock = FakeClock()
    outbox = MemoryOutbox(clock)
    stuck = StuckChannel()
    dispatcher = NotificationDispatcher(outbox, {"stuck": stuck, "pager": pager(hook)}, clock, concurrency=4)
    for incident_id in range(10):
        await outbox.enqueue("stuck", notification(incident_id))
    run = asyncio.create_task(dispatcher.run())
    try:
        await stuck.changes.until(lambda: stuck.active == 4)
        for incident_id in range(3):  # enqueued later: picked up on the next tick of the clock
            await outbox.enqueue("pager", notification(incident_id))
        clock.advance(1)
        await hook.changes.until(lambda: len(hook.received) == 3)
        assert (stuck.active, stuck.delivered) == (4, 0)

        stuck.release.set()
        await stuck.changes.until(lambda: stuck.delivered == 10)
        assert stuck.most_active == 4
        # The in-memory outbox never suspends, so each send was marked delivered before the test woke.
        assert all(item.delivered_at is not None for item in outbox.items())
    finally:
        run.cancel()
        await asyncio.gather(run, return_exceptions=True)
        await dispatcher.aclose()
