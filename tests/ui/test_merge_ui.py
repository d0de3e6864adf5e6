"""``J`` on the On-call screen: mark an incident, ``J`` on another merges it there after a confirmation."""

from __future__ import annotations

from textual.widgets import Static

from opstui.alerts.model import Severity
from opstui.core import Core
from opstui.incidents.model import EventKind, IncidentState
from opstui.ui.screens.oncall import OnCallScreen
from opstui.ui.widgets.incident_modals import ConfirmModal
from tests.ui.conftest import make_app
from tests.ui.test_oncall import SIZE, column, fire, settle, show_oncall


def status(app: object) -> str:
    return str(app.screen.query_one("#oncall-status", Static).content)  # type: ignore[attr-defined]


async def test_j_marks_then_j_on_another_merges_it_there(core: Core) -> None:
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        assert core.incidents is not None
        fired = await fire(core, "Payment System Down", Severity.P0, runbook="payment-failures")
        by_hand = (await core.incidents.open_manual("Checkout payments fail", Severity.P2)).id
        table = await show_oncall(app, pilot)
        assert column(table, "title") == ["Payment System Down", "Checkout payments fail"]

        table.select(by_hand)
        await pilot.press("J")
        await settle(app, pilot)
        assert (
            status(app) == f"merging #{by_hand} P2 Checkout payments fail: J on the incident it joins, escape cancels"
        )
        await pilot.press("escape")
        await settle(app, pilot)
        assert status(app).startswith("2 open, 2 unacknowledged")  # the mark cancelled

        await pilot.press("J")  # mark again, then the other row
        table.select(fired)
        await pilot.press("J")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmModal)
        assert app.screen.question.startswith(
            f"Merge #{by_hand} P2 Checkout payments fail into #{fired} P0 Payment System Down?"
        )
        await pilot.press("y")
        await settle(app, pilot)
        assert isinstance(app.screen, OnCallScreen)
        assert column(table, "title") == ["Payment System Down"]
        assert table.selected_id == fired
        merged = await core.incidents.get(by_hand)
        assert merged is not None and (merged.state, merged.merged_into) == (IncidentState.RESOLVED, fired)
        events = await core.incidents.timeline(fired)
        assert events[-1].kind is EventKind.NOTE
        assert events[-1].text == f"#{by_hand} P2 Checkout payments fail merged into this by {core.operator}"
        assert core.unacknowledged == 1  # the header counts it at once


async def test_j_twice_on_the_same_incident_unmarks_it(core: Core) -> None:
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        await fire(core)
        await show_oncall(app, pilot)
        await pilot.press("J")
        await settle(app, pilot)
        assert status(app).startswith("merging #1")
        await pilot.press("J")
        await settle(app, pilot)
        assert status(app).startswith("1 open, 1 unacknowledged")
