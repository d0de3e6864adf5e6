"""The incident lifecycle, escalation, SLA, auto-resolve, flapping and silences, on a fake clock."""

from __future__ import annotations

import asyncio
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from opstui.alerts.model import AlertState, Severity
from opstui.clock import FakeClock
from opstui.config.incidents import EscalationSettings, IncidentSettings
from opstui.incidents.manager import AlreadyHandled, IncidentError, IncidentManager
from opstui.incidents.model import AlertPhase, EventKind, Incident, IncidentState, Milestone
from opstui.state import SqliteState
from tests.incidents.conftest import START, alert

FIRING, RESOLVED = AlertState.FIRING, AlertState.RESOLVED


async def open_one(
    manager: IncidentManager,
    at: float = START,
    rule: str = "High Error Rate",
    severity: Severity = Severity.P1,
) -> Incident:
    await manager.on_transitions([alert(FIRING, at, rule=rule, severity=severity)])
    (incident,) = [i for i in await manager.open_incidents() if i.opened_at == at]
    return incident


async def test_open_acknowledge_note_resolve_records_who_where_and_when(
    manager: IncidentManager, clock: FakeClock
) -> None:
    incident = await open_one(manager)
    assert incident.state is IncidentState.TRIGGERED
    assert incident.title == "High Error Rate"
    assert incident.runbook and incident.metric == "error_rate"

    clock.advance(120)
    acked = await manager.acknowledge(incident.id)
    assert (acked.state, acked.acknowledged_by, acked.acknowledged_at) == (
        IncidentState.ACKNOWLEDGED,
        "alice",
        START + 120,
    )
    clock.advance(60)
    await manager.add_note(incident.id, "deploy 4711 raised 500s on /api/orders")
    clock.advance(60)
    resolved = await manager.resolve(incident.id, by="bob", note="rolled back 4711")
    assert (resolved.state, resolved.resolved_by, resolved.resolved_at) == (
        IncidentState.RESOLVED,
        "bob",
        START + 240,
    )
    assert await manager.open_incidents() == []

    timeline = await manager.timeline(incident.id)
    assert [(e.kind, e.actor, e.at - START) for e in timeline] == [
        (EventKind.TRIGGERED, "opstui", 0),
        (EventKind.ACKNOWLEDGED, "alice", 120),
        (EventKind.NOTE, "alice", 180),
        (EventKind.RESOLVED, "bob", 240),
    ]
    assert {e.host for e in timeline} == {"oncall-box"}
    assert timeline[-1].text == "rolled back 4711"


async def test_acknowledging_twice_is_a_no_op_and_resolved_cannot_be_acknowledged(
    manager: IncidentManager, clock: FakeClock
) -> None:
    incident = await open_one(manager)
    first = await manager.acknowledge(incident.id)
    clock.advance(30)
    assert await manager.acknowledge(incident.id) == first  # one's own acknowledgement again: nothing changes
    # Someone else's is refused with who and when (the fake clock's 14:13 UTC), so nobody thinks they own it.
    with pytest.raises(AlreadyHandled, match=f"#{incident.id} is already acknowledged by alice at 14:13$"):
        await manager.acknowledge(incident.id, by="bob")
    await manager.resolve(incident.id)
    with pytest.raises(IncidentError, match=f"#{incident.id} is already resolved by alice at 14:13"):
        await manager.acknowledge(incident.id)
    assert (await manager.resolve(incident.id)).resolved_by == "alice"  # resolving one's own again: a no-op
    with pytest.raises(AlreadyHandled, match="already resolved by alice") as lost:
        await manager.resolve(incident.id, by="bob")
    assert lost.value.describe(ZoneInfo("Europe/Berlin")).endswith("at 16:13")  # the console's own zone
    acks = [e for e in await manager.timeline(incident.id) if e.kind is EventKind.ACKNOWLEDGED]
    assert [e.actor for e in acks] == ["alice"]
    with pytest.raises(IncidentError, match="no incident #999"):
        await manager.add_note(999, "x")


async def test_acknowledgement_survives_reopening_the_store(
    db_path: Path, clock: FakeClock, manager: IncidentManager, state: SqliteState
) -> None:
    incident = await open_one(manager)
    await manager.acknowledge(incident.id)
    await state.close()
    async with SqliteState(db_path, clock) as reopened:
        stored = await reopened.get_incident(incident.id)
    assert stored is not None
    assert (stored.state, stored.acknowledged_by) == (IncidentState.ACKNOWLEDGED, "alice")


async def test_a_refiring_alert_does_not_open_a_second_incident(manager: IncidentManager) -> None:
    incident = await open_one(manager)
    await manager.on_transitions([alert(FIRING, START + 5)])
    assert [i.id for i in await manager.open_incidents()] == [incident.id]
    kinds = [e.kind for e in await manager.timeline(incident.id)]
    assert kinds == [EventKind.TRIGGERED, EventKind.ALERT_REFIRED]


async def test_milestones_are_on_the_timeline(manager: IncidentManager) -> None:
    incident = await open_one(manager)
    event = await manager.milestone(incident.id, Milestone.ROOT_CAUSE_IDENTIFIED, "connection pool exhausted")
    assert (event.kind, event.milestone, event.text) == (
        EventKind.MILESTONE,
        Milestone.ROOT_CAUSE_IDENTIFIED,
        "connection pool exhausted",
    )
    assert (await manager.timeline(incident.id))[-1] == event


# Escalation and SLA ------------------------------------------------------------------------------


async def test_escalation_happens_at_exactly_the_right_minute(
    manager: IncidentManager, state: SqliteState, clock: FakeClock
) -> None:
    incident = await open_one(manager)

    async def level_at(seconds: float) -> int:
        clock.set(START + seconds)
        await manager.tick()
        current = await manager.get(incident.id)
        assert current is not None
        return current.escalation_level

    assert await level_at(14 * 60 + 59) == 0
    assert await level_at(15 * 60) == 1  # secondary
    assert await level_at(29 * 60 + 59) == 1
    assert await level_at(30 * 60) == 2  # manager
    assert await level_at(3 * 3600) == 2  # the end of the path

    escalations = [e for e in await manager.timeline(incident.id) if e.kind is EventKind.ESCALATED]
    assert [(e.at - START, e.text.split(":")[0]) for e in escalations] == [
        (900, "escalated to secondary"),
        (1800, "escalated to manager"),
    ]
    targets = [n.payload["target"] for n in await state.pending_notifications(clock.now())]
    assert targets == ["primary", "secondary", "manager"]


async def test_acknowledged_incidents_do_not_escalate(manager: IncidentManager, clock: FakeClock) -> None:
    incident = await open_one(manager)
    clock.advance(14 * 60)
    await manager.acknowledge(incident.id)
    clock.advance(3600)
    await manager.tick()
    current = await manager.get(incident.id)
    assert current is not None and current.escalation_level == 0


async def test_missed_ticks_still_record_every_step(manager: IncidentManager, clock: FakeClock) -> None:
    incident = await open_one(manager)
    clock.advance(45 * 60)
    await manager.tick()
    escalated = [e.text for e in await manager.timeline(incident.id) if e.kind is EventKind.ESCALATED]
    assert [text.split(":")[0] for text in escalated] == ["escalated to secondary", "escalated to manager"]


async def test_sla_is_the_response_time_by_severity(manager: IncidentManager, clock: FakeClock) -> None:
    p0 = await open_one(manager, rule="Service Down", severity=Severity.P0)
    p2 = await open_one(manager, START + 1, rule="Email Delivery Issues", severity=Severity.P2)
    assert manager.sla_deadline(p0) == START + 15 * 60
    assert manager.sla_deadline(p2) == START + 1 + 4 * 3600

    clock.set(START + 14 * 60 + 59)
    assert manager.sla_remaining(p0, clock.now()) == 1
    assert not manager.breached(p0, clock.now())
    clock.set(START + 15 * 60)
    assert manager.breached(p0, clock.now())  # "< 15 minutes": at 15:00 it is late
    assert not manager.breached(p2, clock.now())

    acked = await manager.acknowledge(p2.id)
    clock.advance(24 * 3600)
    assert not manager.breached(acked, clock.now())  # the clock stops at the acknowledgement
    assert manager.sla_remaining(acked, clock.now()) == 4 * 3600 + 1 - 15 * 60


async def test_open_incidents_are_sorted_by_urgency(manager: IncidentManager, clock: FakeClock) -> None:
    p3 = await open_one(manager, rule="Cart abandonment", severity=Severity.P3)
    p1_late = await open_one(manager, START + 1, rule="Slow Response Time", severity=Severity.P1)
    p1_early = await open_one(manager, START - 600, rule="High Error Rate", severity=Severity.P1)
    p0_acked = await open_one(manager, START + 2, rule="Service Down", severity=Severity.P0)
    await manager.acknowledge(p0_acked.id)
    ordered = [i.id for i in await manager.open_incidents()]
    assert ordered == [p1_early.id, p1_late.id, p3.id, p0_acked.id]


# Alerts clearing, auto-resolve, flapping ---------------------------------------------------------


async def test_auto_resolves_after_the_alert_has_been_quiet(manager: IncidentManager, clock: FakeClock) -> None:
    incident = await open_one(manager)
    clock.set(START + 300)
    await manager.on_transitions([alert(RESOLVED, START + 300)])
    cleared = await manager.get(incident.id)
    assert cleared is not None
    assert (cleared.state, cleared.alert_state) == (IncidentState.TRIGGERED, AlertPhase.CLEARED)

    clock.set(START + 300 + 599)
    await manager.tick()
    assert (await manager.open_incidents())[0].id == incident.id
    clock.set(START + 300 + 600)
    await manager.tick()
    resolved = await manager.get(incident.id)
    assert resolved is not None
    assert (resolved.state, resolved.resolved_by) == (IncidentState.RESOLVED, "opstui")
    assert (await manager.timeline(incident.id))[-1].text == "auto-resolved: alert quiet for 10m00s"


async def test_an_alert_firing_again_during_the_quiet_time_keeps_the_incident_open(
    manager: IncidentManager, clock: FakeClock
) -> None:
    incident = await open_one(manager)
    await manager.on_transitions([alert(RESOLVED, START + 60)])
    await manager.on_transitions([alert(FIRING, START + 120)])
    clock.set(START + 3600)
    await manager.on_transitions([])
    # Acknowledged so that escalation does not muddy the point.
    await manager.acknowledge(incident.id)
    await manager.tick()
    current = await manager.get(incident.id)
    assert current is not None
    assert (current.state, current.alert_state) == (IncidentState.ACKNOWLEDGED, AlertPhase.FIRING)


async def test_no_auto_resolve_when_disabled(state: SqliteState, clock: FakeClock) -> None:
    manager = IncidentManager(state, clock, IncidentSettings(auto_resolve_after=None), "alice", "h")
    incident = await open_one(manager)
    await manager.on_transitions([alert(RESOLVED, START + 1)])
    clock.advance(86400)
    await manager.tick()
    current = await manager.get(incident.id)
    assert current is not None and current.is_open


async def test_flapping_reopens_instead_of_opening_a_new_incident(manager: IncidentManager, clock: FakeClock) -> None:
    incident = await open_one(manager)
    await manager.acknowledge(incident.id)
    clock.advance(60)
    await manager.resolve(incident.id)

    clock.advance(30 * 60)  # exactly reopen_within after the resolution
    await manager.on_transitions([alert(FIRING, clock.now())])
    (reopened,) = await manager.open_incidents()
    assert reopened.id == incident.id
    assert (reopened.state, reopened.reopened, reopened.acknowledged_by) == (IncidentState.TRIGGERED, 1, None)
    assert reopened.triggered_at == clock.now()
    assert (await manager.timeline(incident.id))[-1].kind is EventKind.REOPENED

    await manager.resolve(incident.id)
    clock.advance(30 * 60 + 1)  # too long after: a new incident
    await manager.on_transitions([alert(FIRING, clock.now())])
    (fresh,) = await manager.open_incidents()
    assert fresh.id != incident.id and fresh.reopened == 0


# Silences --------------------------------------------------------------------------------------


async def test_silences_suppress_and_expire(manager: IncidentManager, clock: FakeClock) -> None:
    silence = await manager.snooze("High Error Rate", 3600, reason="load test until 15:00")
    await manager.on_transitions([alert(FIRING, START + 10)])
    await manager.on_transitions([alert(FIRING, START + 20, fingerprint="High Error Rate|region=eu")])
    assert await manager.open_incidents() == []
    (active,) = await manager.silences()
    assert (active.id, active.suppressed, active.created_by) == (silence.id, 2, "alice")

    clock.set(START + 3600)
    await manager.tick()
    assert await manager.silences() == []
    await manager.on_transitions([alert(FIRING, clock.now())])
    assert len(await manager.open_incidents()) == 1


async def test_a_fingerprint_silence_leaves_other_alerts_of_the_rule_alone(manager: IncidentManager) -> None:
    await manager.snooze("High Error Rate|region=eu", 600)
    await manager.on_transitions([alert(FIRING, START, fingerprint="High Error Rate|region=eu")])
    await manager.on_transitions([alert(FIRING, START, fingerprint="High Error Rate|region=us")])
    assert [i.fingerprint for i in await manager.open_incidents()] == ["High Error Rate|region=us"]


async def test_unsnooze_ends_the_silence_and_snooze_is_on_open_timelines(
    manager: IncidentManager, clock: FakeClock
) -> None:
    incident = await open_one(manager)
    await manager.snooze("High Error Rate", 3600, reason="known issue")
    assert (await manager.timeline(incident.id))[-1].kind is EventKind.SNOOZED
    clock.advance(60)
    assert await manager.unsnooze("High Error Rate") == 1
    assert await manager.silences() == []
    with pytest.raises(IncidentError, match="positive duration"):
        await manager.snooze("x", 0)


# Notifications -----------------------------------------------------------------------------------


async def test_outbox_rows_on_open_escalation_acknowledge_and_resolve(
    manager: IncidentManager, state: SqliteState, clock: FakeClock
) -> None:
    incident = await open_one(manager, rule="Payment System Down", severity=Severity.P0)
    clock.advance(15 * 60)
    await manager.tick()
    await manager.acknowledge(incident.id)
    await manager.resolve(incident.id, note="Stripe recovered")
    rows = await state.pending_notifications(clock.now())
    assert [(r.channel, r.payload["event"], r.payload["target"]) for r in rows] == [
        ("incident", "triggered", "primary"),
        ("incident", "escalated", "secondary"),
        ("incident", "acknowledged", "secondary"),
        ("incident", "resolved", "secondary"),
    ]
    assert rows[2].payload["state"] == "acknowledged" and rows[2].payload["text"].endswith(f"by {manager.operator}")
    first = rows[0].payload
    assert first["incident_id"] == incident.id
    assert (first["title"], first["severity"], first["state"]) == ("Payment System Down", "P0", "triggered")
    assert rows[-1].payload["text"] == "Stripe recovered"


async def test_escalation_path_and_interval_come_from_config(state: SqliteState, clock: FakeClock) -> None:
    manager = IncidentManager(
        state,
        clock,
        IncidentSettings(),
        "alice",
        "h",
        escalation=EscalationSettings(after=300, path=["primary", "dba"]),
    )
    incident = await open_one(manager)
    clock.advance(300)
    await manager.tick()
    current = await manager.get(incident.id)
    assert current is not None and current.escalation_level == 1
    assert (await manager.timeline(incident.id))[-1].text.startswith("escalated to dba")


# Two consoles sharing one store ------------------------------------------------------------------


async def test_two_consoles_firing_the_same_alert_open_one_incident(
    db_path: Path, clock: FakeClock, manager: IncidentManager
) -> None:
    async with SqliteState(db_path, clock) as other_state:
        other = IncidentManager(other_state, clock, IncidentSettings(), "bob", "other-box")
        await asyncio.gather(
            manager.on_transitions([alert(FIRING, START)]), other.on_transitions([alert(FIRING, START)])
        )
        (incident,) = await manager.open_incidents()
        kinds = sorted(e.kind for e in await manager.timeline(incident.id))
        assert kinds == sorted([EventKind.TRIGGERED, EventKind.ALERT_REFIRED])

        # Both acknowledge at once: one acknowledgement is recorded; the loser is told who was first.
        clock.advance(60)
        results = await asyncio.gather(
            manager.acknowledge(incident.id), other.acknowledge(incident.id), return_exceptions=True
        )
        [won] = [r for r in results if isinstance(r, Incident)]
        [lost] = [r for r in results if isinstance(r, AlreadyHandled)]
        assert lost.by == won.acknowledged_by and lost.at == won.acknowledged_at
        acks = [e for e in await manager.timeline(incident.id) if e.kind is EventKind.ACKNOWLEDGED]
        assert len(acks) == 1 and acks[0].actor == won.acknowledged_by
