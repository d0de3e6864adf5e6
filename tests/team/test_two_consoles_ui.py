"""Two consoles (two OpstuiApps, one event loop) on one PostgreSQL state: ``a`` on one, and the other's On-call
screen shows the acknowledgement and who made it, pushed by the change feed (the redraw timer is set to a
minute, so only NOTIFY can bring it within the second). Also: the rotation's name in the header, and what a
console does when PostgreSQL is gone (refuses the action with a clear message; nothing is shown as done)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from textual.pilot import Pilot

from opstui.alerts.model import AlertState
from opstui.clock import FakeClock
from opstui.config.incidents import StateSettings
from opstui.config.models import Config, UiSettings
from opstui.config.rotation import Rotation
from opstui.core import Core
from opstui.demo.config import demo_config
from opstui.state.postgres import describe_dsn
from opstui.ui.app import OpstuiApp
from opstui.ui.screens.oncall import OnCallScreen
from opstui.ui.widgets.incident_table import IncidentTable
from tests.incidents.conftest import alert
from tests.team.conftest import FEED_DEADLINE
from tests.ui.conftest import make_app
from tests.ui.test_oncall import Notices, column, settle

SIZE = (120, 36)


def team_config(operator: str, dsn: str, schema: str, clock: FakeClock) -> Config:
    """The demo console without sources, on the team's schema, with a two-person rotation and a slow redraw."""
    rotation = Rotation(people=["ana", "ben"], start=datetime.fromtimestamp(clock.now() - 3600, UTC), manager="maya")
    return demo_config("http://127.0.0.1:9").model_copy(
        update={
            "environment": "test",
            "sources": [],
            "alerts": [],
            "operator": operator,
            "state": StateSettings(backend="postgres", dsn=dsn, schema=schema, timeout=2.0),
            "rotation": rotation,
            "ui": UiSettings(refresh=60.0),
        }
    )


async def oncall_table(app: OpstuiApp, pilot: Pilot[int]) -> IncidentTable:
    await pilot.press("2")
    await settle(app, pilot)
    assert isinstance(app.screen, OnCallScreen)
    app.tick()
    await settle(app, pilot)
    return app.screen.query_one(IncidentTable)


async def test_a_on_one_console_shows_on_the_other_with_who_through_the_change_feed(
    pg_dsn: str, schema: str, clock: FakeClock
) -> None:
    alice_core = Core(team_config("alice", pg_dsn, schema, clock), clock)
    bob_core = Core(team_config("bob", pg_dsn, schema, clock), clock)
    alice_app, bob_app = make_app(alice_core), make_app(bob_core)
    async with alice_app.run_test(size=SIZE) as alice, bob_app.run_test(size=SIZE) as bob:
        assert alice_core.incidents is not None and bob_core.incidents is not None, bob_core.state_error
        await alice_core.incidents.on_transitions([alert(AlertState.FIRING, clock.now())])
        alice_table = await oncall_table(alice_app, alice)
        bob_table = await oncall_table(bob_app, bob)
        assert column(bob_table, "state") == ["triggered"]
        # The rotation's primary is in every header.
        assert str(bob_app.screen.query_one("#hdr-oncall").content) == "on-call ana/ben to Mon 13:13"  # type: ignore[attr-defined]

        await alice.press("a")
        await settle(alice_app, alice)
        assert column(alice_table, "ack") == ["alice"]
        # Bob's screen is not redrawn by its timer (a minute away): the change feed must bring it.
        async with asyncio.timeout(FEED_DEADLINE):
            while column(bob_table, "ack") != ["alice"]:
                await bob_app.workers.wait_for_complete()
                await bob.pause()
        assert column(bob_table, "state") == ["acknowledged"]


async def test_losing_the_race_on_screen_says_who_won_and_when(pg_dsn: str, schema: str, clock: FakeClock) -> None:
    alice_core = Core(team_config("alice", pg_dsn, schema, clock), clock)
    bob_core = Core(team_config("bob", pg_dsn, schema, clock), clock)
    notices = Notices()
    alice_app, bob_app = make_app(alice_core), make_app(bob_core)
    async with alice_app.run_test(size=SIZE) as alice, bob_app.run_test(size=SIZE, message_hook=notices) as bob:
        assert alice_core.incidents is not None and bob_core.incidents is not None
        await alice_core.incidents.on_transitions([alert(AlertState.FIRING, clock.now())])
        await oncall_table(alice_app, alice)
        bob_table = await oncall_table(bob_app, bob)
        # Alice's acknowledgement is committed while Bob's screen still shows it triggered; then Bob presses a.
        (incident,) = await alice_core.incidents.open_incidents()
        # Bob's console has not heard yet (a slow link): hold its change feed, or its screen may reload first,
        # dim `a` for an acknowledged incident, and the race this test is about would never be run.
        feed = next(task for task in bob_core._tasks if task.get_name() == "changes")
        feed.cancel()
        await bob.pause()  # a change message posted before the hold is handled now, not after alice's ack
        await alice_core.incidents.acknowledge(incident.id)
        await bob.press("a")
        await settle(bob_app, bob)
        # 1_790_000_000 is 14:13 UTC; the demo config's zone decides what Bob reads.
        assert notices.errors() == [f"incident #{incident.id} is already acknowledged by alice at {_hhmm(bob_core)}"]
        async with asyncio.timeout(FEED_DEADLINE):
            while column(bob_table, "ack") != ["alice"]:
                await bob_app.workers.wait_for_complete()
                await bob.pause()


async def test_with_postgresql_gone_a_is_refused_and_nothing_shows_as_done(
    pg_dsn: str, schema: str, clock: FakeClock
) -> None:
    core = Core(team_config("alice", pg_dsn, schema, clock), clock)
    notices = Notices()
    app = make_app(core)
    async with app.run_test(size=SIZE, message_hook=notices) as pilot:
        assert core.incidents is not None and core.state is not None
        await core.incidents.on_transitions([alert(AlertState.FIRING, clock.now())])
        table = await oncall_table(app, pilot)
        assert column(table, "state") == ["triggered"]
        # The database goes away under the console (every pooled connection dropped, the pool closed).
        core.state._pool.terminate()  # type: ignore[attr-defined]
        core.monitor.record("error_rate", 0.4, clock.now())  # live metrics keep flowing meanwhile
        await pilot.press("a")
        await settle(app, pilot)
        [refused] = notices.errors()
        # One line naming the server (never the DSN's password) and what went wrong.
        assert refused.startswith(f"state store {describe_dsn(pg_dsn)} schema {schema}: cannot ")
        assert refused.endswith("the connection to PostgreSQL was lost")
        assert column(table, "state") == ["triggered"]  # not shown as acknowledged
        assert core.monitor.store.latest("error_rate") == (clock.now(), 0.4)


def _hhmm(core: Core) -> str:
    return datetime.fromtimestamp(core.clock.now(), ZoneInfo(core.config.timezone)).strftime("%H:%M")
