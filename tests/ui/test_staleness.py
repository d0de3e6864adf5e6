"""Issue 10 item 4 on screen: a real event stream on 127.0.0.1 that goes silent, the console on a fake clock.

Within the stream's ``stale_after`` the error-rate tile turns stale (last value dimmed, ``stale 11s``), the
pending High Error Rate rule leaves pending, the header says UNKNOWN, and the health table's ``Down`` grows
while the stream stays silent. Real waits are only for real I/O, bounded; clock time moves by ``advance``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

from textual.widgets import Static
from websockets.asyncio.server import ServerConnection

from opstui.alerts.model import AlertState
from opstui.clock import FakeClock
from opstui.config.models import Config
from opstui.core import Core
from opstui.sources.base import SourceState
from opstui.ui.widgets.health_table import HealthTable
from opstui.ui.widgets.kpi_tile import KpiTile
from tests.sources.conftest import WsServer, ws_server  # noqa: F401 - the fixture, used by name
from tests.ui.conftest import make_app

STALE_AFTER = 10.0


async def until(condition: Callable[[], bool]) -> None:
    """Wait (real time, bounded) for real I/O to show; clock time never moves here."""
    for _ in range(500):  # 5 s at most
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the stream's I/O did not show within 5 s")


def stream_config(ui_config: Config, url: str) -> Config:
    return Config.model_validate(
        {
            **ui_config.model_dump(by_alias=True),
            "sources": [{"name": "events", "type": "websocket", "url": url, "stale_after": f"{STALE_AFTER:g}s"}],
            "alerts": [{"name": "High Error Rate", "expr": "error_rate > 5", "for": "5m", "severity": "P1"}],
        }
    )


async def test_a_stream_that_dies_shows_stale_tiles_within_stale_after_and_the_rule_leaves_pending(
    ws_server: WsServer,  # noqa: F811 - the fixture
    ui_config: Config,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    burst = [{"type": "request", "status": 500 if i % 2 else 200, "duration_ms": 120} for i in range(200)]

    async def send_then_fall_silent(connection: ServerConnection) -> None:
        await connection.send(json.dumps(burst))  # then nothing: the producer died, the socket stays open

    ws_server.scripts = [send_then_fall_silent]
    core = Core(stream_config(ui_config, ws_server.url), clock, state_path=str(tmp_path / "state.db"))
    app = make_app(core)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(lambda: core.monitor.windows.requests_total == 200)
        last_event = clock.now()
        core.monitor.refresh()
        await core.evaluate_once()
        app.tick()
        await pilot.pause()

        error_rate = app.screen.query_one("#kpi-error_rate", KpiTile)
        assert error_rate.has_class("-critical")
        assert str(error_rate.query_one(".kpi-value", Static).content) == "✖ 50.00 %"
        assert [(a.rule, a.state) for a in core.alerts.alerts()] == [("High Error Rate", AlertState.PENDING)]

        # Silence, one second at a time: fresh up to stale_after ...
        while clock.now() - last_event < STALE_AFTER:
            clock.advance(1.0)
            core.monitor.refresh()
            await core.evaluate_once()
            app.tick()
            await pilot.pause()
            assert error_rate.has_class("-critical"), clock.now() - last_event
            assert [a.state for a in core.alerts.alerts()] == [AlertState.PENDING]

        # ... and stale one second later: the last value dimmed, how old it is where the target was.
        clock.advance(1.0)
        core.monitor.refresh()
        await core.evaluate_once()
        app.tick()
        await pilot.pause()
        assert error_rate.has_class("-stale") and not error_rate.has_class("-critical")
        assert str(error_rate.query_one(".kpi-value", Static).content) == "◌ 50.00 %"
        assert error_rate.border_subtitle == "stale 11s"
        # The pending rule left pending (stale data is absent data); the stream's own blindness is now pending.
        assert [(a.rule, a.state) for a in core.alerts.alerts()] == [("Source Down", AlertState.PENDING)]
        header = app.screen.query_one("#hdr-status", Static)
        assert "UNKNOWN" in str(header.content)
        assert "Error rate stale" in str(header.tooltip)

        # The stream's own row: stale, and down for as long as it has been silent, growing.
        await until(lambda: core.monitor.statuses["events"].state is SourceState.STALE)
        table = app.screen.query_one(HealthTable)
        app.tick()
        await pilot.pause()
        row = [str(cell) for cell in table.get_row("events")]
        assert "stale" in row[1] and row[2] == "11s"
        clock.advance(180.0)
        core.monitor.refresh()
        await until(lambda: "3m" in core.monitor.statuses["events"].reason)
        app.tick()
        await pilot.pause()
        row = [str(cell) for cell in table.get_row("events")]
        assert row[2] == "3m"
        assert row[7] == "no message for 3m11s"  # the reason's duration is current, not the 10s it first said
        assert error_rate.border_subtitle == "stale 3m"

        # Blind for source_down_after (5 minutes): the stream opens its own incident.
        clock.advance(120.0)
        core.monitor.refresh()
        await core.evaluate_once()
        assert core.incidents is not None
        (incident,) = await core.incidents.open_incidents()
        assert (incident.rule, incident.severity.value) == ("Source Down", "P1")
        assert incident.fingerprint == 'Source Down{kind="websocket",source="events"}'


async def test_a_firing_rule_whose_data_goes_stale_keeps_its_incident_open_marked_data_stale(
    ui_config: Config, clock: FakeClock, tmp_path: Path
) -> None:
    from tests.ui.test_oncall import column, settle, show_oncall

    config = Config.model_validate(
        {
            **ui_config.model_dump(by_alias=True),
            "alerts": [{"name": "DB CPU High", "expr": "db_cpu > 90", "severity": "P1"}],
            "alerting": {"source_down_after": None},
        }
    )
    core = Core(config, clock, state_path=str(tmp_path / "state.db"))
    database = core.monitor.sink_for(60.0)  # as a source with stale_after: 1m records through the monitor
    app = make_app(core)
    async with app.run_test(size=(160, 48)) as pilot:
        database.record("db_cpu", 99.0, clock.now())
        await core.evaluate_once()
        table = await show_oncall(app, pilot)
        assert column(table, "state") == ["triggered"]

        clock.advance(61.0)  # the database source went quiet: its figure is a minute old
        await core.evaluate_once()
        app.tick()
        await settle(app, pilot)
        assert column(table, "state") == ["triggered (data stale)"]  # not resolved on silence
        clock.advance(600.0)  # long past the rules' 5-minute lookback
        await core.evaluate_once()
        app.tick()
        await settle(app, pilot)
        assert column(table, "state") == ["triggered (data stale)"]
        assert core.incidents is not None
        (incident,) = await core.incidents.open_incidents()
        assert incident.alert_state.value == "firing"

        database.record("db_cpu", 30.0, clock.now())  # fresh data that no longer holds: the alert clears
        await core.evaluate_once()
        app.tick()
        await settle(app, pilot)
        assert column(table, "state") == ["triggered (alert cleared)"]
