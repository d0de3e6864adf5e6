"""``o`` on the Executive screen: the status page components with their derived status, overridden with a reason."""

from __future__ import annotations

from textual.widgets import Input, OptionList

from opstui.core import Core
from opstui.ui.screens.executive import ExecutiveScreen
from opstui.ui.widgets.components_line import ComponentsLine
from opstui.ui.widgets.override_modal import OverrideModal
from tests.ui.conftest import feed, make_app
from tests.ui.test_oncall import SIZE, settle, show_oncall


def line(app: object) -> str:
    return str(app.screen.query_one(ComponentsLine).content)  # type: ignore[attr-defined]


async def test_o_overrides_a_component_with_a_reason_then_clears_it(core: Core) -> None:
    feed(core)  # payments is down: Payment Processing is a major outage, derived
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await settle(app, pilot)
        assert isinstance(app.screen, ExecutiveScreen)
        app.tick()
        await pilot.pause()
        assert "✖ Payment Processing: major outage" in line(app)

        await pilot.press("o")
        await settle(app, pilot)
        assert isinstance(app.screen, OverrideModal)
        await pilot.press("down", "down", "enter")  # Payment Processing
        await pilot.press("down", "down", "enter")  # degraded performance
        app.screen.query_one("#reason", Input).value = "fallback provider takes payments"
        await pilot.press("enter")
        app.screen.query_one("#duration", Input).value = "2h"
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ExecutiveScreen)
        app.tick()
        await pilot.pause()
        assert "▲ Payment Processing: degraded performance (override: fallback provider takes payments)" in line(app)
        assert core.state is not None
        (stored,) = await core.state.component_overrides(core.clock.now())
        assert (stored.status, stored.until, stored.set_by) == (
            "degraded performance",
            core.clock.now() + 7200,
            core.operator,
        )

        await show_oncall(app, pilot)  # the On-call screen says the same
        assert "Payment Processing: degraded performance (override: fallback provider takes payments)" in line(app)

        await pilot.press("3")
        await settle(app, pilot)
        await pilot.press("o")
        await settle(app, pilot)
        await pilot.press("down", "down", "enter")
        options = app.screen.query_one("#status", OptionList)
        options.highlighted = options.option_count - 1  # clear the override
        await pilot.press("enter")
        await settle(app, pilot)
        app.tick()
        await pilot.pause()
        assert "✖ Payment Processing: major outage" in line(app)
        assert await core.state.component_overrides(core.clock.now()) == []


async def test_an_override_without_a_reason_is_refused(core: Core) -> None:
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await settle(app, pilot)
        await pilot.press("o")
        await settle(app, pilot)
        await pilot.press("enter", "enter", "enter", "enter")  # Website, operational, no reason, no duration
        await settle(app, pilot)
        assert isinstance(app.screen, OverrideModal)  # still asking why
        assert app.screen.focused is app.screen.query_one("#reason", Input)
        await pilot.press("escape")
        assert core.state is not None and await core.state.component_overrides(core.clock.now()) == []
