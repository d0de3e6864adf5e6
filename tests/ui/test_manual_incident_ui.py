"""``c`` on the On-call screen opens an incident by hand; ``v`` changes the selected one's severity."""

from __future__ import annotations

from textual.widgets import Input

from opstui.alerts.model import Severity
from opstui.core import Core
from opstui.incidents.model import EventKind
from opstui.ui.screens.oncall import OnCallScreen
from opstui.ui.widgets.manual_incident import NewIncidentModal, SeverityModal
from tests.ui.conftest import make_app
from tests.ui.test_oncall import SIZE, column, settle, show_oncall


async def test_c_opens_an_incident_and_v_raises_it(core: Core) -> None:
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        assert core.incidents is not None
        table = await show_oncall(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, NewIncidentModal)
        await pilot.press(*"Checkout emails missing", "enter")  # the title, then the severity list (P2)
        await pilot.press("up", "enter")  # P1, then the summary
        app.screen.query_one("#summary", Input).value = "support: 3 tickets"
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, OnCallScreen)
        assert column(table, "title") == ["Checkout emails missing"]
        (made,) = await core.incidents.open_incidents()
        assert (made.severity, made.manual, made.summary) == (Severity.P1, True, "support: 3 tickets")
        assert core.unacknowledged == 1  # the header counts it at once

        await pilot.press("v")
        await settle(app, pilot)
        assert isinstance(app.screen, SeverityModal)
        await pilot.press("up", "enter")  # P0
        await settle(app, pilot)
        assert column(table, "severity") == ["P0"]
        events = await core.incidents.timeline(made.id)
        assert events[-1].kind is EventKind.SEVERITY_CHANGED
        assert events[-1].text == f"severity P1 -> P0 by {core.operator}"
