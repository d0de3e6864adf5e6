"""Issue 11 item 8: every page carries its outbox item's idempotency key, a slow receiver is not sent the
same page again before the previous attempt's timeout has passed, and a claim outlasts the attempt."""

from __future__ import annotations

import random
from pathlib import Path

from opstui.clock import FakeClock
from opstui.config.models import Config
from opstui.config.notify import SlackNotifier, WebhookNotifier
from opstui.notify.dispatcher import NotificationDispatcher
from opstui.notify.outbox import MemoryOutbox
from opstui.notify.slack import SlackChannel
from opstui.notify.state_outbox import StateOutbox, lease_for
from opstui.notify.webhook import WebhookChannel
from opstui.state import SqliteState
from opstui.state.protocol import Notification
from tests.notify.servers import HookServer


def pager(hook: HookServer, timeout: float = 2.0) -> WebhookChannel:
    return WebhookChannel(WebhookNotifier(type="webhook", name="pager", url=f"{hook.url}/hook", timeout=timeout))


def page(incident_id: int) -> dict[str, object]:
    return {"incident_id": incident_id, "title": "Service Down", "severity": "P0", "state": "triggered"}


async def test_every_attempt_of_a_page_carries_its_own_key_in_a_header_and_in_the_payload(hook: HookServer) -> None:
    clock = FakeClock()
    outbox = MemoryOutbox(clock)
    dispatcher = NotificationDispatcher(outbox, {"pager": pager(hook)}, clock, rng=random.Random(2))
    for incident_id in (1, 2, 3):
        await outbox.enqueue("pager", page(incident_id))
    hook.mode = "503"
    await dispatcher.run_once()
    hook.mode = "ok"
    clock.advance(dispatcher.base_delay)
    assert await dispatcher.run_once() == 3

    keys = {item.payload["incident_id"]: item.key for item in outbox.items()}
    assert len(set(keys.values())) == 3 and all(len(key) == 32 for key in keys.values())
    assert len(hook.attempts) == 6  # each page failed once, then went through
    for headers, body in hook.attempts:
        assert headers["idempotency-key"] == body["idempotency_key"] == keys[body["incident_id"]]


async def test_slack_pages_carry_the_key_too(hook: HookServer) -> None:
    clock = FakeClock()
    outbox = MemoryOutbox(clock)
    slack = SlackChannel(SlackNotifier(type="slack", name="slack", webhook_url=f"{hook.url}/services/T/B/x"))
    await outbox.enqueue("slack", page(4))
    assert await NotificationDispatcher(outbox, {"slack": slack}, clock).run_once() == 1
    [(headers, body)] = hook.attempts
    [item] = outbox.items()
    assert headers["idempotency-key"] == body["idempotency_key"] == item.key
    assert body["text"].startswith("🔴 P0 TRIGGERED #4")


async def test_a_receiver_slower_than_the_timeout_is_not_sent_the_page_again_before_the_timeout_passed(
    hook: HookServer,
) -> None:
    # Issue 11: a receiver slower than the client timeout got 20 of 30 pages 2-4 times each, because a timed-out
    # page was retried after the backoff alone (seconds, jittered down) while the receiver was still working on
    # it. Now the retry waits at least the notifier's timeout, and every copy carries the same key.
    clock = FakeClock()
    outbox = MemoryOutbox(clock)
    timeout = 0.2
    # A tiny backoff, as the first retries of full jitter often are: the timeout has to be what holds it back.
    dispatcher = NotificationDispatcher(outbox, {"pager": pager(hook, timeout)}, clock, base_delay=0.01)
    await outbox.enqueue("pager", page(1))
    hook.mode, hook.delay = "slow", 0.5
    assert await dispatcher.run_once() == 0
    [item] = outbox.items()
    assert item.last_error == "timed out after 200ms"
    assert item.next_attempt_at is not None and item.next_attempt_at - clock.now() >= timeout

    clock.advance(timeout / 2)  # the backoff alone would have retried by now
    assert await dispatcher.run_once() == 0
    await hook.changes.until(lambda: hook.abandoned == 1)
    assert hook.requests == 1

    hook.mode = "ok"
    clock.set(item.next_attempt_at)
    assert await dispatcher.run_once() == 1
    keys = [headers["idempotency-key"] for headers, _ in hook.attempts]
    assert keys == [item.key, item.key]  # two attempts, one page: a receiver drops the second by its key
    assert [body["incident_id"] for body in hook.received] == [1]  # the slow one was given up by the client


async def test_a_claim_outlasts_a_slow_attempt_so_another_console_does_not_send_it_too(
    tmp_path: Path, hook: HookServer
) -> None:
    clock = FakeClock()
    config = Config.model_validate(
        {"notifiers": [{"type": "webhook", "name": "pager", "url": f"{hook.url}/hook", "timeout": "200s"}]}
    )
    # Was a fixed 120 s: a 200 s attempt outlived its claim and a second console sent the page again.
    assert lease_for(config.notifiers) >= 2 * 201.0
    async with SqliteState(tmp_path / "state.db", clock) as state:
        await state.enqueue([Notification("pager", page(1), clock.now())])
        first, second = (StateOutbox(state, config.notifiers, clock) for _ in range(2))
        [taken] = await first.due(clock.now(), 100, 4)
        clock.advance(2 * 201.0)  # the attempt (with its grace) has timed out twice over: still first's
        assert await second.due(clock.now(), 100, 4) == []
        clock.advance(first.lease)  # first died mid-send: the page is due again for anyone
        assert [item.key for item in await second.due(clock.now(), 100, 4)] == [taken.key]
