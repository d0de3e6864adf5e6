"""Two consoles' cores on one PostgreSQL state: one's acknowledgement wakes the other's screens."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from opstui.alerts.model import AlertState
from opstui.clock import FakeClock
from opstui.config.models import Config
from opstui.core import Core
from opstui.incidents.model import IncidentState
from tests.incidents.conftest import alert
from tests.team.conftest import FEED_DEADLINE

MakeCore = Callable[[str], Core]


def woken(core: Core) -> asyncio.Event:
    """An event the core's change listener sets: how a test waits for "the shared state moved"."""
    event = asyncio.Event()
    core.on_change(lambda _version: event.set())
    return event


@pytest.fixture
async def make_core(pg_dsn: str, schema: str, clock: FakeClock) -> AsyncIterator[MakeCore]:
    cores: list[Core] = []

    def make(operator: str) -> Core:
        config = Config.model_validate(
            {"operator": operator, "alerts": [], "state": {"backend": "postgres", "dsn": pg_dsn, "schema": schema}}
        )
        core = Core(config, clock)
        cores.append(core)
        return core

    yield make
    for core in cores:
        await core.stop()


async def test_an_acknowledgement_on_one_core_wakes_the_other_through_the_change_feed(make_core: MakeCore) -> None:
    alice, bob = make_core("alice"), make_core("bob")
    await asyncio.gather(alice.start(), bob.start())
    assert alice.incidents is not None and bob.incidents is not None, (alice.state_error, bob.state_error)
    await alice.incidents.on_transitions([alert(AlertState.FIRING, 1_790_000_000.0)])
    (incident,) = await bob.incidents.open_incidents()
    await _settled(bob)
    assert bob.header_counts().unacknowledged == 1, "the feed counted alice's new incident in bob's header"
    seen = bob.state_version
    bob_woken = woken(bob)
    await alice.incidents.acknowledge(incident.id)
    await asyncio.wait_for(bob_woken.wait(), FEED_DEADLINE)
    assert bob.state_version > seen
    shown = await bob.incidents.get(incident.id)
    assert shown is not None
    assert (shown.state, shown.acknowledged_by) == (IncidentState.ACKNOWLEDGED, "alice")
    await _settled(bob)
    assert (bob.header_counts().unacknowledged, bob.header_counts().banner) == (0, None)


async def _settled(core: Core) -> None:
    """Let the feed report the incident's opening (its triggers fire once per row) before we watch."""
    assert core.state is not None
    last = await core.state.last_change()
    changed = woken(core)
    async with asyncio.timeout(5):
        while core.state_version < last:
            changed.clear()
            await changed.wait()


async def test_a_tick_on_one_core_shows_in_the_others_checklist_through_the_change_feed(
    pg_dsn: str, schema: str, clock: FakeClock
) -> None:
    """The checklist's own turn is every 5 s of clock time; the fake clock never gets there, so only the
    change feed can bring alice's tick to bob's board."""
    cores = []
    for operator in ("alice", "bob"):
        config = Config.model_validate(
            {
                "operator": operator,
                "alerts": [],
                "launch_at": "2026-09-21T00:00:00Z",
                "checklist": [{"title": "Check the health endpoint", "every": "5m"}],
                "state": {"backend": "postgres", "dsn": pg_dsn, "schema": schema},
            }
        )
        cores.append(Core(config, clock))
    alice, bob = cores
    try:
        await asyncio.gather(alice.start(), bob.start())
        assert alice.checklist is not None and bob.checklist is not None, (alice.state_error, bob.state_error)
        task_id = "check-the-health-endpoint"
        assert bob.checklist.view(task_id).last is None
        bob_woken = woken(bob)
        await alice.checklist.tick(task_id, value="api up")
        async with asyncio.timeout(FEED_DEADLINE):
            while bob.checklist.view(task_id).last is None:
                bob_woken.clear()
                await bob_woken.wait()
        last = bob.checklist.view(task_id).last
        assert last is not None and (last.actor, last.value) == ("alice", "api up")
    finally:
        await asyncio.gather(alice.stop(), bob.stop())
