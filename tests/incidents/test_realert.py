"""Re-alerting on a fake clock: the acknowledgement timeout, reminders while firing, and repeated escalation.

Each test takes ``state`` and ``clock`` only, so tests/team/test_routing_parity.py runs them on PostgreSQL too.
"""

from __future__ import annotations

import pytest

from opstui.alerts.model import AlertState, Severity
from opstui.clock import FakeClock
from opstui.config.incidents import EscalationSettings, IncidentSettings
from opstui.incidents.manager import IncidentManager
from opstui.incidents.model import EventKind, IncidentState
from opstui.state.protocol import StateStore
from tests.incidents.conftest import START, alert
from tests.incidents.test_manager import open_one


def manager_of(state: StateStore, clock: FakeClock, **settings: object) -> IncidentManager:
    escalation = settings.pop("escalation", EscalationSettings())
    return IncidentManager(
        state,
        clock,
        IncidentSettings.model_validate(settings),
        operator="alice",
        host="oncall-box",
        escalation=escalation,  # type: ignore[arg-type]
    )


async def pages(state: StateStore, clock: FakeClock) -> list[tuple[str, str, float]]:
    """``(event, target, at - START)`` of every page queued so far."""
    rows = await state.pending_notifications(clock.now() + 10**6)
    return [(r.payload["event"], r.payload["target"], r.payload["at"] - START) for r in rows]


async def test_ack_timeout_triggers_again_at_the_exact_minute(state: StateStore, clock: FakeClock) -> None:
    manager = manager_of(state, clock)
    incident = await open_one(manager, rule="Payment System Down", severity=Severity.P0)
    clock.set(START + 60)
    await manager.acknowledge(incident.id, by="ana")

    clock.set(START + 60 + 30 * 60 - 1)
    await manager.tick()
    current = await manager.get(incident.id)
    assert current is not None and current.state is IncidentState.ACKNOWLEDGED

    clock.set(START + 60 + 30 * 60)  # the P0 default: 30 minutes
    await manager.tick()
    current = await manager.get(incident.id)
    assert current is not None
    assert (current.state, current.acknowledged_by, current.acknowledged_at) == (IncidentState.TRIGGERED, None, None)
    assert current.triggered_at == START + 1860 and current.escalation_level == 0
    last = (await manager.timeline(incident.id))[-1]
    assert (last.kind, last.actor, last.at - START) == (EventKind.ACK_TIMEOUT, "opstui", 1860)
    assert last.text == "acknowledged by ana 30m00s ago and not resolved: triggered again, paging primary"
    assert (await pages(state, clock))[-1] == ("ack_timeout", "primary", 1860)

    # Triggered again: the response clock and escalation count from the timeout, so secondary 15 minutes on.
    assert manager.sla_deadline(current) == START + 1860 + 15 * 60
    clock.set(START + 1860 + 15 * 60)
    await manager.tick()
    assert (await pages(state, clock))[-1] == ("escalated", "secondary", 1860 + 900)


async def test_ack_timeout_per_severity_and_off(state: StateStore, clock: FakeClock) -> None:
    manager = manager_of(state, clock, ack_timeout={"P1": "10m", "P2": "off"})
    p1 = await open_one(manager, rule="Slow Response Times", severity=Severity.P1)
    p2 = await open_one(manager, at=START + 1, rule="Email Delivery Issues", severity=Severity.P2)
    await manager.acknowledge(p1.id)
    await manager.acknowledge(p2.id)
    clock.set(START + 600)
    await manager.tick()
    states = {i.id: i.state for i in await manager.open_incidents()}
    assert states == {p1.id: IncidentState.TRIGGERED, p2.id: IncidentState.ACKNOWLEDGED}
    clock.set(START + 30 * 86400)
    await manager.tick()
    current = await manager.get(p2.id)
    assert current is not None and current.state is IncidentState.ACKNOWLEDGED  # off means never


async def test_a_resolved_incident_never_times_out(state: StateStore, clock: FakeClock) -> None:
    manager = manager_of(state, clock)
    incident = await open_one(manager, severity=Severity.P0)
    await manager.acknowledge(incident.id)
    clock.advance(60)
    await manager.resolve(incident.id)
    clock.advance(3600)
    await manager.tick()
    assert [e.kind for e in await manager.timeline(incident.id)].count(EventKind.ACK_TIMEOUT) == 0


async def test_reminders_repeat_while_triggered_and_firing(state: StateStore, clock: FakeClock) -> None:
    # No escalation in the way (one step), a reminder every 10 minutes for P1.
    manager = manager_of(
        state, clock, remind_every={"P1": "10m"}, escalation=EscalationSettings(after=3600, path=["primary"])
    )
    incident = await open_one(manager, severity=Severity.P1)
    for minute in range(1, 31):
        clock.set(START + minute * 60)
        await manager.tick()
    assert await pages(state, clock) == [
        ("triggered", "primary", 0),
        ("reminder", "primary", 600),
        ("reminder", "primary", 1200),
        ("reminder", "primary", 1800),
    ]
    last = (await manager.timeline(incident.id))[-1]
    assert (last.kind, last.text) == (
        EventKind.REMINDER,
        "reminder: still firing, not acknowledged after 30m00s; paging primary again",
    )

    # The alert clears: no more reminders (the incident waits for auto-resolve).
    await manager.on_transitions([alert(AlertState.RESOLVED, START + 1801)])
    clock.set(START + 2300)
    await manager.tick()
    assert len(await pages(state, clock)) == 4


async def test_no_reminder_once_acknowledged_and_none_by_default(state: StateStore, clock: FakeClock) -> None:
    manager = manager_of(state, clock, remind_every={"P1": "5m"}, ack_timeout={"P1": "off"})
    incident = await open_one(manager, severity=Severity.P1)
    clock.set(START + 300)
    await manager.tick()
    await manager.acknowledge(incident.id)
    clock.set(START + 3000)
    await manager.tick()
    assert [event for event, _, _ in await pages(state, clock)] == ["triggered", "reminder", "acknowledged"]
    assert IncidentSettings().remind_every == dict.fromkeys(Severity)


async def test_repeat_starts_the_chain_again_after_the_last_level(state: StateStore, clock: FakeClock) -> None:
    escalation = EscalationSettings(after=600, path=["primary", "manager"], repeat=1)
    manager = manager_of(state, clock, escalation=escalation)
    incident = await open_one(manager, severity=Severity.P1)
    for minute in range(1, 61):
        clock.set(START + minute * 60)
        await manager.tick()
    assert await pages(state, clock) == [
        ("triggered", "primary", 0),
        ("escalated", "manager", 600),
        ("escalated", "primary", 1200),
        ("escalated", "manager", 1800),  # the end of the second round: no more
    ]
    texts = [e.text for e in await manager.timeline(incident.id) if e.kind is EventKind.ESCALATED]
    assert texts[1] == "escalated to primary, round 2: not acknowledged after 20m00s"


def test_ack_timeout_defaults_and_off_spellings() -> None:
    defaults = IncidentSettings()
    assert defaults.ack_timeout == {Severity.P0: 1800, Severity.P1: 3600, Severity.P2: None, Severity.P3: None}
    # YAML 1.1 turns a bare ``off`` into False; both mean never.
    settings = IncidentSettings.model_validate({"ack_timeout": {"P0": "1h", "P1": False, "P3": "off"}})
    assert settings.ack_timeout == {Severity.P0: 3600, Severity.P1: None, Severity.P2: None, Severity.P3: None}
    with pytest.raises(ValueError, match="greater than 0"):
        IncidentSettings.model_validate({"remind_every": {"P0": 0}})
