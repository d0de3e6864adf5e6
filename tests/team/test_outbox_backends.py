"""The outbox's rules on both backends: exactly-once claims among consoles racing, in order per incident,
a delivery resetting its channel's backoff, the failing count, the audit, and the v3 migration's backfill."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from opstui.clock import FakeClock
from opstui.state import SqliteState
from opstui.state.migrations import MIGRATIONS
from opstui.state.postgres import PostgresState
from opstui.state.protocol import DeliveryState, Notification, StateStore

MakeState = Callable[..., PostgresState]


@pytest.fixture(params=["sqlite", "postgres"])
async def stores(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock, make_state: MakeState
) -> AsyncIterator[list[StateStore]]:
    """Four consoles on one store (PostgreSQL's fixtures are set up for both: CI has it)."""
    if request.param == "sqlite":
        opened: list[StateStore] = [SqliteState(tmp_path / "state.db", clock) for _ in range(4)]
    else:
        opened = [make_state() for _ in range(4)]
    for store in opened:
        await store.open()
    yield opened
    for store in opened:
        await store.close()


def page(incident_id: int, event: str, channel: str = "pager") -> Notification:
    return Notification(channel, {"incident_id": incident_id, "event": event}, created_at=1_790_000_000.0)


async def test_racing_consoles_claim_each_row_once_and_each_incident_in_order(
    stores: list[StateStore], clock: FakeClock
) -> None:
    events = ["triggered", "escalated", "acknowledged", "resolved"]
    await stores[0].enqueue([page(incident, event) for event in events for incident in range(1, 11)])
    claimed: list[Notification] = []
    for _ in range(40):  # racing consoles may pick the same candidates: the loser takes fewer that round
        rounds = await asyncio.gather(*(store.claim_notifications(clock.now(), 60, 100, 4) for store in stores))
        batch = [row for claim in rounds for row in claim]
        assert len({row.incident_id for row in batch}) == len(batch)  # one row per incident at a time
        claimed += batch
        for row in batch:
            await stores[0].mark_delivered(row.id, clock.now())
    assert sorted(row.id for row in claimed) == sorted({row.id for row in claimed})  # nobody took a row twice
    assert len(claimed) == 40
    for incident in range(1, 11):
        assert [row.payload["event"] for row in claimed if row.incident_id == incident] == events


async def test_a_delivery_makes_the_channels_waiting_rows_due_now(stores: list[StateStore], clock: FakeClock) -> None:
    state = stores[0]
    await state.enqueue([page(1, "triggered"), page(2, "triggered"), page(3, "triggered", channel="chat")])
    rows = await state.claim_notifications(clock.now(), 60)
    for row in rows:
        await state.mark_failed(row.id, "connection refused", clock.now() + 300)
    assert await state.failing_count(clock.now()) == 3
    clock.advance(10)
    assert await state.claim_notifications(clock.now(), 60) == []
    await state.mark_delivered(rows[0].id, clock.now())  # say the receiver came back through a console's retry
    again = await state.claim_notifications(clock.now(), 60)
    assert [(row.channel, row.incident_id) for row in again] == [("pager", 2)]  # chat keeps its own backoff
    assert (await state.failing_count(clock.now()), await state.pending_count()) == (2, 2)


async def test_later_events_failed_superseded_and_the_audit(stores: list[StateStore], clock: FakeClock) -> None:
    state = stores[0]
    await state.enqueue([page(7, "triggered"), page(7, "escalated"), page(7, "acknowledged"), page(7, "x", "chat")])
    [trigger] = [row for row in await state.claim_notifications(clock.now(), 60) if row.channel == "pager"]
    assert await state.later_events(trigger.id) == ["escalated", "acknowledged"]
    await state.mark_failed(trigger.id, "timed out after 5s", clock.now())
    await state.mark_superseded(trigger.id, clock.now())
    [escalation] = [row for row in await state.claim_notifications(clock.now(), 60) if row.channel == "pager"]
    await state.mark_failed(escalation.id, "HTTP 404 Not Found", None)
    rows = {row.id: row for row in await state.notifications()}
    assert (rows[trigger.id].state, rows[trigger.id].delivered_at) == (DeliveryState.SUPERSEDED, None)
    assert rows[escalation.id].state is DeliveryState.FAILED and rows[escalation.id].next_attempt_at is None
    assert await state.failing_count(clock.now()) == 1  # the failed one; the superseded one is no trouble
    pages = [(entry.action, entry.subject, entry.text) for entry in await state.audit(0) if entry.action[:5] == "page "]
    assert pages == [
        ("page superseded", "incident #7", "pager, 1 attempts, not sent: timed out after 5s"),
        ("page failed", "incident #7", "pager, 1 attempts: HTTP 404 Not Found"),
    ]


async def test_the_v3_migration_fills_key_incident_and_state_of_existing_rows(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:  # a store as opstui left it before version 3
        conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description TEXT, applied_at REAL)")
        for migration in MIGRATIONS[:2]:
            for statement in migration.statements:
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version VALUES (?, ?, 0)", (migration.version, migration.description))
        conn.executemany(
            "INSERT INTO notifications (channel, payload, created_at, next_attempt_at, delivered_at) "
            "VALUES (?, ?, 0, ?, ?)",
            [
                ("pager", '{"incident_id": 4}', 5.0, None),
                ("pager", '{"incident_id": 4}', 5.0, 9.0),
                ("pager", "{}", None, None),
            ],
        )
    async with SqliteState(path, clock) as state:
        rows = sorted(await state.notifications(), key=lambda row: row.id)
    assert [(row.incident_id, row.state) for row in rows] == [
        (4, DeliveryState.PENDING),
        (4, DeliveryState.DELIVERED),
        (None, DeliveryState.FAILED),
    ]
    assert len({row.key for row in rows}) == 3 and all(len(row.key) == 32 for row in rows)
