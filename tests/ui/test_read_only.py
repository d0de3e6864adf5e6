"""``--read-only`` (``opstui serve --read-only``): the keys that act are hidden from the footer and the help,
refused when pressed, and the header says READ-ONLY; the keys that only look still work."""

from __future__ import annotations

from opstui.alerts.model import Severity
from opstui.core import Core
from opstui.incidents.model import IncidentState
from opstui.ui.app import READ_ONLY_REFUSAL, OpstuiApp
from opstui.ui.keymap import ACTION_BINDINGS, VIEW_BINDINGS, known_binding_ids
from opstui.ui.screens.checklist import ChecklistScreen
from opstui.ui.screens.oncall import OnCallScreen
from tests.ui.test_oncall import SIZE, Notices, fire, settle, show_oncall


def shown_ids(app: OpstuiApp) -> set[str]:
    """The binding ids the footer and the help can show on the screen in front."""
    return {active.binding.id for active in app.screen.active_bindings.values() if active.binding.id}


def test_the_lists_name_existing_keys() -> None:
    """A looking key renamed would be refused on a read-only console without anyone noticing. A key in neither
    list is refused there (safe); the Pilot test below checks that only looking keys are shown."""
    known = set(known_binding_ids())
    assert not ACTION_BINDINGS & VIEW_BINDINGS
    assert VIEW_BINDINGS - known == set(), "a looking key that no longer exists"


async def test_a_read_write_console_shows_the_action_keys(core: Core) -> None:
    """The control: the same screen without --read-only offers ack and resolve."""
    app = OpstuiApp(core)
    async with app.run_test(size=SIZE) as pilot:
        await fire(core, "Payment System Down", Severity.P0)
        await show_oncall(app, pilot)
        assert {"oncall.acknowledge", "oncall.resolve", "oncall.note"} <= shown_ids(app)


async def test_read_only_hides_and_refuses_every_action_key(core: Core) -> None:
    notices = Notices()
    app = OpstuiApp(core, read_only=True)
    async with app.run_test(size=SIZE, message_hook=notices) as pilot:
        p0 = await fire(core, "Payment System Down", Severity.P0, runbook="payment-system-down")
        await core.refresh_attention()
        await show_oncall(app, pilot)
        app.tick()
        await settle(app, pilot)
        assert isinstance(app.screen, OnCallScreen)
        shown = shown_ids(app)
        assert shown & ACTION_BINDINGS == set() and shown <= VIEW_BINDINGS
        assert {"mode.engineering", "app.help", "app.quit", "oncall.silences"} <= shown, "the looking keys stay"
        footer = {(active.binding.description, active.binding.key) for active in app.screen.active_bindings.values()}
        assert ("Ack", "a") not in footer and ("Resolve", "r") not in footer
        assert str(app.screen.query_one("#hdr-read-only").render()) == "READ-ONLY"
        banner = str(app.screen.query_one("#hdr-banner").render())
        assert banner.startswith(f"⚠ P0 #{p0} Payment System Down"), "no key to press in the banner"
        # Pressed anyway (the ack key, the banner key, resolve, note): nothing changes, and it says why.
        await pilot.press("a", "A", "r", "n")
        await settle(app, pilot)
        assert core.incidents is not None
        incident = await core.incidents.get(p0)
        assert incident is not None and incident.state is IncidentState.TRIGGERED
        assert len(await core.incidents.timeline(p0)) == 1, "only the trigger on the timeline"
        assert isinstance(app.screen, OnCallScreen), "no dialog opened"
        assert READ_ONLY_REFUSAL in notices.texts()
        # The help lists no action key and says the console is read-only.
        descriptions = " ".join(description for _, description, _ in app.binding_rows())
        assert "oncall.acknowledge" not in descriptions and "oncall.resolve" not in descriptions
        assert "mode.oncall" in descriptions
        # The checklist's keys: tick, skip, note and undo are refused as well.
        await pilot.press("4")
        await settle(app, pilot)
        assert isinstance(app.screen, ChecklistScreen)
        assert shown_ids(app) <= VIEW_BINDINGS
        assert core.state is not None
        await pilot.press("space", "x", "u")
        await settle(app, pilot)
        assert await core.state.ticks_since(0) == []
