"""The silences view (``S`` on the On-call screen) for opstui's own silences: list, make one from the selected
incident's matchers with a later start, refuse one without a reason, expire one early after a yes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from textual.widgets import DataTable, Input

from opstui.clock import FakeClock
from opstui.config.maintenance import MaintenanceWindow
from opstui.config.models import Config
from opstui.core import Core
from opstui.incidents.model import SilenceState
from opstui.ui.screens.oncall import OnCallScreen
from opstui.ui.widgets.incident_modals import ConfirmModal
from opstui.ui.widgets.silences_modal import NewSilenceModal, SilencesModal
from tests.ui.conftest import make_app
from tests.ui.test_oncall import SIZE, Notices, fire, settle, show_oncall


def cells(modal: SilencesModal) -> list[list[str]]:
    table = modal.query_one(DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_make_list_and_expire_a_silence(core: Core, clock: FakeClock) -> None:
    notices = Notices()
    app = make_app(core)
    async with app.run_test(size=SIZE, message_hook=notices) as pilot:
        assert core.incidents is not None
        await core.incidents.silence('alertname="Disk Full"', "old one", duration=600, by="ben")
        await fire(core)
        await show_oncall(app, pilot)
        await pilot.press("S")
        await settle(app, pilot)
        modal = app.screen
        assert isinstance(modal, SilencesModal)
        assert cells(modal) == [
            ["opstui", "#1", "active", 'alertname="Disk Full"', "ben", "09-21 14:13", "09-21 14:23", "old one"]
        ]

        await pilot.press("c")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, NewSilenceModal)
        assert form.query_one("#matchers", Input).value == 'alertname="High Error Rate"'  # the selected incident
        form.query_one("#start", Input).value = "+1h"
        form.query_one("#duration", Input).value = "30m"
        form.query_one("#reason", Input).focus()
        await pilot.press("enter")  # no reason: refused, and the cursor goes to the reason
        await settle(app, pilot)
        assert isinstance(app.screen, NewSilenceModal)
        assert notices.errors()[-1] == "why: say why (the reason is required)"
        form.query_one("#reason", Input).value = "rollback drill"
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, SilencesModal)
        silences = await core.incidents.all_silences()
        made = next(s for s in silences if s.reason == "rollback drill")
        assert (made.start, made.until - made.start) == (clock.now() + 3600, 1800)
        assert made.state(clock.now()) is SilenceState.PENDING
        assert ["opstui", f"#{made.id}", "pending"] == cells(app.screen)[1][:3]

        app.screen.query_one(DataTable).move_cursor(row=1)
        await pilot.press("x")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(app, pilot)
        assert isinstance(app.screen, SilencesModal)
        assert cells(app.screen)[1][2] == "expired"
        assert cells(app.screen)[1][6].endswith(f"(early, {core.operator})")
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, OnCallScreen)


async def test_maintenance_windows_are_listed_not_expired(ui_config: Config, clock: FakeClock, tmp_path: Path) -> None:
    start = datetime.fromtimestamp(clock.now() - 600, UTC)
    window = {"name": "db upgrade", "matchers": 'alertname="Database Connection Lost"'}
    window |= {"from": start.isoformat(), "to": (start + timedelta(hours=2)).isoformat()}
    config = ui_config.model_copy(update={"maintenance": [MaintenanceWindow.model_validate(window)]})
    notices = Notices()
    app = make_app(Core(config, clock, state_path=str(tmp_path / "state.db")))
    async with app.run_test(size=SIZE, message_hook=notices) as pilot:
        await show_oncall(app, pilot)
        await pilot.press("S")
        await settle(app, pilot)
        modal = app.screen
        assert isinstance(modal, SilencesModal)
        assert cells(modal)[0][:5] == ["maintenance", "-", "active", 'alertname="Database Connection Lost"', "config"]
        await pilot.press("x")
        await settle(app, pilot)
        assert isinstance(app.screen, SilencesModal)  # no question: it is changed in the config
        assert notices.texts()[-1] == "maintenance window 'db upgrade' is in the config: change it there"
