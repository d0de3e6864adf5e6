"""Item 8, the attack run's case replayed: a receiver slower than the client's timeout got 20 of 30 pages 2-4 times
each. Now no page is sent again before the previous attempt's timeout has passed, and every copy a receiver may
still see carries the page's idempotency key (header ``Idempotency-Key`` and payload ``idempotency_key``), so it
keeps exactly one of each (see docs/security.md, "What a receiver may see twice")."""

from __future__ import annotations

from collections import defaultdict

from opstui.clock import FakeClock
from opstui.config.notify import WebhookNotifier
from opstui.notify.dispatcher import NotificationDispatcher
from opstui.notify.outbox import MemoryOutbox
from opstui.notify.webhook import WebhookChannel
from tests.notify.servers import HookServer

PAGES = 30
TIMEOUT = 0.1
"""The notifier's timeout (real seconds: it bounds a real request); the receiver takes twice as long."""


async def test_a_slow_receiver_gets_each_of_30_pages_once_by_its_key(hook: HookServer) -> None:
    clock = FakeClock()
    outbox = MemoryOutbox(clock)
    channel = WebhookChannel(WebhookNotifier(type="webhook", name="pager", url=f"{hook.url}/hook", timeout=TIMEOUT))
    # A tiny backoff, as full jitter's first retries often are: only the timeout may hold a retry back.
    dispatcher = NotificationDispatcher(outbox, {"pager": channel}, clock, base_delay=0.01)
    for incident_id in range(1, PAGES + 1):
        await outbox.enqueue("pager", {"incident_id": incident_id, "title": "Service Down", "severity": "P0"})

    hook.mode, hook.delay = "slow", 2 * TIMEOUT
    sent_at: dict[str, list[float]] = defaultdict(list)
    # Four pages a pass (the channel's concurrency), the longest-waiting first: every page is tried once in 8
    # passes, then retried. 12 passes, half a timeout of clock time apart.
    for _ in range(12):
        seen = len(hook.attempts)
        await dispatcher.run_once()
        for headers, _ in hook.attempts[seen:]:
            sent_at[headers["idempotency-key"]].append(clock.now())
        clock.advance(TIMEOUT / 2)
    assert not hook.received  # none answered in time
    assert len(sent_at) == PAGES and max(len(times) for times in sent_at.values()) >= 2  # retried, never early:
    for times in sent_at.values():
        assert all(later - earlier >= TIMEOUT for earlier, later in zip(times, times[1:], strict=False)), times

    hook.mode = "ok"
    clock.advance(60.0)
    while await dispatcher.run_once():
        clock.advance(60.0)
    by_key: dict[str, set[int]] = defaultdict(set)
    for headers, body in hook.attempts:
        assert headers["idempotency-key"] == body["idempotency_key"]
        by_key[body["idempotency_key"]].add(body["incident_id"])
    assert len(by_key) == PAGES and all(len(ids) == 1 for ids in by_key.values())  # one key, one page
    kept = {body["idempotency_key"]: body["incident_id"] for body in hook.received}  # the receiver's dedup
    assert sorted(kept.values()) == list(range(1, PAGES + 1))
