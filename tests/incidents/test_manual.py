"""Incidents opened by hand and severity changes, on a fake clock: recorded, paged and escalated like the rest.

The async tests take ``state`` and ``clock`` only, so tests/team/test_routing_parity.py runs them on PostgreSQL.
"""

from __future__ import annotations

import pytest

from opstui.alerts.feed import attention
from opstui.alerts.model import Severity
from opstui.clock import FakeClock
from opstui.incidents.manager import IncidentError
from opstui.incidents.model import AlertPhase, EventKind, IncidentState
from opstui.state.protocol import StateStore
from opstui.status import Status
from tests.incidents.conftest import START
from tests.incidents.test_realert import manager_of, pages


async def test_a_manual_incident_lives_like_any_other(state: StateStore, clock: FakeClock) -> None:
    manager = manager_of(state, clock)
    made = await manager.open_manual(
        "Customers report missing order emails", Severity.P1, summary="3 tickets since 09:00", by="ana"
    )
    assert made.manual and made.rule == "manual" and made.fingerprint.startswith("manual:")
    assert (made.state, made.severity, made.alert_state) == (IncidentState.TRIGGERED, Severity.P1, AlertPhase.CLEARED)
    (first,) = await manager.timeline(made.id)
    assert (first.kind, first.actor, first.text) == (
        EventKind.TRIGGERED,
        "ana",
        "opened by hand by ana: 3 tickets since 09:00",
    )
    assert await pages(state, clock) == [("triggered", "primary", 0)]
    # Burning until resolved: a firing P0/P1 makes the header CRITICAL; no alert, so no "still firing" question.
    assert attention([made]).status is Status.CRITICAL
    assert manager.still_firing(made) is None

    clock.set(START + 15 * 60)  # escalated like the rest
    await manager.tick()
    assert (await pages(state, clock))[-1] == ("escalated", "secondary", 900)
    clock.set(START + 86400)  # never auto-resolved: nothing clears it but a person
    await manager.tick()
    current = await manager.get(made.id)
    assert current is not None and current.is_open

    await manager.acknowledge(made.id, by="ben")
    done = await manager.resolve(made.id, by="ben", note="mail provider fixed")
    assert done.state is IncidentState.RESOLVED
    assert [e for e, _, _ in await pages(state, clock)][-2:] == ["acknowledged", "resolved"]


async def test_a_severity_change_is_recorded_notified_and_moves_the_sla(state: StateStore, clock: FakeClock) -> None:
    manager = manager_of(state, clock)
    made = await manager.open_manual("Checkout slow for EU users", Severity.P2, by="ana")
    assert manager.sla_deadline(made) == START + 4 * 3600
    clock.advance(60)
    raised = await manager.change_severity(made.id, Severity.P0, by="ben")
    assert raised.severity is Severity.P0 and manager.sla_deadline(raised) == START + 15 * 60
    last = (await manager.timeline(made.id))[-1]
    assert (last.kind, last.actor, last.text) == (EventKind.SEVERITY_CHANGED, "ben", "severity P2 -> P0 by ben")
    assert (await pages(state, clock))[-1] == ("severity_changed", "primary", 60)
    assert await manager.change_severity(made.id, Severity.P0) == raised  # the same again: nothing new
    await manager.resolve(made.id)
    with pytest.raises(IncidentError, match="is resolved; its severity stays P0"):
        await manager.change_severity(made.id, Severity.P3)


async def test_a_title_is_required(state: StateStore, clock: FakeClock) -> None:
    manager = manager_of(state, clock)
    with pytest.raises(IncidentError, match="needs a title"):
        await manager.open_manual("  ", Severity.P2)
    with pytest.raises(IncidentError, match="at most 200"):
        await manager.open_manual("x" * 201, Severity.P2)
