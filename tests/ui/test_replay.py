"""Replay: the screens show what the history on disk held at the cursor; keys move the cursor."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from opstui.alerts.model import AlertState, AlertTransition, Severity
from opstui.cli import main
from opstui.clock import FakeClock
from opstui.config.incidents import IncidentSettings, StateSettings
from opstui.config.models import Config
from opstui.incidents.manager import IncidentManager
from opstui.metrics.history import History
from opstui.metrics.replay import ReplayClock
from opstui.metrics.store import MetricStore
from opstui.replay import ReplayCore
from opstui.state import SqliteState
from opstui.ui.replay_app import ReplayApp
from opstui.ui.replay_keys import REPLAY_REFUSAL
from opstui.ui.screens.oncall import OnCallScreen
from opstui.ui.widgets.event_tail import EventTail
from opstui.ui.widgets.incident_table import IncidentTable
from opstui.ui.widgets.kpi_tile import KpiTile
from tests.ui.test_oncall import Notices, column
from tests.ui.test_replay_incidents import settle

END = 1_790_000_000.0
STEP = 5.0


def queue_at(ts: float) -> float:
    """The recorded queue length: its minute of the hour, so each minute reads differently."""
    return float(int(ts // 60) % 60)


DEPLOYS = [END - 3600 + 60 * k for k in (-5, 0, 2, 9)]
"""When the recorded deploys happened: two before the test's cursor, two after."""


async def write_history(path: Path) -> None:
    clock = FakeClock(END - 2 * 3600)
    store = MetricStore(clock)
    pending: list[tuple[float, str, str, str]] = []

    def lines() -> list[tuple[float, str, str, str]]:
        taken = pending[:]
        pending.clear()
        return taken

    history = History(path, store, clock, rollup_retention=86400.0, events=lines)
    await history.open()
    while clock.now() < END:
        clock.advance(STEP)
        store.record("queue_length", queue_at(clock.now()))
        pending.extend((at, "deploy", "deploy", f"deployed v{i}") for i, at in enumerate(DEPLOYS) if at == clock.now())
        if clock.now() % 60 == 0:
            await history.flush()
    await history.close()


def tail_lines(app: ReplayApp) -> list[str]:
    table = app.screen.query_one(EventTail).table
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


def tile_value(app: ReplayApp) -> str:
    tile = app.screen.query_one("#kpi-queue_length", KpiTile)
    return str(tile.query_one(".kpi-value", Static).content)


async def test_replay_shows_the_value_a_tile_had_at_the_cursor(ui_config: Config, tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    await write_history(path)
    wall = [0.0]
    cursor = END - 3600 + 17  # 17 s into a minute
    clock = ReplayClock(cursor, speed=10.0, wall=lambda: wall[0])
    clock.pause()
    core = ReplayCore(ui_config.model_copy(update={"sources": []}), clock, path)
    app = ReplayApp(core)
    async with app.run_test(size=(120, 36)) as pilot:
        app.tick()
        await pilot.pause()
        last_point = cursor // STEP * STEP
        assert tile_value(app) == f"● {queue_at(last_point):g}"
        badge = str(app.screen.query_one("#hdr-badge", Static).content)
        assert badge.startswith("REPLAY 2026-09-21 13:13:37") and badge.endswith("paused")
        shown = tail_lines(app)  # the event tail as it was: the deploys up to the cursor, newest first
        assert len(shown) == 2 and "deployed v1" in shown[0] and "deployed v0" in shown[1]
        await pilot.press("right")  # a minute on
        await pilot.pause()
        assert tile_value(app) == f"● {queue_at(last_point + 60):g}"
        await pilot.press("left", "left")  # back before the start: the store is loaded again up to the cursor
        await pilot.pause()
        assert tile_value(app) == f"● {queue_at(last_point - 60):g}"
        app.tick()
        await pilot.pause()
        shown = tail_lines(app)  # the event tail too: the deploy a minute before the cursor is not shown yet
        assert len(shown) == 1 and "deployed v0" in shown[0]
        ring = core.monitor.store.ring("queue_length")
        assert ring is not None and ring.last() == (last_point - 60, queue_at(last_point - 60))  # nothing after it
        await pilot.press("space")  # play: ten times real time
        wall[0] += 6.0
        assert core.replayer is not None
        core.replayer.advance()
        app.tick()
        await pilot.pause()
        assert tile_value(app) == f"● {queue_at(last_point - 60 + 60):g}"
        assert str(app.screen.query_one("#hdr-badge", Static).content).endswith("▶ x10")


def test_replay_without_history_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", "--state", str(tmp_path / "state.db")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not exist" in err


async def test_opstui_replay_shows_the_incidents_at_the_cursor_and_refuses_the_keys_that_act(
    ui_config: Config, tmp_path: Path
) -> None:
    """``opstui replay`` reads the incidents from the state store beside the history, read-only."""
    path = tmp_path / "state.history.db"
    await write_history(path)
    opened = END - 3600
    clock = FakeClock(opened)
    async with SqliteState(tmp_path / "state.db", clock) as state:
        manager = IncidentManager(state, clock, IncidentSettings(), operator="ana")
        transition = AlertTransition("Checkout Errors", "Checkout Errors|", AlertState.FIRING, Severity.P0, opened, 9.0)
        await manager.on_transitions([transition])
        clock.advance(600)
        (incident,) = await manager.open_incidents()
        await manager.acknowledge(incident.id)
    replay_clock = ReplayClock(opened + 300, wall=lambda: 0.0)
    replay_clock.pause()
    config = ui_config.model_copy(update={"sources": [], "state": StateSettings(path=str(tmp_path / "state.db"))})
    notices = Notices()
    app = ReplayApp(ReplayCore(config, replay_clock, path))
    async with app.run_test(size=(120, 36), message_hook=notices) as pilot:
        await pilot.press("2")
        app.tick()
        await settle(app, pilot)
        table = app.screen.query_one(IncidentTable)
        assert column(table, "state") == ["triggered"] and column(table, "sla") == ["10m00s"]
        await pilot.press("right", "right", "right", "right", "right", "right")  # T+11m
        app.tick()
        await settle(app, pilot)
        assert column(table, "state") == ["acknowledged"] and column(table, "ack") == ["ana"]
        await pilot.press("a", "P")
        await settle(app, pilot)
        assert REPLAY_REFUSAL in notices.texts() and isinstance(app.screen, OnCallScreen)
        assert app.replay is app.core, "P leaves only a replay shown in a live console"
        bindings = {active.binding.id for active in app.screen.active_bindings.values()}
        assert "app.live" not in bindings and "app.replay" not in bindings
