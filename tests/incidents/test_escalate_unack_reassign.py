"""Escalate now, take an acknowledgement back, reassign to a person: on the timeline (so in the audit), paged
through the outbox in the same transaction, on a fake clock. Each test takes ``state`` and ``clock`` only, so
tests/team/test_routing_parity.py runs them on PostgreSQL too."""

from __future__ import annotations

import pytest

from opstui.alerts.model import Severity
from opstui.clock import FakeClock
from opstui.config.incidents import EscalationSettings, IncidentSettings
from opstui.config.rotation import Rotation
from opstui.incidents.manager import AlreadyHandled, IncidentError, IncidentManager
from opstui.incidents.model import EventKind, IncidentState
from opstui.state.protocol import StateStore
from tests.incidents.conftest import START
from tests.incidents.test_manager import open_one

ROTATION = Rotation(people=["ana", "ben"], start="2026-09-21T09:00:00+00:00", manager="carla")  # type: ignore[arg-type]


def manager_of(state: StateStore, clock: FakeClock) -> IncidentManager:
    return IncidentManager(
        state,
        clock,
        IncidentSettings(),
        operator="dave",
        host="oncall-box",
        escalation=EscalationSettings(),
        on_call=lambda: ROTATION.who_is_on_call(clock.now()),
    )


async def pages(state: StateStore, clock: FakeClock) -> list[tuple[str, str, float]]:
    rows = await state.pending_notifications(clock.now() + 10**6)
    return [(r.payload["event"], r.payload["target"], r.payload["at"] - START) for r in rows]


async def test_escalate_now_pages_the_next_step_and_the_timetable_holds(state: StateStore, clock: FakeClock) -> None:
    manager = manager_of(state, clock)
    incident = await open_one(manager, severity=Severity.P1)
    clock.advance(120)
    escalated = await manager.escalate_now(incident.id, by="ana", seen_level=0)
    assert escalated.escalation_level == 1 and escalated.state is IncidentState.TRIGGERED
    last = (await manager.timeline(incident.id))[-1]
    assert (last.kind, last.actor, last.text) == (
        EventKind.ESCALATED,
        "ana",
        "escalated by hand by ana to ben (secondary)",
    )
    assert (await pages(state, clock))[-1] == ("escalated", "ben", 120)

    # The same key pressed on a stale screen (it still showed step 0) pages nobody twice.
    with pytest.raises(IncidentError, match="already escalated to ben \\(secondary\\) meanwhile"):
        await manager.escalate_now(incident.id, by="ben", seen_level=0)

    # The path's timetable keeps counting from the trigger: the manager at 30 minutes, not 15 after E.
    clock.set(START + 15 * 60)
    await manager.tick()
    assert (await pages(state, clock))[-1] == ("escalated", "ben", 120)
    clock.set(START + 30 * 60)
    await manager.tick()
    assert (await pages(state, clock))[-1] == ("escalated", "carla", 1800)
    with pytest.raises(IncidentError, match="last step of its path \\(default\\)"):
        await manager.escalate_now(incident.id)


async def test_escalate_refuses_an_acknowledged_incident(state: StateStore, clock: FakeClock) -> None:
    manager = manager_of(state, clock)
    incident = await open_one(manager)
    await manager.acknowledge(incident.id, by="ana")
    with pytest.raises(IncidentError, match="acknowledged by ana; unacknowledge it first"):
        await manager.escalate_now(incident.id)


async def test_unacknowledge_triggers_again_from_the_first_step(state: StateStore, clock: FakeClock) -> None:
    manager = manager_of(state, clock)
    incident = await open_one(manager, severity=Severity.P1)
    clock.advance(60)
    await manager.acknowledge(incident.id, by="ana")
    clock.advance(600)
    back = await manager.unacknowledge(incident.id, by="ana")
    assert (back.state, back.acknowledged_by, back.triggered_at, back.escalation_level) == (
        IncidentState.TRIGGERED,
        None,
        START + 660,
        0,
    )
    last = (await manager.timeline(incident.id))[-1]
    assert (last.kind, last.actor) == (EventKind.UNACKNOWLEDGED, "ana")
    assert last.text == "acknowledgement by ana taken back by ana: triggered again, paging ana (primary)"
    assert (await pages(state, clock))[-1] == ("unacknowledged", "ana", 660)
    with pytest.raises(IncidentError, match="is not acknowledged"):
        await manager.unacknowledge(incident.id)
    # Escalation counts from the take-back: secondary 15 minutes later.
    clock.set(START + 660 + 900)
    await manager.tick()
    assert (await pages(state, clock))[-1] == ("escalated", "ben", 1560)


async def test_reassign_pages_the_person_until_escalation_moves_on(state: StateStore, clock: FakeClock) -> None:
    manager = manager_of(state, clock)
    incident = await open_one(manager, severity=Severity.P1)
    await manager.acknowledge(incident.id, by="ana")
    clock.advance(300)
    given = await manager.reassign(incident.id, "carla", by="ana", seen_revision=incident.revision + 1)
    assert (given.assignee, given.state, given.acknowledged_by) == ("carla", IncidentState.TRIGGERED, None)
    last = (await manager.timeline(incident.id))[-1]
    assert (last.kind, last.text) == (EventKind.REASSIGNED, "reassigned by ana from ana to carla")
    assert (await pages(state, clock))[-1] == ("reassigned", "carla", 300)

    # Another console acting on the version before the reassignment is told, and changes nothing.
    with pytest.raises(IncidentError, match="changed meanwhile"):
        await manager.reassign(incident.id, "ben", seen_revision=incident.revision + 1)
    # carla must acknowledge; nobody does: 15 minutes on, escalation moves on to the path's next step.
    clock.advance(900)
    await manager.tick()
    current = await manager.get(incident.id)
    assert current is not None and current.assignee is None
    assert (await pages(state, clock))[-1] == ("escalated", "ben", 1200)


async def test_actions_on_a_resolved_incident_say_who_resolved_it(state: StateStore, clock: FakeClock) -> None:
    manager = manager_of(state, clock)
    incident = await open_one(manager)
    await manager.resolve(incident.id, by="ben")
    for action in (manager.escalate_now, manager.unacknowledge):
        with pytest.raises(AlreadyHandled, match="already resolved by ben"):
            await action(incident.id)
    with pytest.raises(AlreadyHandled):
        await manager.reassign(incident.id, "ana")
