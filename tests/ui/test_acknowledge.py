"""Acknowledge exactly what you mean: the banner key, `2 a` after a new P0, `a` on an acknowledged row,
home/end, and the incident keys in the detail view. Every notice names the incident it acted on."""

from __future__ import annotations

from opstui.alerts.model import Severity
from opstui.clock import FakeClock
from opstui.core import Core
from opstui.incidents.model import IncidentState
from opstui.ui.screens.engineering import EngineeringScreen
from opstui.ui.screens.oncall import IncidentDetailScreen, OnCallScreen
from opstui.ui.widgets.incident_modals import ConfirmModal
from tests.ui.conftest import make_app
from tests.ui.test_oncall import SIZE, Notices, column, fire, on_call_with_an_incident, settle, show_oncall


async def state_of(core: Core, incident_id: int) -> IncidentState:
    assert core.incidents is not None
    incident = await core.incidents.get(incident_id)
    assert incident is not None
    return incident.state


async def test_2_a_after_a_new_p0_acknowledges_the_p0_not_the_acknowledged_p2(core: Core) -> None:
    notices = Notices()
    app = make_app(core)
    async with app.run_test(size=SIZE, message_hook=notices) as pilot:
        p2 = await fire(core, "Elevated Error Rate", Severity.P2)
        assert core.incidents is not None
        await core.incidents.acknowledge(p2)
        table = await show_oncall(app, pilot)
        assert table.selected_id == p2
        await pilot.press("1")
        await settle(app, pilot)
        p0 = await fire(core, "Payment System Down", Severity.P0, runbook="payment-system-down")
        await pilot.press("2", "a")  # no pause between: the key must wait for the fresh list
        await settle(app, pilot)
        assert await state_of(core, p0) is IncidentState.ACKNOWLEDGED
        assert table.selected_id == p0
        assert f"#{p0} P0 Payment System Down acknowledged" in notices.texts()
        assert notices.errors() == []


async def test_the_cursor_never_moves_under_a_user_on_the_screen(core: Core) -> None:
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        first = await fire(core, "Elevated Error Rate", Severity.P2)
        second = await fire(core, "Disk Filling", Severity.P3)
        table = await show_oncall(app, pilot)
        await pilot.press("down")
        assert table.selected_id == second
        await fire(core, "Payment System Down", Severity.P0)  # sorts above both while the user is here
        app.tick()
        await settle(app, pilot)
        assert [int(i) for i in column(table, "id")][1:] == [first, second]
        assert table.selected_id == second
        # Left and shown again with nothing new: the cursor stays where the user left it.
        await pilot.press("1")
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        assert table.selected_id == second


async def test_banner_key_acknowledges_the_banners_incident_from_any_screen(core: Core) -> None:
    notices = Notices()
    app = make_app(core)
    async with app.run_test(size=SIZE, message_hook=notices) as pilot:
        await fire(core, "Elevated Error Rate", Severity.P2)
        assert app.check_action("acknowledge_banner", ()) is False, "hidden while there is no banner"
        p0 = await fire(core, "Payment System Down", Severity.P0, runbook="payment-system-down")
        await core.refresh_attention()
        app.tick()
        await settle(app, pilot)
        assert isinstance(app.screen, EngineeringScreen)
        assert core.banner is not None and f"#{p0}" in core.banner
        assert app.check_action("acknowledge_banner", ()) is True
        banner = str(app.screen.query_one("#hdr-banner").render())
        assert banner.startswith(f"⚠ (A to ack) P0 #{p0} Payment System Down"), "the banner shows its key"
        await pilot.press("A")
        await settle(app, pilot)
        assert await state_of(core, p0) is IncidentState.ACKNOWLEDGED
        assert f"#{p0} P0 Payment System Down acknowledged" in notices.texts()
        assert core.banner is None and core.banner_incident is None
        assert app.check_action("acknowledge_banner", ()) is False


async def test_a_on_an_acknowledged_row_says_so(core: Core) -> None:
    async with on_call_with_an_incident(core) as (app, pilot, notices, incident_id):
        await pilot.press("a")
        await settle(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)
        said = [n.message for n in notices.seen if n.severity == "warning"]
        assert len(said) == 1 and said[0].startswith(
            f"#{incident_id} P1 High Error Rate is already acknowledged by you"
        )


async def test_home_and_end_go_to_the_first_and_last_incident(core: Core) -> None:
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        ids = [await fire(core, f"Rule {n}", Severity.P2) for n in range(4)]
        table = await show_oncall(app, pilot)
        await pilot.press("end")
        assert table.selected_id == ids[-1]
        await pilot.press("home")
        assert table.selected_id == ids[0]


async def test_detail_view_acknowledges_and_resolves(core: Core, clock: FakeClock) -> None:
    async with on_call_with_an_incident(core) as (app, pilot, notices, incident_id):
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, IncidentDetailScreen)
        await pilot.press("a")
        await settle(app, pilot)
        assert await state_of(core, incident_id) is IncidentState.ACKNOWLEDGED
        assert screen.data is not None and screen.data.incident.state is IncidentState.ACKNOWLEDGED
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(app, pilot)
        assert await state_of(core, incident_id) is IncidentState.RESOLVED
        assert f"#{incident_id} P1 High Error Rate resolved" in notices.texts()
        assert notices.errors() == []
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, OnCallScreen)


async def test_resolve_while_the_alert_fires_asks_with_a_warning(core: Core, clock: FakeClock) -> None:
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        firing = await fire(core)
        await show_oncall(app, pilot)
        await pilot.press("r")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ConfirmModal)
        assert "High Error Rate' is still firing; it will reopen at the next evaluation" in modal.question
        await pilot.press("y")
        await settle(app, pilot)
        assert await state_of(core, firing) is IncidentState.RESOLVED
        # An incident whose alert has cleared is resolved with the plain question.
        quiet = await fire(core, "Disk Filling", Severity.P3)
        assert core.incidents is not None
        await core.incidents.mark_cleared(quiet, clock.now(), "Disk Filling cleared")
        app.tick()
        await settle(app, pilot)
        await pilot.press("r")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ConfirmModal) and modal.question == f"Resolve #{quiet} P3 Disk Filling?"
