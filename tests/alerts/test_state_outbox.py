"""The state store's outbox as the dispatcher's: incident rows fan out by severity, each page is sent
once (even with two consoles on one store, and a webhook that fails then recovers)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from opstui.clock import FakeClock
from opstui.config.models import Config
from opstui.notify.dispatcher import NotificationDispatcher, build_channels
from opstui.notify.state_outbox import StateOutbox
from opstui.state import SqliteState
from opstui.state.protocol import Notification
from tests.alerts.conftest import START
from tests.notify.servers import HookServer


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def state(tmp_path: Path, clock: FakeClock) -> AsyncIterator[SqliteState]:
    async with SqliteState(tmp_path / "state.db", clock) as store:
        yield store


def page(incident_id: int, severity: str) -> Notification:
    payload = {"incident_id": incident_id, "title": f"incident {incident_id}", "severity": severity}
    return Notification(channel="incident", payload=payload, created_at=START)


def notifiers(url: str = "http://127.0.0.1:9/hook") -> Config:
    return Config.model_validate(
        {
            "notifiers": [
                {"type": "webhook", "name": "pager", "url": url, "severities": ["P0", "P1"]},
                {"type": "slack", "name": "slack", "webhook_url": "https://hooks.slack.example/services/T/B/x"},
            ]
        }
    )


async def test_incident_rows_fan_out_to_the_notifiers_that_want_their_severity(
    state: SqliteState, clock: FakeClock
) -> None:
    await state.enqueue([page(1, "P0"), page(2, "P2")])
    outbox = StateOutbox(state, notifiers().notifiers, clock)
    items = await outbox.due(clock.now(), 100)
    assert sorted((i.channel, i.payload["incident_id"]) for i in items) == [("pager", 1), ("slack", 1), ("slack", 2)]
    for item in items:
        await outbox.mark_delivered(item.id, clock.now())
    assert await outbox.pending_count() == 0


async def test_without_notifiers_incident_rows_are_done_not_left_pending(state: SqliteState, clock: FakeClock) -> None:
    await state.enqueue([page(1, "P0")])
    outbox = StateOutbox(state, [], clock)
    assert await outbox.due(clock.now(), 100) == []
    assert await outbox.pending_count() == 0


async def test_two_consoles_on_one_store_send_each_row_once(state: SqliteState, clock: FakeClock) -> None:
    await state.enqueue([page(1, "P0")])
    first = StateOutbox(state, notifiers().notifiers, clock)
    second = StateOutbox(state, notifiers().notifiers, clock)
    taken = await first.due(clock.now(), 100)
    assert len(taken) == 2
    assert await second.due(clock.now(), 100) == []


async def test_a_webhook_that_fails_then_recovers_gets_every_page_exactly_once(
    state: SqliteState, clock: FakeClock, hook: HookServer
) -> None:
    config = Config.model_validate({"notifiers": [{"type": "webhook", "name": "pager", "url": f"{hook.url}/hook"}]})
    outbox = StateOutbox(state, config.notifiers, clock)
    dispatcher = NotificationDispatcher(outbox, build_channels(config.notifiers), clock, base_delay=1.0)
    await state.enqueue([page(n, "P0") for n in range(1, 6)])
    hook.mode = "503"
    assert await dispatcher.run_once() == 0
    hook.mode = "flaky"
    delivered = 0
    for _ in range(20):
        clock.advance(60.0)
        delivered += await dispatcher.run_once()
        if delivered == 5:
            break
    await dispatcher.aclose()
    assert sorted(body["incident_id"] for body in hook.received) == [1, 2, 3, 4, 5]
    assert await state.pending_count() == 0
