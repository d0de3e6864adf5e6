"""The Executive screen without a database: it says how to connect one and shows the payment stream."""

from __future__ import annotations

from textual.widgets import Static

from opstui.clock import FakeClock
from opstui.core import Core
from opstui.ui.screens.executive import ExecutiveScreen
from opstui.ui.widgets.executive_tile import ExecutiveTile, business_number
from tests.ui.conftest import feed, make_app


async def test_key_3_without_a_database_says_how_to_connect_one(core: Core) -> None:
    feed(core)
    app = make_app(core, demo=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3")
        app.tick()
        await pilot.pause()
        assert isinstance(app.screen, ExecutiveScreen)
        hint = str(app.screen.query_one("#executive-hint", Static).content)
        assert "--dsn" in hint and "screen: executive" in hint
        tile = app.screen.query_one("#kpi-payment_success_rate", ExecutiveTile)
        assert str(tile.query_one(".kpi-value", Static).content) == "● 99.10 %"


async def test_a_failed_query_marks_its_tile_stale_with_the_reason(core: Core) -> None:
    feed(core)
    app = make_app(core)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3")
        core.monitor.set_metric_error("payment_success_rate", "timeout after 5s (statement_timeout)")
        app.tick()
        await pilot.pause()
        tile = app.screen.query_one("#kpi-payment_success_rate", ExecutiveTile)
        assert tile.has_class("-stale")
        assert tile.border_subtitle == "stale: timeout after 5s (statement_timeout)"
        core.monitor.set_metric_error("payment_success_rate", None)
        app.tick()
        await pilot.pause()
        assert not tile.has_class("-stale") and tile.border_subtitle == "target > 98"


async def test_an_old_value_marks_its_tile_stale_with_its_age(core: Core, clock: FakeClock) -> None:
    feed(core)  # samples no source claims: stale after two minutes
    app = make_app(core)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3")
        clock.advance(121.0)
        app.tick()
        await pilot.pause()
        tile = app.screen.query_one("#kpi-payment_success_rate", ExecutiveTile)
        assert tile.has_class("-stale")
        assert str(tile.query_one(".kpi-value", Static).content) == "◌ 99.10 %"
        assert tile.border_subtitle == "stale 2m"


def test_money_reads_like_money() -> None:
    assert business_number(1234567.4, "$") == "$1,234,567"
    assert business_number(54.2, "$") == "$54.20"
    assert business_number(None, "$") == "—"
    assert business_number(2.5, "%") == "2.50 %"
