"""Merging two incidents: the merged one closes with a pointer, its timeline and alert join the other."""

from __future__ import annotations

import pytest

from opstui.alerts.model import AlertState, Severity
from opstui.clock import FakeClock
from opstui.incidents.manager import AlreadyHandled, IncidentError, IncidentManager
from opstui.incidents.model import EventKind, IncidentState
from opstui.state import SqliteState
from tests.incidents.conftest import alert


async def two(manager: IncidentManager, clock: FakeClock, severity: Severity = Severity.P2) -> tuple[int, int]:
    """A P1 High Error Rate (firing) and, a minute later, one opened by hand about the same outage."""
    await manager.on_transitions([alert(AlertState.FIRING, clock.now(), severity=Severity.P1)])
    (fired,) = await manager.open_incidents()
    clock.advance(60)
    by_hand = await manager.open_manual("Customers see errors at checkout", severity, by="ben")
    return fired.id, by_hand.id


async def test_the_merged_incident_closes_with_a_pointer_and_the_target_takes_its_timeline(
    manager: IncidentManager, state: SqliteState, clock: FakeClock
) -> None:
    fired, by_hand = await two(manager, clock, Severity.P0)
    await manager.add_note(by_hand, "3 tickets from support", by="ben")
    clock.advance(30)
    merged, target = await manager.merge(by_hand, fired, by="ana")

    assert (merged.state, merged.merged_into, merged.resolved_by) == (IncidentState.RESOLVED, fired, "ana")
    assert merged.resolved_at == clock.now()
    assert target.is_open and target.id == fired
    assert target.severity is Severity.P0  # the worse of the two
    assert [i.id for i in await manager.open_incidents()] == [fired]
    stored = await state.get_incident(by_hand)
    assert stored is not None and stored.merged_into == fired  # durable, not only returned

    own = await manager.timeline(by_hand)
    assert (own[-1].kind, own[-1].text) == (EventKind.RESOLVED, f"merged into #{fired} High Error Rate by ana")
    joined = await manager.timeline(fired)
    texts = [(e.kind, e.text) for e in joined]
    assert (EventKind.NOTE, f"#{by_hand} note: 3 tickets from support") in texts
    assert (EventKind.NOTE, f"#{by_hand} triggered: opened by hand by ben") in texts
    here = f"#{by_hand} P0 Customers see errors at checkout merged into this by ana; severity P1 -> P0"
    assert texts[-1] == (EventKind.NOTE, here)
    assert [e.at for e in joined] == sorted(e.at for e in joined)
    assert len(await state.events(fired)) == 2  # joined when read, never copied (the audit lists each once)

    pending = await state.pending_notifications(clock.now())
    pages = [(n.payload["incident_id"], n.payload["event"], n.payload["text"]) for n in pending]
    assert (by_hand, "resolved", f"merged into #{fired} High Error Rate by ana") in pages
    assert (fired, "merged", here) in pages


async def test_the_merged_alert_firing_again_lands_on_the_target(manager: IncidentManager, clock: FakeClock) -> None:
    fired, by_hand = await two(manager, clock)
    await manager.merge(fired, by_hand)
    await manager.on_transitions([alert(AlertState.RESOLVED, clock.now())])
    clock.advance(120)
    await manager.on_transitions([alert(AlertState.FIRING, clock.now())])
    assert [i.id for i in await manager.open_incidents()] == [by_hand]  # no new incident, no reopen
    last = (await manager.timeline(by_hand))[-1]
    assert last.kind is EventKind.ALERT_REFIRED
    assert last.text.startswith(f"High Error Rate (merged from #{fired}) is firing")

    await manager.resolve(by_hand, note="fixed")
    clock.advance(60)
    await manager.on_transitions([alert(AlertState.FIRING, clock.now())])
    (new,) = await manager.open_incidents()
    assert new.id not in (fired, by_hand)  # the target is resolved: a new incident, never the merged one reopened


async def test_merges_that_cannot_apply_say_why(manager: IncidentManager, clock: FakeClock) -> None:
    fired, by_hand = await two(manager, clock)
    with pytest.raises(IncidentError, match="into itself"):
        await manager.merge(fired, fired)
    with pytest.raises(IncidentError, match="no incident #99"):
        await manager.merge(fired, 99)
    await manager.merge(fired, by_hand, by="ana")
    assert (await manager.merge(fired, by_hand, by="ana"))[0].merged_into == by_hand  # one's own merge again
    with pytest.raises(AlreadyHandled, match=f"#{fired} is already merged into #{by_hand} by ana"):
        await manager.merge(fired, by_hand, by="ben")
    with pytest.raises(IncidentError, match=f"was merged into #{by_hand}; merge into that"):
        await manager.merge(by_hand, fired)
    third = await manager.open_manual("Slow search", Severity.P3)
    await manager.resolve(third.id)
    with pytest.raises(IncidentError, match="resolved; merge into an open incident"):
        await manager.merge(by_hand, third.id)
