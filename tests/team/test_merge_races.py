"""Team mode for merges: consoles merging the same incidents at once on one PostgreSQL schema; one wins."""

from __future__ import annotations

import asyncio

from opstui.alerts.model import AlertState, Severity
from opstui.clock import FakeClock
from opstui.incidents.manager import IncidentError
from opstui.incidents.model import Incident
from tests.incidents.conftest import alert
from tests.team.conftest import StartTeam


async def test_five_consoles_merging_one_incident_have_one_winner(team: StartTeam, clock: FakeClock) -> None:
    stores, consoles = await team(5)
    await consoles[0].on_transitions([alert(AlertState.FIRING, clock.now(), severity=Severity.P1)])
    (fired,) = await consoles[0].open_incidents()
    by_hand = await consoles[1].open_manual("Checkout errors reported", Severity.P2)
    results = await asyncio.gather(*(c.merge(by_hand.id, fired.id) for c in consoles), return_exceptions=True)
    won = [r for r in results if isinstance(r, tuple)]
    assert len(won) == 1, results
    assert all(isinstance(r, IncidentError) for r in results if not isinstance(r, tuple))
    winner = won[0][0].resolved_by
    assert (
        [r for r in results if isinstance(r, IncidentError)][0]
        .args[0]
        .startswith(f"incident #{by_hand.id} is already merged into #{fired.id} by {winner}")
    )
    stored = await stores[2].get_incident(by_hand.id)
    assert stored is not None and stored.merged_into == fired.id
    notes = [e.text for e in await stores[3].events(fired.id)]
    assert sum("merged into this" in text for text in notes) == 1
    pages = [n for n in await stores[0].pending_notifications(clock.now()) if n.payload["event"] == "resolved"]
    assert len(pages) == 1


async def test_merging_each_into_the_other_at_once_leaves_one_open(team: StartTeam, clock: FakeClock) -> None:
    stores, (ana, ben) = await team(names=("ana", "ben"))
    first = await ana.open_manual("Emails missing", Severity.P2)
    second = await ben.open_manual("Order confirmations late", Severity.P2)
    results = await asyncio.gather(
        ana.merge(first.id, second.id), ben.merge(second.id, first.id), return_exceptions=True
    )
    assert sum(isinstance(r, tuple) for r in results) == 1, results
    open_now: list[Incident] = await ana.open_incidents()
    assert len(open_now) == 1
    (closed,) = [i for i in (first, second) if i.id != open_now[0].id]
    stored = await stores[1].get_incident(closed.id)
    assert stored is not None and stored.merged_into == open_now[0].id
