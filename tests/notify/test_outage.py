"""Issue 10 item 5, end to end: a real receiver on 127.0.0.1 that is down, then slow, then answering 500,
then up, while an incident is acknowledged in between. Every page arrives exactly once, in order, within one
poll interval of the first delivery after recovery; none says "triggered" after the acknowledgement; the
manager is never paged; and ``opstui notifications --json`` accounts for every page."""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from pathlib import Path

import pytest

from opstui.alerts.model import AlertState, Severity
from opstui.cli import main
from opstui.clock import FakeClock
from opstui.config.incidents import EscalationSettings, IncidentSettings
from opstui.config.models import Config
from opstui.incidents.manager import IncidentManager
from opstui.notify.dispatcher import NotificationDispatcher, build_channels
from opstui.notify.state_outbox import StateOutbox
from opstui.state import SqliteState
from opstui.state.protocol import Notification
from tests.incidents.conftest import START, alert
from tests.notify.servers import HookServer

POLL = 1.0


async def settle(dispatcher: NotificationDispatcher, clock: FakeClock) -> None:
    """Wait (real time, bounded) until the dispatcher has finished its pass and sleeps on the clock again."""
    for _ in range(2000):  # real I/O finishes in its own time; 10 s at most
        if dispatcher.idle and clock.sleepers >= 1:
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the dispatcher did not settle")


async def test_pages_through_down_slow_500_and_up_arrive_once_in_order_and_current(
    tmp_path: Path, hook: HookServer, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = FakeClock(START)
    hook.clock = clock
    notifiers = [
        # The pager hears everything; the chat room is not told about acknowledgements.
        {"type": "webhook", "name": "pager", "url": f"{hook.url}/pager", "timeout": "300ms"},
        {
            "type": "webhook",
            "name": "chat",
            "url": f"{hook.url}/chat",
            "timeout": "300ms",
            "events": ["triggered", "escalated", "resolved", "reopened"],
        },
    ]
    db = tmp_path / "state.db"
    config_file = tmp_path / "opstui.yaml"
    config_file.write_text(json.dumps({"state": {"path": str(db)}, "notifiers": notifiers}))
    config = Config.model_validate({"notifiers": notifiers})

    async with SqliteState(db, clock) as state:
        manager = IncidentManager(
            state, clock, IncidentSettings(), operator="alice", host="box", escalation=EscalationSettings(after=900)
        )
        outbox = StateOutbox(state, config.notifiers, clock)
        dispatcher = NotificationDispatcher(
            outbox, build_channels(config.notifiers), clock, poll_interval=POLL, rng=random.Random(11)
        )
        run = asyncio.create_task(dispatcher.run())

        async def advance(seconds: float, step: float = 60.0) -> None:
            while seconds > 0:
                clock.advance(min(step, seconds))
                seconds -= step
                await settle(dispatcher, clock)

        try:
            await settle(dispatcher, clock)
            # Down: the incident opens and escalates to the secondary; every attempt is refused.
            await hook.stop()
            await manager.on_transitions([alert(AlertState.FIRING, clock.now(), "Payment System Down", Severity.P0)])
            [payments] = await manager.open_incidents()
            await advance(900)
            await manager.tick()
            await advance(120)
            # The triggers failing to both notifiers; the escalations wait behind them (in order per incident).
            assert (await state.failing_count(START), await state.pending_count()) == (2, 4)

            # Slow: the receiver takes longer than the 300 ms timeout; it is acknowledged meanwhile.
            await hook.start()
            hook.mode, hook.delay = "slow", 0.6
            await advance(300)
            await manager.acknowledge(payments.id, by="alice")
            acknowledged_at = clock.now()
            await advance(300)

            # 500: a second incident opens while the receiver errors; escalation time for the first passes.
            hook.mode = "500"
            await manager.on_transitions([alert(AlertState.FIRING, clock.now(), "High Error Rate", Severity.P1)])
            await advance(600)
            await manager.tick()  # 30 min after the first one opened: it would page the manager, were it not acked
            await advance(60)
            assert hook.received == [] and hook.requests > 0

            # Up: step the clock one poll at a time until both notifiers had a page through.
            hook.mode = "ok"
            for _ in range(400):
                if {"/pager", "/chat"} <= set(hook.paths) and await state.pending_count() == 0:
                    break
                await advance(POLL, POLL)
            assert await state.pending_count() == 0
        finally:
            run.cancel()
            await asyncio.gather(run, return_exceptions=True)
            await dispatcher.aclose()

        items = [item for item in await state.notifications() if item.channel != "incident"]

    # Within one poll interval of a notifier's first delivery after recovery, all it had waiting went out.
    for path in ("/pager", "/chat"):
        times = [at for at, where in zip(hook.arrivals, hook.paths, strict=True) if where == path]
        assert times[-1] - times[0] <= POLL
    recovered = hook.arrivals[0]
    # Exactly once: every key once, and exactly the keys of the items recorded as sent.
    keys = Counter(body["idempotency_key"] for body in hook.received)
    assert set(keys.values()) == {1}
    assert set(keys) == {item.key for item in items if item.delivered_at is not None}
    # Nothing says "triggered" about the acknowledged incident, and nobody paged the manager.
    for body in hook.received:
        if body["incident_id"] == payments.id:
            assert (body["state"], body["event"]) == ("acknowledged", "acknowledged")
    assert all(item.payload.get("role") != "manager" for item in items)
    # What each receiver got, in order per incident.
    got = sorted(
        (path, body["incident_id"], body["event"], body.get("superseded"))
        for path, body in zip(hook.paths, hook.received, strict=True)
    )
    errors = payments.id + 1
    assert got == sorted(
        [
            ("/chat", payments.id, "acknowledged", "triggered"),  # its only news of the incident, sent once as current
            ("/chat", errors, "triggered", None),
            ("/pager", payments.id, "acknowledged", None),
            ("/pager", errors, "triggered", None),
        ]
    )

    # The command accounts for every page: 2 notifiers x (trigger, escalation) of the first incident, the
    # pager's acknowledgement, and the second incident's trigger to both.
    assert await asyncio.to_thread(main, ["notifications", "--config", str(config_file), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["counts"] == {"pending": 0, "delivered": 3, "failed": 0, "superseded": 4}
    rows = {(row["channel"], row["incident_id"], row["event"]): row for row in listed["items"]}
    assert set(rows) == {
        ("pager", payments.id, "triggered"),
        ("pager", payments.id, "escalated"),
        ("pager", payments.id, "acknowledged"),
        ("pager", errors, "triggered"),
        ("chat", payments.id, "triggered"),
        ("chat", payments.id, "escalated"),
        ("chat", errors, "triggered"),
    }
    assert (rows[("chat", payments.id, "triggered")]["state"], rows[("chat", payments.id, "triggered")]["sent"]) == (
        "superseded",
        True,
    )
    assert rows[("pager", payments.id, "triggered")]["sent"] is False
    trigger = rows[("pager", payments.id, "triggered")]
    # Refused, then timed out on the slow receiver; dropped at its first turn after the acknowledgement.
    assert trigger["attempts"] >= 3 and trigger["last_error"] == "timed out after 300ms"
    ack = rows[("pager", payments.id, "acknowledged")]
    assert (ack["state"], ack["last_error"]) == ("delivered", "HTTP 500 Internal Server Error: boom")
    assert all(row["created_at"] >= START and row["key"] for row in listed["items"])
    assert acknowledged_at < recovered


async def test_failing_failed_and_superseded_pages_are_in_the_audit(tmp_path: Path) -> None:
    clock = FakeClock(START)
    async with SqliteState(tmp_path / "state.db", clock) as state:
        manager = IncidentManager(state, clock, IncidentSettings(), operator="alice", host="box")
        await manager.on_transitions([alert(AlertState.FIRING, clock.now(), "Payment System Down", Severity.P0)])
        [incident] = await manager.open_incidents()
        config = Config.model_validate(
            {"notifiers": [{"type": "webhook", "name": "pager", "url": "http://127.0.0.1:9/x", "timeout": "1s"}]}
        )
        outbox = StateOutbox(state, config.notifiers, clock)
        [trigger] = await outbox.due(clock.now(), 10, 4)
        await outbox.mark_failed(trigger.id, "connection refused", clock.now() + 60, permanent=False)
        await state.enqueue([Notification("pager", {"incident_id": incident.id, "event": "resolved"}, clock.now())])
        clock.advance(60)
        await outbox.mark_superseded(trigger.id, clock.now())
        [resolved] = await outbox.due(clock.now(), 10, 4)
        await outbox.mark_failed(resolved.id, "HTTP 404 Not Found", None, permanent=True)
        pages = [entry for entry in await state.audit(START) if entry.action.startswith("page ")]
    assert [(p.action, p.subject, p.text) for p in pages] == [
        ("page superseded", f"incident #{incident.id}", "pager, 1 attempts, not sent: connection refused"),
        ("page failed", f"incident #{incident.id}", "pager, 1 attempts: HTTP 404 Not Found"),
    ]
    assert {p.actor for p in pages} == {"opstui"}
