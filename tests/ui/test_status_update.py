"""`u` on an incident: the seed's template pre-filled from the incident, posted with ctrl+s, and then on the
timeline, in the review and in the exported status page."""

from __future__ import annotations

from datetime import UTC

from textual.widgets import Input, RadioSet, TextArea

from opstui.alerts.model import Severity
from opstui.core import Core
from opstui.incidents.review import render_review
from opstui.statuspage.export import gather, render
from opstui.statuspage.model import UpdateStatus, updates_of
from opstui.statuspage.post import post_update
from opstui.ui.screens.oncall import OnCallScreen
from opstui.ui.widgets.components_line import ComponentsLine
from opstui.ui.widgets.update_modal import UpdateModal
from tests.ui.conftest import make_app
from tests.ui.test_actions import assert_quit_in_sight
from tests.ui.test_oncall import fire, settle, show_oncall


async def test_u_posts_an_update_that_lands_on_the_timeline_the_review_and_the_export(core: Core) -> None:
    app = make_app(core)
    async with app.run_test(size=(80, 24)) as pilot:
        incident_id = await fire(core, "Payment System Down", Severity.P0, runbook="payment-system-down")
        await show_oncall(app, pilot)
        assert_quit_in_sight(app.screen)
        line = str(app.screen.query_one(ComponentsLine).render())
        assert "✖ Payment Processing: major outage" in line and "● Email Delivery" in line
        await pilot.press("u")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, UpdateModal)
        assert form.query_one("#update-title", Input).value == "Payment Processing - Payment System Down"
        assert form.query_one("#update-components", Input).value == "Payment Processing"
        message = form.query_one(TextArea).text
        assert message.startswith("We are currently experiencing Payment System Down: 6.2% for 5 minutes.")
        assert "Our team is investigating and working on a resolution." in message
        pressed = form.query_one(RadioSet).pressed_button
        assert pressed is not None and str(pressed.label) == "Investigating"
        await pilot.press("right", "enter")  # Identified
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, OnCallScreen)
        assert core.incidents is not None and core.state is not None
        events = await core.incidents.timeline(incident_id)
        updates = updates_of(events)
        assert [(u.status, u.components, u.author) for u in updates] == [
            (UpdateStatus.IDENTIFIED, ("Payment Processing",), core.operator)
        ]
        incident = await core.incidents.get(incident_id)
        assert incident is not None
        assert "Status update posted: Identified" in render_review(incident, events)
        page = await gather(core.state, core.config.status_page, core.clock.now())
        assert "Payment Processing - Payment System Down" in render(page, "html", UTC)

        await pilot.press("u")  # the next one starts from the last: its status, components and message
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, UpdateModal)
        pressed = form.query_one(RadioSet).pressed_button
        assert pressed is not None and str(pressed.label) == "Identified"
        assert form.query_one(TextArea).text == updates[0].message
        form.query_one("#update-components", Input).value = "Payment Processing, Billing"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, UpdateModal)  # an unknown component is refused, the form stays
        await pilot.press("escape")
        await settle(app, pilot)
        assert len(updates_of(await core.incidents.timeline(incident_id))) == 1


async def test_shift_h_writes_the_handoff_beside_the_state_database(core: Core) -> None:
    app = make_app(core)
    async with app.run_test(size=(80, 24)) as pilot:
        await fire(core, "Payment System Down", Severity.P0, runbook="payment-system-down")
        await show_oncall(app, pilot)
        await pilot.press("H")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, OnCallScreen) and screen.last_handoff is not None
        assert screen.last_handoff.parent == core.state_settings.resolved_path().parent / "handoffs"
        text = screen.last_handoff.read_text()
        assert "- **#1 P0 Payment System Down**: opened" in text and "## Checklist" in text


async def test_a_p0_without_a_public_update_for_update_every_nags_under_the_header(core: Core) -> None:
    app = make_app(core)
    async with app.run_test(size=(80, 24)) as pilot:
        incident_id = await fire(core, "Payment System Down", Severity.P0, runbook="payment-system-down")
        await fire(core, "Elevated Error Rate", Severity.P2)  # a P2 never nags
        await core.refresh_update_nag()
        assert core.update_nag is None  # just opened
        core.clock.advance(31 * 60)  # type: ignore[attr-defined]
        await core.refresh_update_nag()
        assert core.update_nag == "#1 P0 Payment System Down: no public update for 31m00s"
        app.tick()
        await settle(app, pilot)
        nag = app.screen.query_one("#hdr-update-nag")
        assert nag.display and "no public update for 31m00s" in str(nag.render())
        assert core.incidents is not None
        await post_update(core.incidents, incident_id, UpdateStatus.INVESTIGATING, [], "Payments", "Looking.")
        await core.refresh_update_nag()
        assert core.update_nag is None
        app.tick()
        await settle(app, pilot)
        assert not app.screen.query_one("#hdr-update-nag").display
