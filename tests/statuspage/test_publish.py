"""status_page.publish: each update is queued with its timeline event in one transaction and delivered through
the notifications' outbox to a real receiver on 127.0.0.1 that is down, then up: exactly once, in order, with
the Statuspage-shaped body and an Idempotency-Key."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from opstui.alerts.model import AlertState, AlertTransition, Severity
from opstui.clock import FakeClock
from opstui.config.incidents import IncidentSettings
from opstui.config.models import Config
from opstui.incidents.manager import IncidentManager
from opstui.notify.dispatcher import NotificationDispatcher, build_channels
from opstui.notify.state_outbox import StateOutbox
from opstui.state import SqliteState
from opstui.statuspage.model import UpdateStatus
from opstui.statuspage.post import post_update
from opstui.statuspage.publish import PUBLISH_CHANNEL, publish_channels
from tests.notify.servers import HookServer
from tests.notify.test_outage import settle


async def test_updates_reach_a_receiver_that_was_down_exactly_once_in_order(tmp_path: Path, hook: HookServer) -> None:
    clock = FakeClock()
    config = Config.model_validate(
        {
            "status_page": {
                "publish": {"url": f"{hook.url}/updates", "headers": {"Authorization": "OAuth t0ken"}, "timeout": "1s"}
            }
        }
    )
    settings = config.status_page
    await hook.stop()  # down: every attempt is refused
    async with SqliteState(tmp_path / "state.db", clock) as state:
        manager = IncidentManager(state, clock, IncidentSettings(), operator="ana", host="box")
        transition = AlertTransition(
            rule="Payment System Down",
            fingerprint="Payment System Down|",
            state=AlertState.FIRING,
            severity=Severity.P0,
            at=clock.now(),
            value=1.0,
        )
        await manager.on_transitions([transition])
        incident = await state.latest_incident("Payment System Down|")
        assert incident is not None
        components = ["Payment Processing"]
        await post_update(
            manager, incident.id, UpdateStatus.INVESTIGATING, components, "Payments", "Looking.", settings=settings
        )
        clock.advance(60)
        await post_update(
            manager, incident.id, UpdateStatus.IDENTIFIED, components, "Payments", "Stripe.", settings=settings
        )
        rows = [n for n in await state.notifications() if n.channel == PUBLISH_CHANNEL]
        assert len(rows) == 2  # queued with the updates themselves

        outbox = StateOutbox(state, config.notifiers, clock)
        channels = {**build_channels(config.notifiers), **publish_channels(settings)}
        dispatcher = NotificationDispatcher(outbox, channels, clock, poll_interval=1.0, rng=random.Random(3))
        run = asyncio.create_task(dispatcher.run())
        try:
            await settle(dispatcher, clock)
            for _ in range(3):
                clock.advance(60)
                await settle(dispatcher, clock)
            assert hook.received == []
            newest, oldest = [n for n in await state.notifications() if n.channel == PUBLISH_CHANNEL]
            assert oldest.attempts >= 1 and oldest.last_error  # refused, retried with backoff
            assert newest.attempts == 0  # waits behind it: an incident's updates go out in order
            await hook.start()  # up again
            for _ in range(12):
                clock.advance(60)
                await settle(dispatcher, clock)
        finally:
            run.cancel()
            await asyncio.gather(run, return_exceptions=True)
            await dispatcher.aclose()
    assert [body["incident"]["status"] for body in hook.received] == ["investigating", "identified"]
    first = hook.received[0]
    assert first["incident"] == {
        "name": "Payments",
        "status": "investigating",
        "body": "Looking.",
        "components": {"Payment Processing": "major_outage"},
    }
    assert (first["event"], first["incident_id"], first["severity"], first["author"]) == (
        "status_update",
        1,
        "P0",
        "ana",
    )
    assert hook.paths == ["/updates", "/updates"]
    keys = [headers["idempotency-key"] for headers in hook.headers]
    assert len(set(keys)) == 2 and all(h["authorization"] == "OAuth t0ken" for h in hook.headers)


async def test_without_publish_nothing_is_queued(tmp_path: Path) -> None:
    clock = FakeClock()
    async with SqliteState(tmp_path / "state.db", clock) as state:
        manager = IncidentManager(state, clock, IncidentSettings(), operator="ana", host="box")
        transition = AlertTransition(
            rule="High Error Rate",
            fingerprint="x",
            state=AlertState.FIRING,
            severity=Severity.P1,
            at=clock.now(),
            value=1,
        )
        await manager.on_transitions([transition])
        await post_update(manager, 1, UpdateStatus.INVESTIGATING, [], "t", "m", settings=Config().status_page)
        assert [n for n in await state.notifications() if n.channel == PUBLISH_CHANNEL] == []
