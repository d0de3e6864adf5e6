"""Several consoles on one PostgreSQL schema: live, exactly once, and nothing missed after a cut."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import asyncpg
import pytest

from opstui.alerts.model import AlertState
from opstui.clock import FakeClock
from opstui.incidents.manager import AlreadyHandled
from opstui.incidents.model import EventKind, Incident, IncidentState
from opstui.state import StateError, Tick, TickKind
from opstui.state.changes import Change
from opstui.state.migrations_pg import LATEST_VERSION, MIGRATIONS
from opstui.state.postgres import PostgresState
from tests.incidents.conftest import alert
from tests.team.conftest import FEED_DEADLINE, StartTeam, console

MakeState = Callable[..., PostgresState]


async def next_change(feed: AsyncIterator[Change], kind: str) -> Change:
    """The next change of ``kind``; the caller bounds the wait with a timeout (no sleeping, no polling)."""
    async for change in feed:
        if change.kind == kind:
            return change
    raise AssertionError("the feed ended")


async def test_migrations_run_once_when_five_consoles_start_together(
    make_state: MakeState, admin: asyncpg.Connection, schema: str
) -> None:
    stores = [make_state() for _ in range(5)]
    await asyncio.gather(*(store.open() for store in stores))
    try:
        assert {store.schema_version for store in stores} == {LATEST_VERSION}
        rows = await admin.fetch(f'SELECT version FROM "{schema}".schema_version ORDER BY version')
        assert [row["version"] for row in rows] == [m.version for m in MIGRATIONS]
    finally:
        await asyncio.gather(*(store.close() for store in stores))


async def test_an_acknowledgement_on_one_console_reaches_the_other_through_the_change_feed(
    make_state: MakeState, clock: FakeClock
) -> None:
    async with make_state() as alice_state, make_state() as bob_state:
        alice, bob = console(alice_state, clock, "alice"), console(bob_state, clock, "bob")
        await alice.on_transitions([alert(AlertState.FIRING, clock.now())])
        (incident,) = await bob.open_incidents()
        feed = await bob_state.subscribe()
        watching = asyncio.ensure_future(next_change(feed, "incident"))
        await alice.acknowledge(incident.id)
        change = await asyncio.wait_for(watching, FEED_DEADLINE)
        assert change.ref == incident.id
        seen = await bob.get(incident.id)
        assert seen is not None
        assert (seen.state, seen.acknowledged_by) == (IncidentState.ACKNOWLEDGED, "alice")
        await feed.aclose()  # type: ignore[attr-defined]


LISTENER = "SELECT {what} FROM pg_stat_activity WHERE query LIKE 'LISTEN %' AND query LIKE '%' || $1 || '%'"
"""The listener connections of one store (other tests may be listening on other schemas)."""


async def test_twenty_concurrent_acknowledgements_have_exactly_one_winner(team: StartTeam, clock: FakeClock) -> None:
    consoles = (await team(20)).consoles
    await consoles[0].on_transitions([alert(AlertState.FIRING, clock.now())])
    (incident,) = await consoles[0].open_incidents()
    results = await asyncio.gather(*(c.acknowledge(incident.id) for c in consoles), return_exceptions=True)
    won = [r for r in results if isinstance(r, Incident)]
    assert len(won) == 1, f"exactly one console owns it: {results}"
    winners = {won[0].acknowledged_by}
    # Every other console is told who was first (and when), never that it acknowledged.
    lost = [r for r in results if isinstance(r, AlreadyHandled)]
    assert len(lost) == 19 and {(r.by, r.at) for r in lost} == {(won[0].acknowledged_by, won[0].acknowledged_at)}
    events = await consoles[0].timeline(incident.id)
    acks = [e for e in events if e.kind is EventKind.ACKNOWLEDGED]
    assert len(acks) == 1
    assert acks[0].actor in winners


async def test_two_consoles_on_one_breached_rule_open_one_incident_and_send_one_notification(
    make_state: MakeState, clock: FakeClock
) -> None:
    async with make_state() as first_state, make_state() as second_state:
        first, second = console(first_state, clock, "alice"), console(second_state, clock, "bob")
        firing = alert(AlertState.FIRING, clock.now(), rule="Service Down")
        await asyncio.gather(first.on_transitions([firing]), second.on_transitions([firing]))
        incidents = await first.all_incidents()
        assert len(incidents) == 1
        pending = await first_state.pending_notifications(clock.now())
        assert [n.payload["event"] for n in pending] == ["triggered"]
        # Both consoles run a dispatcher: only one of them gets the notification to send.
        claims = await asyncio.gather(
            first_state.claim_notifications(clock.now(), lease=60),
            second_state.claim_notifications(clock.now(), lease=60),
        )
        assert sorted(len(claim) for claim in claims) == [0, 1]


async def test_a_cut_listener_reconnects_and_misses_nothing(
    make_state: MakeState, admin: asyncpg.Connection, clock: FakeClock
) -> None:
    async with make_state() as writer_state, make_state() as reader_state:
        writer = console(writer_state, clock, "alice")
        feed = await reader_state.subscribe()
        seen: list[Change] = []

        async def collect(count: int) -> None:
            async for change in feed:
                if change.kind == "incident":
                    seen.append(change)
                    if len(seen) == count:
                        return

        collector = asyncio.ensure_future(collect(3))
        await writer.on_transitions([alert(AlertState.FIRING, clock.now(), rule="A")])
        # Cut the listener's connection, then write while it is away.
        killed = await admin.fetchval(LISTENER.format(what="COUNT(pg_terminate_backend(pid))"), reader_state.channel)
        assert killed == 1
        await writer.on_transitions([alert(AlertState.FIRING, clock.now(), rule="B")])
        await writer.on_transitions([alert(AlertState.FIRING, clock.now(), rule="C")])
        await asyncio.wait_for(collector, 5.0)
        titles = {(await reader_state.get_incident(c.ref)).title for c in seen}  # type: ignore[union-attr]
        assert titles == {"A", "B", "C"}
        assert [c.seq for c in seen] == sorted(c.seq for c in seen)
        await feed.aclose()  # type: ignore[attr-defined]


async def test_errors_are_one_line_and_never_show_the_password(clock: FakeClock) -> None:
    store = PostgresState("postgresql://opstui:s3cret-pw@127.0.0.1:1/team", clock, timeout=2)
    with pytest.raises(StateError) as info:
        await store.open()
    message = str(info.value)
    assert "s3cret-pw" not in message
    assert "\n" not in message
    assert "127.0.0.1:1/team" in message


async def test_calls_on_a_closed_store_fail_clearly(make_state: MakeState) -> None:
    with pytest.raises(StateError, match="not open"):
        await make_state().open_incidents()


async def test_audit_lists_who_did_what_from_where(pg_state: PostgresState, clock: FakeClock) -> None:
    alice = console(pg_state, clock, "alice")
    start = clock.now()
    await alice.on_transitions([alert(AlertState.FIRING, start)])
    (incident,) = await alice.open_incidents()
    clock.advance(60)
    await alice.acknowledge(incident.id)
    entries = await pg_state.audit(start)
    assert [(e.actor, e.action) for e in entries] == [
        ("opstui", "incident triggered"),
        ("alice", "incident acknowledged"),
    ]
    assert entries[1].host == "alice-laptop"
    assert entries[1].subject == f"incident #{incident.id}"


async def test_the_change_feed_table_is_pruned_at_open(
    make_state: MakeState, admin: asyncpg.Connection, schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with make_state() as state:
        for n in range(5):
            await state.add_tick(_tick(n))
    monkeypatch.setattr("opstui.state.postgres.CHANGES_KEPT", 2)
    async with make_state() as state:
        assert [c.seq for c in await state.changes_since(0)] == [4, 5]


def _tick(n: int) -> Tick:
    return Tick(f"task{n}", 0.0, float(n), TickKind.DONE, "alice", "box")
