"""Runbook actions and contacts on screen: `!` lists the incident's actions, asks as the config says (a yes, or the
name typed for a dangerous one), streams the output into a pane and records the run on the timeline; the detail
shows the incident's contacts beside its runbook. The footer keeps `q Quit` at 80 columns."""

from __future__ import annotations

import sys

from textual.screen import Screen
from textual.widgets import Input, Log, Static

from opstui.config.models import Config
from opstui.core import Core
from opstui.incidents.model import EventKind
from opstui.ui.screens.oncall import IncidentDetailScreen, OnCallScreen
from opstui.ui.widgets.action_modals import ActionOutputModal, ActionsModal, TypeNameModal
from opstui.ui.widgets.incident_modals import ConfirmModal
from tests.ui.conftest import make_app
from tests.ui.test_oncall import fire, on_call_with_an_incident, settle, show_oncall

ACTIONS = [
    {
        "name": "Rollback web",
        "command": [sys.executable, "-c", "import os; print('rolled back with', os.environ['TOKEN'])"],
        "dangerous": True,
        "env": {"TOKEN": "tok-secret-42"},
        "applies_to": ["High Error Rate"],
    },
    {"name": "Check health", "command": [sys.executable, "-c", "print('ok')"], "applies_to": ["high-error-rate"]},
    {"name": "Sync payments", "command": ["true"], "applies_to": ["Payment System Down"]},
]


def with_actions(ui_config: Config) -> Config:
    return Config.model_validate(
        {**ui_config.model_dump(mode="python"), "actions": ACTIONS}
        | {"contacts": [c.model_dump() for c in ui_config.contacts]}
    )


async def test_bang_lists_the_incidents_actions_and_a_confirmed_one_runs(ui_config: Config, core: Core) -> None:
    core.config = with_actions(ui_config)
    async with on_call_with_an_incident(core, size=(120, 36)) as (app, pilot, notices, incident_id):
        await pilot.press("exclamation_mark")
        await pilot.pause()
        assert isinstance(app.screen, ActionsModal)
        assert [a.name for a in app.screen.actions] == ["Rollback web", "Check health"]  # not Sync payments
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(app, pilot)
        pane = app.screen
        assert isinstance(pane, ActionOutputModal)
        assert pane.run is not None and pane.run.outcome == "exit 0"
        assert list(pane.query_one(Log).lines) == ["ok"]
        assert str(pane.query_one("#action-status").render()) == "exit 0 (ok)"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, OnCallScreen)
        assert core.state is not None
        events = [e for e in await core.state.events(incident_id) if e.kind is EventKind.NOTE]
        assert [e.text.split(":")[0] for e in events] == ["[action] Check health started", "[action] Check health"]
        assert events[-1].actor == core.operator
        assert "Check health on #1: exit 0" in notices.texts()


async def test_a_dangerous_action_wants_its_name_and_its_secret_never_shows(ui_config: Config, core: Core) -> None:
    core.config = with_actions(ui_config)
    async with on_call_with_an_incident(core, size=(120, 36)) as (app, pilot, notices, incident_id):
        await pilot.press("exclamation_mark")
        await pilot.pause()
        await pilot.press("enter")  # Rollback web
        await pilot.pause()
        assert isinstance(app.screen, TypeNameModal)
        await pilot.press(*"rollback", "enter")  # not its name: nothing runs, the dialog stays
        await settle(app, pilot)
        assert isinstance(app.screen, TypeNameModal)
        assert core.state is not None
        assert not [e for e in await core.state.events(incident_id) if e.kind is EventKind.NOTE]
        app.screen.query_one("#typed", Input).clear()
        await pilot.press(*"Rollback web", "enter")
        await settle(app, pilot)
        pane = app.screen
        assert isinstance(pane, ActionOutputModal)
        assert list(pane.query_one(Log).lines) == ["rolled back with ***"]
        timeline = "\n".join(e.text for e in await core.state.events(incident_id))
        assert "rolled back with ***" in timeline and "tok-secret-42" not in timeline


async def test_the_detail_shows_contacts_beside_the_runbook_and_names_the_actions(
    ui_config: Config, core: Core
) -> None:
    core.config = with_actions(ui_config)
    app = make_app(core)
    async with app.run_test(size=(80, 24)) as pilot:
        await fire(core, "Payment System Down", runbook="payment-failures-spike")
        await show_oncall(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, IncidentDetailScreen)
        contacts = str(app.screen.query_one("#detail-contacts", Static).render())
        assert contacts.splitlines()[:4] == [
            "Actions (!) Sync payments",
            "Contacts",
            "Stripe Support  Payments  https://support.stripe.com",
            "Vercel Support  Hosting  https://vercel.com/help",
        ]
        assert "MongoDB" not in contacts
        summary = str(app.screen.query_one("#detail-summary", Static).render())
        assert (
            summary.splitlines()[-1]
            == "! actions  n note  m milestone  s snooze  p review  E escalate  U unack  R reassign"
        )
        assert_quit_in_sight(app.screen)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, OnCallScreen)
        assert_quit_in_sight(app.screen)


def assert_quit_in_sight(screen: Screen[object]) -> None:
    """The footer at 80 columns still shows `q Quit` (and `! Act`) whole."""
    keys = {getattr(k, "description", ""): k for k in screen.query("FooterKey")}
    for label in ("Quit", "Act"):
        assert keys[label].region.width > 0 and keys[label].region.right <= 80, label
