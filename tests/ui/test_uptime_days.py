"""Uptime on the Engineering screen comes from the history: 30 days, across restarts, not this session."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from opstui.clock import FakeClock
from opstui.config.models import Config
from opstui.core import Core
from opstui.sources.base import SourceState, SourceStatus
from opstui.ui.widgets.health_table import HealthTable
from opstui.ui.widgets.kpi_tile import KpiTile
from tests.metrics.test_uptime import write_checks
from tests.ui.conftest import START, make_app


async def test_health_table_and_uptime_tile_show_thirty_days_from_the_history(
    ui_config: Config, clock: FakeClock, tmp_path: Path
) -> None:
    # Written by earlier consoles: 14 days of checks ending now (payments down 40 minutes in all).
    core = Core(ui_config, clock, state_path=str(tmp_path / "state.db"))
    await write_checks(core.history_path(), START, days=14)
    app = make_app(core)
    async with app.run_test(size=(160, 48)) as pilot:
        app.tick()
        await pilot.pause()
        table = app.screen.query_one(HealthTable)
        assert table.label("uptime") == "Up 30d"
        # No source runs in this test: the rows come from the statuses the sources would report.
        for name in ("api", "payments"):
            core.monitor.status_changed(SourceStatus(name, "http", "x", SourceState.UP, last_check=START, checks=1))
        app.tick()
        await pilot.pause()
        assert [str(c) for c in table.get_row("api")][5] == "100.00%"
        payments = 100.0 * (1 - 40 / (14 * 1440))
        assert [str(c) for c in table.get_row("payments")][5] == f"{payments:.2f}%"  # 99.80 %, not the session's
        uptime = app.screen.query_one("#kpi-uptime_pct", KpiTile)
        value = str(uptime.query_one(".kpi-value", Static).content)
        assert value.endswith("%") and float(value.split()[1]) == pytest.approx((100.0 + payments) / 2, abs=0.01)
        assert uptime.has_class("-target")  # 99.901 % over the days on record meets the seeds' >= 99.9
