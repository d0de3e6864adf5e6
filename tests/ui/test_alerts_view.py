"""The alerts view (``L`` on the On-call screen): every rule's state, value, since when, labels, last error;
silenced alerts say so; ``/`` filters; ``escape`` clears the filter, then goes back."""

from __future__ import annotations

from textual.widgets import DataTable, Input

from opstui.alerts.model import AlertState
from opstui.clock import FakeClock
from opstui.core import Core
from opstui.ui.screens.alerts import AlertsScreen
from opstui.ui.screens.oncall import OnCallScreen
from tests.ui.conftest import HEALTHY, feed, make_app
from tests.ui.test_oncall import SIZE, settle, show_oncall


def lines(screen: AlertsScreen) -> dict[str, list[str]]:
    """Rule -> its first line's cells (the built-in rules have no labels: one line each)."""
    table = screen.query_one(DataTable)
    out: dict[str, list[str]] = {}
    for i in range(table.row_count):
        cells = [str(cell) for cell in table.get_row_at(i)]
        out.setdefault(cells[0], cells)
    return out


def test_overview_lists_every_rule_once_with_its_metric_now(core: Core, clock: FakeClock) -> None:
    feed(core, {**HEALTHY, "error_rate": 6.2})
    core.alerts.evaluate()
    rows = core.alerts.overview()
    assert [r.rule for r in rows] == [rule.name for rule in core.alerts.rules]
    by_rule = {r.rule: r for r in rows}
    assert (by_rule["High Error Rate"].state, by_rule["High Error Rate"].since) == (AlertState.PENDING, clock.now())
    quiet = by_rule["Slow Response Time"]
    assert quiet.state is AlertState.INACTIVE and quiet.since is None
    assert quiet.value == core.monitor.store.value(quiet.metric or "")


async def test_alerts_view_states_silenced_filter_and_errors(core: Core, clock: FakeClock) -> None:
    feed(core, {**HEALTHY, "error_rate": 6.2})
    core.alerts.evaluate()
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        assert core.incidents is not None
        clock.advance(300)
        core.monitor.record("error_rate", 6.4, clock.now())
        await core.evaluate_once()  # High Error Rate fires (and opens an incident)
        await show_oncall(app, pilot)
        await pilot.press("L")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, AlertsScreen)
        app.tick()
        await pilot.pause()
        seen = lines(screen)
        assert seen["High Error Rate"][1:5] == ["firing", "P1", "6.4", "14:18:20"]
        assert seen["Elevated Error Rate"][1] == "pending"
        assert seen["Slow Response Time"][1] == "inactive"

        await core.incidents.silence('alertname="Elevated Error Rate"', "known, fix deploying", duration=3600)
        core.alerts.errors["Email Delivery Issues"] = "ValueError: unknown function 'rat'"
        await core.evaluate_once()
        core.alerts.errors["Email Delivery Issues"] = "ValueError: unknown function 'rat'"  # a rule still broken
        app.tick()
        await pilot.pause()
        seen = lines(screen)
        assert seen["Elevated Error Rate"][1] == "silenced"
        assert seen["Email Delivery Issues"][5].startswith("⚠ ValueError: unknown function")
        title = str(screen.query_one("#alerts-title").render())
        assert "1 firing, 0 pending, 1 silenced, 0 inhibited · 1 failing to evaluate" in title

        await pilot.press("slash")
        await pilot.press(*"silenced")
        await pilot.pause()
        assert list(lines(screen)) == ["Elevated Error Rate"]
        await pilot.press("enter", "escape")  # leave the box, then clear the filter
        await pilot.pause()
        assert screen.query_one("#alerts-filter", Input).value == ""
        assert len(lines(screen)) > 1
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, OnCallScreen)
