"""Sources in an open maintenance window are marked ``maintenance`` on every pane: the health table, the KPI
tiles (Engineering and Executive), the status page components and the header, never as down and never as calm."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from opstui.clock import FakeClock
from opstui.config.maintenance import MaintenanceWindow
from opstui.config.models import Config
from opstui.core import Core
from opstui.incidents.maintenance import Maintenance
from opstui.statuspage.derive import derive
from opstui.statuspage.model import ComponentStatus
from opstui.ui.widgets.components_line import ComponentsLine
from opstui.ui.widgets.executive_tile import ExecutiveTile
from opstui.ui.widgets.health_table import HealthTable
from opstui.ui.widgets.kpi_tile import KpiTile
from tests.ui.conftest import START, feed, make_app
from tests.ui.test_oncall import settle, show_oncall

DRILL = MaintenanceWindow.model_validate(
    {
        "name": "payments rollback drill",
        "matchers": 'alertname=~"Service Down|Payment System Down", source="payments"',
        "from": "2026-09-21T14:00:00+00:00",  # START is 14:13:20 UTC
        "to": "2026-09-21T15:00:00+00:00",
    }
)


def window(**fields: object) -> MaintenanceWindow:
    return MaintenanceWindow.model_validate(
        {"name": "w", "from": "2026-09-21T14:00:00+00:00", "to": "2026-09-21T15:00:00+00:00", **fields}
    )


@pytest.mark.parametrize(
    ("fields", "covered"),
    [
        ({"matchers": 'source="payments"'}, {"payments"}),
        ({"matchers": 'alertname="Service Down", source=~"api|homepage"'}, {"api", "homepage"}),
        ({"matchers": 'alertname="Service Down", source!="api"'}, {"homepage", "payments", "db"}),
        ({"matchers": 'alertname="Database Connection Lost"'}, set()),  # no source named: no pane marked
        ({"matchers": 'alertname="Database Connection Lost"', "sources": ["db"]}, {"db"}),
    ],
)
def test_which_sources_a_window_marks(fields: dict[str, object], covered: set[str]) -> None:
    windows = Maintenance([window(**fields)])
    names = ["api", "homepage", "payments", "db"]
    assert set(windows.sources_at(START, names)) == covered
    assert windows.sources_at(START + 3600, names) == {}  # closed at 15:00


@pytest.fixture
def drill_core(ui_config: Config, clock: FakeClock, tmp_path: Path) -> Core:
    config = ui_config.model_copy(update={"maintenance": [DRILL]})
    return Core(config, clock, state_path=str(tmp_path / "state.db"))


async def test_every_pane_marks_the_source_under_maintenance(drill_core: Core, clock: FakeClock) -> None:
    core = drill_core
    feed(core)  # payments is down (HTTP 503)
    core.monitor.sink_for(None, "payments").record("payment_success_rate", 97.0, clock.now())
    app = make_app(core)
    async with app.run_test(size=(160, 48)) as pilot:
        app.tick()
        await pilot.pause()
        row = [str(cell) for cell in app.screen.query_one(HealthTable).get_row("payments")]
        assert row[1] == "◇ maintenance"  # not "✖ down"
        assert row[7] == "payments rollback drill: down, HTTP 503 (expected 200)"
        assert [str(cell) for cell in app.screen.query_one(HealthTable).get_row("api")][1] == "● up"
        tile = app.screen.query_one("#kpi-payment_success_rate", KpiTile)
        assert tile.has_class("-maintenance") and tile.border_subtitle == "maintenance"
        assert not app.screen.query_one("#kpi-error_rate", KpiTile).has_class("-maintenance")
        status = app.screen.query_one("#hdr-status", Static)
        # Said, as a warning term, not as an outage (the uptime KPI, computed from the checks, is critical).
        assert str(status.tooltip).split("; ") == ["Uptime critical", "payments down (maintenance)"]
        assert core.overall_status().causes[-1] == "payments down (maintenance)"

        await pilot.press("3")
        await settle(app, pilot)
        executive = app.screen.query_one("#kpi-payment_success_rate", ExecutiveTile)
        assert executive.border_subtitle == "maintenance"

        await show_oncall(app, pilot)
        line = str(app.screen.query_one(ComponentsLine).content)
        assert "Payment Processing: under maintenance" in line

        clock.advance(47 * 60)  # 15:00:20: the window closed
        await pilot.press("1")
        await settle(app, pilot)
        app.tick()
        await pilot.pause()
        assert str(app.screen.query_one(HealthTable).get_row("payments")[1]) == "✖ down"
        assert not app.screen.query_one("#kpi-payment_success_rate", KpiTile).has_class("-maintenance")
        causes = core.overall_status().causes
        assert "payments down" in causes  # an outage again
        assert not any("maintenance" in cause for cause in causes)


def test_a_component_under_maintenance_is_said_so_and_an_incident_still_makes_it_worse() -> None:
    from opstui.config.status_page import StatusPageSettings
    from opstui.sources.base import SourceState

    components = StatusPageSettings().components
    states = {
        s.name: s for s in derive(components, [], {"payments": SourceState.DOWN}, maintenance={"payments": "drill"})
    }
    assert states["Payment Processing"].status is ComponentStatus.UNDER_MAINTENANCE
    assert states["Payment Processing"].reasons == ("payments maintenance: drill",)
    assert states["Payment Processing"].status.rank < ComponentStatus.DEGRADED_PERFORMANCE.rank
