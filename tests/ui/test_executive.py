"""The Executive screen without a database: it says how to connect one and shows the payment stream."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from opstui.clock import FakeClock
from opstui.config.models import Config, Kpi
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


async def test_web_vitals_and_product_events_show_with_their_ratings(core: Core, clock: FakeClock) -> None:
    from opstui.sources.events import BusinessEvent, WebVitalEvent

    feed(core)
    app = make_app(core, demo=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        app.tick()
        await pilot.pause()
        assert not app.screen.query_one("#vital-tiles").display, "no vitals yet: no row of empty tiles"
        now = clock.now()
        vitals = [WebVitalEvent(now, "LCP", 4500.0 + i, "/checkout") for i in range(4)]
        vitals += [WebVitalEvent(now, "INP", 150.0, "/"), WebVitalEvent(now, "CLS", 0.2, "/")]
        products = [BusinessEvent(now, "donation", 25.0), BusinessEvent(now, "donation", 12.5)]
        core.monitor.ingest(vitals + products)
        core.monitor.refresh()
        app.tick()
        await pilot.pause()
        screen = app.screen
        assert screen.query_one("#vital-tiles").display
        lcp = screen.query_one("#kpi-web-vital-lcp", ExecutiveTile)
        assert lcp.has_class("-critical") and lcp.border_subtitle == "≤2.5s"
        p75 = core.monitor.store.value("web_vital_p75", {"name": "LCP"})
        assert p75 is not None and abs(p75 - 4502.0) <= 0.01 * 4502.0  # x[floor(0.75 * 3)], within the sketch's 1 %
        assert str(lcp.query_one(".kpi-value", Static).content) == f"✖ {p75:,.0f} ms"
        assert screen.query_one("#kpi-web-vital-inp", ExecutiveTile).has_class("-target")
        assert screen.query_one("#kpi-web-vital-cls", ExecutiveTile).has_class("-warning")
        assert screen.query_one("#kpi-web-vital-ttfb", ExecutiveTile).has_class("-no-data")
        from textual.widgets import DataTable

        product = screen.query_one("#product-table DataTable", DataTable)
        assert [str(c) for c in product.get_row_at(0)] == ["donation", "2", "37.50", "12.0"]
        pages = screen.query_one("#page-vitals DataTable", DataTable)
        assert [str(pages.get_row_at(i)[0]) for i in range(pages.row_count)] == ["/checkout", "/"]
        clock.advance(11.0)  # the stream said nothing for longer than its stale_after (10 s in the demo)
        core.monitor.freshness.stream_stale_after = 10.0
        app.tick()
        await pilot.pause()
        assert lcp.has_class("-stale") and lcp.border_subtitle == "stale 11s"


async def test_a_kpi_tile_can_show_one_labelled_series(ui_config: Config, clock: FakeClock, tmp_path: Path) -> None:
    from opstui.sources.events import BusinessEvent

    kpi = Kpi.model_validate(
        {
            "metric": 'business_sum{name="donation"}',
            "label": "Donations",
            "unit": "$",
            "target": "> 100",
            "screen": "executive",
        }
    )
    config = ui_config.model_copy(update={"kpis": [*ui_config.kpis, kpi]})
    core = Core(config, clock, state_path=str(tmp_path / "state.db"))
    now = clock.now()
    core.monitor.ingest(
        [BusinessEvent(now, "donation", 60.0), BusinessEvent(now, "donation", 70.25), BusinessEvent(now, "signup")]
    )
    core.monitor.refresh()
    app = make_app(core)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        app.tick()
        await pilot.pause()
        tile = app.screen.query_one("#kpi-business_sum-name-donation", ExecutiveTile)
        assert str(tile.query_one(".kpi-value", Static).content) == "● $130.25"
        assert tile.has_class("-target")


def test_a_kpi_metric_must_be_a_series() -> None:
    import pytest
    from pydantic import ValidationError

    for bad in ("business_sum{name=donation}", "two words", 'x{a="1" b="2"}'):
        with pytest.raises(ValidationError, match="metric"):
            Kpi.model_validate({"metric": bad})
    assert Kpi.model_validate({"metric": 'business_count{name="signup"}'}).metric == 'business_count{name="signup"}'
