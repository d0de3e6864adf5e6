"""An incident at a past moment, rebuilt from its timeline, is the version the manager had stored then."""

from __future__ import annotations

from dataclasses import replace

from opstui.alerts.model import AlertState, Severity
from opstui.clock import FakeClock
from opstui.config.incidents import IncidentSettings
from opstui.incidents.as_of import IncidentsAsOf, as_of, read_records
from opstui.incidents.manager import IncidentManager
from opstui.incidents.model import EventKind, Incident, IncidentState
from opstui.metrics.replay import ReplayClock
from opstui.state import SqliteState
from tests.incidents.conftest import alert


def unrevised(incident: Incident | None) -> Incident | None:
    """The revision counts writes, which a fold cannot know (a note is one): compared without it."""
    return None if incident is None else replace(incident, revision=0)


async def test_every_version_of_a_busy_life_is_rebuilt_from_the_timeline(
    manager: IncidentManager, state: SqliteState, clock: FakeClock
) -> None:
    seen: list[tuple[float, dict[int, Incident]]] = []

    async def step(minutes: float) -> None:
        clock.advance(minutes * 60)

    async def look() -> None:
        stored = {i.id: i for i in await manager.all_incidents(100)}
        seen.append((clock.now(), stored))

    await look()  # nothing yet
    clock.advance(1)
    await manager.on_transitions([alert(AlertState.FIRING, clock.now())])
    (first,) = await manager.open_incidents()
    await look()
    await step(3)
    manual = await manager.open_manual("Checkout slow for some users", Severity.P2, summary="reported by support")
    await look()
    await step(2)
    await manager.tick()  # the P1's path pages its next step after 5 minutes unacknowledged
    await look()
    await step(5)
    await manager.acknowledge(first.id, by="ana")
    await look()
    await step(2)
    await manager.change_severity(first.id, Severity.P0, by="ana")
    await manager.add_note(first.id, "rolling back v1.4.2", by="ana")
    await look()
    await step(2)
    await manager.unacknowledge(first.id, by="ben")
    await look()
    await step(1)
    await manager.reassign(first.id, "dan", by="ben")
    await look()
    await step(1)
    await manager.escalate_now(first.id, by="ben")
    await look()
    await step(4)
    await manager.on_transitions([alert(AlertState.RESOLVED, clock.now())])
    await look()
    await step(2)
    await manager.on_transitions([alert(AlertState.FIRING, clock.now())])
    await look()
    await step(3)
    await manager.merge(manual.id, first.id, by="ana")
    await look()
    await step(5)
    await manager.resolve(first.id, by="ana", note="rolled back")
    await look()
    await step(1)
    await manager.on_transitions([alert(AlertState.FIRING, clock.now())])  # back within reopen_within: reopened
    await look()

    records = {record.incident.id: record for record in await read_records(state, since=0.0)}
    assert set(records) == {first.id, manual.id}
    for when, stored in seen:
        for incident_id, record in records.items():
            assert unrevised(as_of(record, when)) == unrevised(stored.get(incident_id)), (when, incident_id)
    reopened = as_of(records[first.id], clock.now())
    assert reopened is not None and reopened.reopened == 1 and reopened.severity is Severity.P1


async def test_the_replayed_manager_answers_at_its_clock(
    manager: IncidentManager, state: SqliteState, clock: FakeClock
) -> None:
    opened = clock.now()
    await manager.on_transitions([alert(AlertState.FIRING, opened)])
    (incident,) = await manager.open_incidents()
    clock.advance(600)
    await manager.acknowledge(incident.id, by="ana")
    clock.advance(600)
    await manager.resolve(incident.id, by="ana")

    cursor = ReplayClock(opened - 60)
    cursor.pause()
    past = IncidentsAsOf(await read_records(state, since=0.0), state, cursor, IncidentSettings())
    assert await past.open_incidents() == [] and await past.get(incident.id) is None
    cursor.set(opened + 300)
    (shown,) = await past.open_incidents()
    assert shown.state is IncidentState.TRIGGERED and past.sla_remaining(shown, cursor.now()) == 3600 - 300
    assert [e.kind for e in await past.timeline(incident.id)] == [EventKind.TRIGGERED]
    cursor.set(opened + 900)
    (shown,) = await past.open_incidents()
    assert shown.state is IncidentState.ACKNOWLEDGED and shown.acknowledged_by == "ana"
    cursor.set(opened + 1500)
    assert await past.open_incidents() == []
    assert [e.kind for e in await past.timeline(incident.id)][-1] is EventKind.RESOLVED
    cursor.set(opened + 300)  # back in time: open again, not acknowledged
    (shown,) = await past.open_incidents()
    assert shown.state is IncidentState.TRIGGERED and shown.acknowledged_at is None
