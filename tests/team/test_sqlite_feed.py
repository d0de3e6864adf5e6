"""The same change-feed, audit and claim API on SQLite (polled on the injected clock)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from opstui.alerts.model import AlertState
from opstui.clock import FakeClock
from opstui.config.incidents import IncidentSettings
from opstui.incidents.manager import IncidentManager
from opstui.state import SqliteState
from tests.incidents.conftest import alert
from tests.team.conftest import FEED_DEADLINE


async def test_sqlite_follows_changes_by_polling_on_the_clock(tmp_path: Path, clock: FakeClock) -> None:
    async with SqliteState(tmp_path / "a.db", clock) as writer, SqliteState(tmp_path / "a.db", clock) as reader:
        feed = await reader.subscribe()
        manager = IncidentManager(writer, clock, IncidentSettings(), operator="alice", host="box")
        await manager.on_transitions([alert(AlertState.FIRING, clock.now())])
        first = await asyncio.wait_for(anext(feed), FEED_DEADLINE)  # read straight away: written before the first poll
        assert (first.kind, first.seq) == ("incident", 1)
        await manager.acknowledge(first.ref)
        waiting = asyncio.ensure_future(anext(feed))
        while not waiting.done():  # the feed sleeps on the fake clock between polls; move it on
            clock.advance(0.5)
            await asyncio.sleep(0)
        assert (await waiting).kind == "event"  # the rest of the first commit comes before the acknowledgement
        await feed.aclose()  # type: ignore[attr-defined]


async def test_sqlite_audit_and_claims(tmp_path: Path, clock: FakeClock) -> None:
    async with SqliteState(tmp_path / "a.db", clock) as state:
        manager = IncidentManager(state, clock, IncidentSettings(), operator="alice", host="box")
        await manager.on_transitions([alert(AlertState.FIRING, clock.now())])
        (incident,) = await manager.open_incidents()
        await manager.acknowledge(incident.id)
        assert [(e.actor, e.action) for e in await state.audit(0)] == [
            ("opstui", "incident triggered"),
            ("alice", "incident acknowledged"),
        ]
        assert len(await state.claim_notifications(clock.now(), lease=60)) == 1
        assert await state.claim_notifications(clock.now(), lease=60) == []
        assert len(await state.claim_notifications(clock.now() + 61, lease=60)) == 1
