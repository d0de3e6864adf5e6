"""Team mode for re-alerting and silences: of consoles racing on one PostgreSQL schema, exactly one wins."""

from __future__ import annotations

import asyncio

from opstui.alerts.model import AlertState, Severity
from opstui.clock import FakeClock
from opstui.incidents.manager import IncidentError
from opstui.incidents.model import EventKind, Silence
from tests.incidents.conftest import alert
from tests.team.conftest import StartTeam


async def test_five_consoles_expiring_one_silence_have_one_winner(team: StartTeam, clock: FakeClock) -> None:
    stores, consoles = await team(5)
    made = await consoles[0].silence('alertname="Service Down"', "drill", duration=3600)
    clock.advance(60)
    results = await asyncio.gather(*(c.expire_silence(made.id) for c in consoles), return_exceptions=True)
    won = [r for r in results if isinstance(r, Silence)]
    assert len(won) == 1, results
    assert all(isinstance(r, IncidentError) for r in results if not isinstance(r, Silence))
    (listed,) = await consoles[1].all_silences()
    assert listed.ended_by == won[0].ended_by


async def test_five_consoles_ticking_past_an_ack_timeout_record_it_once(team: StartTeam, clock: FakeClock) -> None:
    stores, consoles = await team(5)
    await consoles[0].on_transitions([alert(AlertState.FIRING, clock.now(), severity=Severity.P0)])
    (incident,) = await consoles[0].open_incidents()
    await consoles[0].acknowledge(incident.id)
    clock.advance(30 * 60)
    await asyncio.gather(*(c.tick() for c in consoles))
    events = await consoles[0].timeline(incident.id)
    assert [e.kind for e in events].count(EventKind.ACK_TIMEOUT) == 1
    pages = [n.payload["event"] for n in await stores[0].pending_notifications(clock.now())]
    assert pages.count("ack_timeout") == 1


async def test_five_consoles_pressing_e_or_unacknowledging_at_once_have_one_winner(
    team: StartTeam, clock: FakeClock
) -> None:
    stores, consoles = await team(5)
    await consoles[0].on_transitions([alert(AlertState.FIRING, clock.now(), severity=Severity.P0)])
    (incident,) = await consoles[0].open_incidents()
    clock.advance(60)
    results = await asyncio.gather(
        *(c.escalate_now(incident.id, seen_level=0) for c in consoles), return_exceptions=True
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1, results
    assert all(isinstance(r, IncidentError) for r in results if isinstance(r, BaseException))
    events = await consoles[0].timeline(incident.id)
    assert [e.kind for e in events].count(EventKind.ESCALATED) == 1

    await consoles[0].acknowledge(incident.id)
    results = await asyncio.gather(*(c.unacknowledge(incident.id) for c in consoles), return_exceptions=True)
    assert sum(not isinstance(r, BaseException) for r in results) == 1, results
    pages = [n.payload["event"] for n in await stores[0].pending_notifications(clock.now())]
    assert (pages.count("escalated"), pages.count("unacknowledged")) == (1, 1)


async def test_an_override_made_on_one_console_changes_who_the_other_pages(team: StartTeam, clock: FakeClock) -> None:
    from opstui.config.rotation import Rotation
    from opstui.incidents.manager import IncidentManager

    rotation = Rotation(people=["ben", "ana"], start="2026-09-21T09:00:00+00:00")  # type: ignore[arg-type]
    stores, consoles = await team(2)
    here, there = (
        IncidentManager(
            store,
            clock,
            made.settings,
            operator=made.operator,
            on_call=lambda: rotation.who_is_on_call(clock.now()),
        )
        for store, made in zip(stores, consoles, strict=True)
    )
    await here.add_override("zoe", "ben", clock.now(), clock.now() + 3600)
    await there.on_transitions([alert(AlertState.FIRING, clock.now(), severity=Severity.P0)])
    pages = [n.payload["target"] for n in await stores[1].pending_notifications(clock.now())]
    assert pages == ["zoe"]
    listed = await there.overrides()
    assert [(o.who, o.covers, o.created_by) for o in listed] == [("zoe", "ben", "eng0")]


async def test_five_consoles_reassigning_the_version_they_saw_have_one_winner(
    team: StartTeam, clock: FakeClock
) -> None:
    stores, consoles = await team(5)
    await consoles[0].on_transitions([alert(AlertState.FIRING, clock.now(), severity=Severity.P1)])
    (incident,) = await consoles[0].open_incidents()
    people = ["ana", "ben", "carla", "dan", "eve"]
    results = await asyncio.gather(
        *(
            c.reassign(incident.id, who, seen_revision=incident.revision)
            for c, who in zip(consoles, people, strict=True)
        ),
        return_exceptions=True,
    )
    won = [r for r in results if not isinstance(r, BaseException)]
    assert len(won) == 1, results
    assert all(isinstance(r, IncidentError) and "changed meanwhile" in str(r) for r in results if r not in won)
    stored = await consoles[1].get(incident.id)
    assert stored is not None and stored.assignee == won[0].assignee
    events = await consoles[0].timeline(incident.id)
    assert [e.kind for e in events].count(EventKind.REASSIGNED) == 1
