"""Replay of the incidents and their alerts: ``P`` in the live console shows the On-call screen as it was at the
cursor (an incident acknowledged at T+10m is open at T+5m and acknowledged at T+15m, and open again when the
cursor goes back), refuses every key that acts, and ``P`` goes back to the live console, which kept running.
The same scenario runs on a PostgreSQL state store and its shared history (tests/team/test_replay_pg.py)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Static
from textual.worker import WorkerCancelled

from opstui.alerts.model import Severity
from opstui.clock import FakeClock
from opstui.config.models import Config
from opstui.core import Core
from opstui.incidents.model import IncidentState
from opstui.replay import ReplayCore
from opstui.ui.app import OpstuiApp
from opstui.ui.replay_keys import IN_CONSOLE_REFUSAL
from opstui.ui.screens.oncall import IncidentDetailScreen, OnCallScreen
from opstui.ui.widgets.alerts_line import AlertsLine
from opstui.ui.widgets.incident_table import IncidentTable
from tests.ui.test_oncall import SIZE, Notices, column, fire

MINUTE = 60.0


def record_minutes(core: Core, clock: FakeClock, minutes: int) -> None:
    """Let ``minutes`` pass, a queue length recorded each minute (the history the replay plays)."""
    for _ in range(minutes):
        clock.advance(MINUTE)
        core.monitor.record("queue_length", 18.0, clock.now())


async def press(app: OpstuiApp, pilot: Pilot[int], *keys: str) -> None:
    """Press the keys, then one redraw and every read it started."""
    for key in keys:
        await pilot.press(key)
    app.tick()
    await settle(app, pilot)


async def settle(app: OpstuiApp, pilot: Pilot[int]) -> None:
    """Every worker done and the screen repainted. A screen's read is an exclusive worker: a newer one (the redraw
    timer's, a change's) cancels it, so a cancelled one is not a failure; the newer one is waited for next."""
    for _ in range(20):
        with contextlib.suppress(WorkerCancelled):
            await app.workers.wait_for_complete()
        await pilot.pause()
        if all(worker.is_finished for worker in app.workers):
            return


def badge(app: OpstuiApp) -> str:
    return str(app.screen.query_one("#hdr-badge", Static).content)


def unacked(app: OpstuiApp) -> str:
    return str(app.screen.query_one("#hdr-unacked", Static).content)


async def replay_scenario(core: Core, clock: FakeClock) -> None:
    """An incident opened at T and acknowledged by ana at T+10m; at T+20m, ``P`` and the cursor moved about."""
    notices = Notices()
    app = OpstuiApp(core)
    async with app.run_test(size=SIZE, message_hook=notices) as pilot:
        # The clock cannot go back: the hour before T is recorded as it passes, then T is where it stands.
        for _ in range(50):
            core.monitor.record("queue_length", 18.0, clock.now())
            clock.advance(MINUTE)
        opened = clock.now()
        incident_id = await fire(core, "Checkout Errors", Severity.P1)
        record_minutes(core, clock, 10)
        assert core.incidents is not None
        await core.incidents.acknowledge(incident_id, by="ana")
        record_minutes(core, clock, 10)
        await press(app, pilot, "2")
        assert isinstance(app.screen, OnCallScreen)
        assert column(app.screen.query_one(IncidentTable), "state") == ["acknowledged"]

        assert ("P", "Replay · `app.replay`", "everywhere") in app.binding_rows(), "listed in ?"
        await press(app, pilot, "P")  # replay from an hour ago: T-40m, paused
        replay = app.replay
        assert isinstance(replay, ReplayCore) and app.core is replay and app.live_core is core
        assert badge(app).startswith("REPLAY") and badge(app).endswith("paused")
        assert replay.clock.now() == opened - 40 * MINUTE
        assert ("P", "Live · `app.live`", "everywhere") in app.binding_rows()
        table = app.screen.query_one(IncidentTable)
        assert column(table, "id") == [], "not opened yet"

        await press(app, pilot, "shift+right", *["left"] * 15)  # T+5m
        assert replay.clock.now() == opened + 5 * MINUTE
        assert column(table, "id") == [str(incident_id)]
        assert column(table, "state") == ["triggered"] and column(table, "ack") == ["-"]
        assert column(table, "sla") == ["55m00s"]
        assert unacked(app) == "1 unacked"

        await press(app, pilot, "enter")  # the detail: the timeline up to the cursor
        assert isinstance(app.screen, IncidentDetailScreen) and app.screen.data is not None
        assert [e.kind.value for e in app.screen.data.events] == ["triggered"]
        await press(app, pilot, "shift+right")  # an hour on
        assert [e.kind.value for e in app.screen.data.events] == ["triggered", "acknowledged"]
        await press(app, pilot, "shift+left")
        await press(app, pilot, "escape")  # once its read is done (leaving cancels a read in flight)
        await press(app, pilot, *["right"] * 10)  # T+15m: acknowledged by ana at T+10m
        assert column(table, "state") == ["acknowledged"] and column(table, "ack") == ["ana"]
        assert unacked(app) == "0 unacked"

        await press(app, pilot, *["left"] * 10)  # back to T+5m: rebuilt, open and unacknowledged again
        assert column(table, "state") == ["triggered"] and column(table, "ack") == ["-"]
        assert unacked(app) == "1 unacked"

        # Every key that acts is hidden from the footer and refused, with why; nothing is written.
        shown = {active.binding.id for active in app.screen.active_bindings.values()}
        assert "oncall.acknowledge" not in shown and "app.live" in shown and "replay.pause" in shown
        await press(app, pilot, "a", "A", "r", "n", "c")
        assert isinstance(app.screen, OnCallScreen), "no dialog opened"
        assert notices.texts().count(IN_CONSOLE_REFUSAL) == 5
        live_events = await core.incidents.timeline(incident_id)
        assert [e.kind.value for e in live_events] == ["triggered", "acknowledged"]

        # The alerts line on the Engineering screen: the incident's alert firing at the cursor.
        await press(app, pilot, "1")
        assert "1 firing (Checkout Errors|)" in str(app.screen.query_one(AlertsLine).content)

        await press(app, pilot, "4")  # what is not replayed says so
        assert "Checklist unavailable: not replayed" in str(app.screen.query_one("#checklist-status", Static).content)

        # The live core runs on underneath: an alert firing now opens an incident the replay does not show.
        clock.advance(MINUTE)
        second = await fire(core, "Search Errors", Severity.P2)
        await press(app, pilot, "2")
        assert column(app.screen.query_one(IncidentTable), "id") == [str(incident_id)]

        await press(app, pilot, "P")  # back to live: both incidents, as they are now
        assert app.replay is None and app.core is core and replay.replayer is not None
        assert not any(not task.done() for task in replay._tasks), "the replay's loop stopped"
        await press(app, pilot, "2")
        table = app.screen.query_one(IncidentTable)
        assert sorted(column(table, "id")) == sorted([str(incident_id), str(second)])
        assert badge(app) == ""
        live = await core.incidents.get(incident_id)
        assert live is not None and live.state is IncidentState.ACKNOWLEDGED


async def test_p_replays_the_on_call_screen_at_the_cursor_and_goes_back_to_live(core: Core, clock: FakeClock) -> None:
    await replay_scenario(core, clock)


async def test_p_without_history_says_so_and_stays_live(ui_config: Config, clock: FakeClock, tmp_path: Path) -> None:
    store = ui_config.store.model_copy(update={"history": False})
    core = Core(ui_config.model_copy(update={"store": store}), clock, state_path=str(tmp_path / "state.db"))
    notices = Notices()
    app = OpstuiApp(core)
    async with app.run_test(size=SIZE, message_hook=notices) as pilot:
        await press(app, pilot, "P")
        assert app.replay is None and app.core is core
        assert "no history on disk to replay (store.history is off)" in notices.texts()
