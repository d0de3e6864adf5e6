"""The store's promises that the incident tests do not already cover: revisions, the bounded
outbox, checklist ticks with undo, and timeouts."""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from opstui.alerts.model import Severity
from opstui.clock import FakeClock
from opstui.incidents.model import EventKind, Incident, IncidentEvent, IncidentState, Override
from opstui.state import ConflictError, Notification, SqliteState, StateError, Tick, TickKind
from opstui.state.protocol import ComponentOverride


def new_incident(at: float) -> Incident:
    return Incident(
        id=0,
        fingerprint="api-down|",
        rule="Service Down",
        title="Service Down",
        severity=Severity.P0,
        state=IncidentState.TRIGGERED,
        opened_at=at,
        triggered_at=at,
        labels=(("service", "api"),),
    )


def triggered(at: float) -> IncidentEvent:
    return IncidentEvent(incident_id=0, at=at, kind=EventKind.TRIGGERED, actor="opstui", host="h")


async def test_incidents_round_trip_with_labels(state: SqliteState, clock: FakeClock) -> None:
    stored = await state.insert_incident(new_incident(clock.now()), triggered(clock.now()))
    assert stored.id > 0
    assert await state.get_incident(stored.id) == stored
    assert await state.latest_incident("api-down|") == stored
    assert [e.incident_id for e in await state.events(stored.id)] == [stored.id]


async def test_a_change_from_a_stale_snapshot_is_a_conflict(state: SqliteState, clock: FakeClock) -> None:
    stored = await state.insert_incident(new_incident(clock.now()), triggered(clock.now()))
    await state.update_incident(replace(stored, state=IncidentState.ACKNOWLEDGED, acknowledged_by="bob"))
    with pytest.raises(ConflictError, match="changed by someone else"):
        await state.update_incident(replace(stored, acknowledged_by="carol"))
    current = await state.get_incident(stored.id)
    assert current is not None
    assert (current.acknowledged_by, current.revision) == ("bob", 1)


async def test_outbox_keeps_at_most_the_cap_and_counts_the_dropped(
    db_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    async with SqliteState(db_path, clock, outbox_cap=3) as state:
        for n in range(5):
            await state.enqueue([Notification("incident", {"n": n}, created_at=clock.now())])
        with caplog.at_level(logging.WARNING, logger="opstui.state.sqlite"):
            await state.enqueue([Notification("incident", {"n": 5}, created_at=clock.now())])
        pending = await state.pending_notifications(clock.now())
        assert [p.payload["n"] for p in pending] == [3, 4, 5]
        assert await state.outbox_dropped() == 3
        assert "outbox full" in caplog.text


async def test_delivered_and_failed_notifications(state: SqliteState, clock: FakeClock) -> None:
    now = clock.now()
    await state.enqueue([Notification("incident", {"n": 1}, now), Notification("incident", {"n": 2}, now)])
    first, second = await state.pending_notifications(now)
    await state.mark_delivered(first.id, now)
    await state.mark_failed(second.id, "HTTP 503", retry_at=now + 60)
    assert await state.pending_notifications(now) == []
    (retry,) = await state.pending_notifications(now + 60)
    assert (retry.attempts, retry.last_error) == (1, "HTTP 503")
    assert await state.pending_count() == 1
    await state.mark_failed(second.id, "HTTP 404", retry_at=None)  # given up: kept, never due again
    assert await state.pending_notifications(now + 86400) == []
    assert await state.pending_count() == 0


def tick(task: str, at: float, actor: str = "alice") -> Tick:
    period = at - at % 300
    return Tick(task, period_start=period, at=at, kind=TickKind.DONE, actor=actor, host="h", value="200 OK")


async def test_ticks_last_tick_and_undo(state: SqliteState, clock: FakeClock) -> None:
    t0 = clock.now()
    await state.add_tick(tick("health", t0))
    await state.add_tick(tick("errors", t0 + 10, actor="bob"))
    latest = await state.add_tick(tick("health", t0 + 300))  # the next period: one DONE per period counts
    assert await state.last_tick("health") == latest

    clock.advance(30)
    assert await state.undo_last_tick("alice") == latest
    assert await state.last_tick("health") != latest
    assert [t.task_id for t in await state.ticks_since(t0)] == ["health", "errors"]
    assert [t.task_id for t in await state.ticks_since(t0 + 5)] == ["errors"]
    # Undo walks back one tick at a time and never touches someone else's.
    undone = await state.undo_last_tick("alice")
    assert undone is not None and undone.at == t0
    assert await state.undo_last_tick("alice") is None
    assert await state.last_tick("errors") is not None


async def test_ticks_survive_reopening(db_path: Path, clock: FakeClock) -> None:
    async with SqliteState(db_path, clock) as state:
        stored = await state.add_tick(tick("health", clock.now()))
    async with SqliteState(db_path, clock) as state:
        assert await state.last_tick("health") == stored


async def test_a_call_that_hangs_times_out_with_one_line(db_path: Path, clock: FakeClock) -> None:
    state = SqliteState(db_path, clock, timeout=0.2)
    await state.open()
    release = threading.Event()
    try:
        # Occupy the single worker thread, as a stuck fsync would.
        assert state._executor is not None
        state._executor.submit(release.wait)
        with pytest.raises(StateError, match=r"took longer than 0.2s") as info:
            await state.open_incidents()
        assert "\n" not in str(info.value)
    finally:
        release.set()
        await state.close()


async def test_a_locked_database_is_reported_as_locked(db_path: Path, clock: FakeClock) -> None:
    async with SqliteState(db_path, clock, timeout=0.5) as state:
        other = sqlite3.connect(db_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StateError, match="locked by another process"):
                await state.add_tick(tick("health", clock.now()))
        finally:
            other.execute("ROLLBACK")
            other.close()


async def test_the_audit_lists_on_call_and_component_overrides(state: SqliteState, clock: FakeClock) -> None:
    start = clock.now()
    cover = await state.add_override(Override("dana", "ben", start, start + 3600, start, "ana", "laptop"))
    clock.advance(60)
    await state.end_override(cover.id, clock.now(), "ben")
    await state.set_component_override(
        ComponentOverride("API", "partial outage", "EU region down", "ana", "laptop", clock.now())
    )
    clock.advance(60)
    await state.clear_component_override("API", clock.now(), "carl")
    entries = [(e.actor, e.host, e.action, e.subject, e.text) for e in await state.audit(start)]
    assert entries == [
        ("ana", "laptop", "on-call override", "ben", "dana covers ben"),
        ("ben", "", "on-call override ended", "ben", "dana covers ben"),
        ("ana", "laptop", "component override", "API", "partial outage: EU region down"),
        ("carl", "", "component override cleared", "API", "partial outage"),
    ]
