"""The Routes view: `r` on Engineering shows each route's figures, sorted by the key pressed."""

from __future__ import annotations

from textual.widgets import DataTable

from opstui.clock import FakeClock
from opstui.core import Core
from opstui.sources.events import RequestEvent
from opstui.ui.screens.engineering import EngineeringScreen
from opstui.ui.screens.routes import RoutesScreen
from tests.ui.conftest import make_app


def traffic(core: Core, now: float) -> None:
    """/api/orders: 100 requests, 8 failing, fast; /api/search/:id: 20 requests, none failing, slow."""
    events = [RequestEvent(now, 500 if i < 8 else 200, 40.0, "/api/orders", "POST") for i in range(100)]
    events += [RequestEvent(now, 200, 1500.0 + i, f"/api/search/{i}", "GET") for i in range(20)]
    core.monitor.ingest(events)
    core.monitor.refresh()


async def test_routes_view_sorts_by_errors_p95_and_volume(quiet_core: Core, clock: FakeClock) -> None:
    traffic(quiet_core, clock.now())
    app = make_app(quiet_core)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, RoutesScreen)
        app.tick()
        await pilot.pause()
        table = app.screen.query_one("#routes-table", DataTable)

        def rows() -> list[list[str]]:
            return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]

        assert [r[0] for r in rows()] == ["/api/orders", "/api/search/:id"]  # by volume
        assert rows()[0][1:4] == ["100", "8", "8.00"]
        await pilot.press("p")
        app.tick()
        await pilot.pause()
        assert [r[0] for r in rows()] == ["/api/search/:id", "/api/orders"]
        assert rows()[0][3] == "0.00"
        await pilot.press("e")
        app.tick()
        await pilot.pause()
        assert rows()[0][0] == "/api/orders"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, EngineeringScreen)


def test_per_route_series_are_there_for_rules(quiet_core: Core, clock: FakeClock) -> None:
    traffic(quiet_core, clock.now())
    store = quiet_core.monitor.store
    assert store.value("route_error_rate", {"route": "/api/orders"}) == 8.0
    assert store.value("route_requests_per_min", {"route": "/api/search/:id"}) is not None
    assert store.value("error_rate") == 100.0 * 8 / 120  # the service-wide series is unchanged


def test_a_rule_on_one_route_fires_for_that_route_only(quiet_core: Core, clock: FakeClock) -> None:
    from opstui.alerts.rules import RuleEngine
    from opstui.config.alerting import AlertRule

    traffic(quiet_core, clock.now())
    rules = [
        AlertRule.model_validate({"name": "Orders failing", "expr": 'route_error_rate{route="/api/orders"} > 5'}),
        AlertRule.model_validate({"name": "Any route failing", "expr": "route_error_rate > 5"}),
    ]
    engine = RuleEngine(rules, quiet_core.monitor.store, clock)
    fired = sorted((t.rule, t.labels) for t in engine.evaluate())
    assert fired == [
        ("Any route failing", (("route", "/api/orders"),)),
        ("Orders failing", (("route", "/api/orders"),)),
    ]
