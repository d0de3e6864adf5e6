"""``E`` on the On-call screen pages the next escalation step now; ``U`` takes an acknowledgement back and ``R``
reassigns to a person picked from the rotation. Each is durable (timeline, outbox) before the screen shows it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from opstui.clock import FakeClock
from opstui.config.models import Config
from opstui.config.rotation import Rotation
from opstui.core import Core
from opstui.incidents.model import EventKind, IncidentState
from opstui.ui.widgets.routing_actions import OverrideModal, ReassignModal
from tests.ui.conftest import START, make_app
from tests.ui.test_oncall import SIZE, column, settle, show_oncall


@pytest.fixture
def routed_core(ui_config: Config, clock: FakeClock, tmp_path: object) -> Core:
    rotation = Rotation(people=["ana", "ben"], start=datetime.fromtimestamp(START - 3600, UTC), manager="carla")
    config = ui_config.model_copy(update={"rotation": rotation, "operator": "dave"})
    return Core(config, clock, state_path=f"{tmp_path}/state.db")


async def test_e_escalates_u_unacknowledges_r_reassigns(routed_core: Core, clock: FakeClock) -> None:
    core = routed_core
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        assert core.incidents is not None and core.state is not None
        made = await core.incidents.open_manual("Checkout emails missing", severity="P1")  # type: ignore[arg-type]
        table = await show_oncall(app, pilot)
        assert column(table, "title") == ["Checkout emails missing"]

        clock.advance(60)
        await pilot.press("E")
        await settle(app, pilot)
        stored = await core.incidents.get(made.id)
        assert stored is not None and stored.escalation_level == 1
        last = (await core.incidents.timeline(made.id))[-1]
        assert (last.kind, last.actor, last.text) == (
            EventKind.ESCALATED,
            "dave",
            "escalated by hand by dave to ben (secondary)",
        )
        pages = [(n.payload["event"], n.payload["target"]) for n in await core.state.pending_notifications(START + 1e6)]
        assert pages[-1] == ("escalated", "ben")

        await core.incidents.acknowledge(made.id, by="ben")
        await settle(app, pilot)
        await pilot.press("U")
        await settle(app, pilot)
        stored = await core.incidents.get(made.id)
        assert stored is not None and (stored.state, stored.escalation_level) == (IncidentState.TRIGGERED, 0)
        assert (await core.incidents.timeline(made.id))[-1].kind is EventKind.UNACKNOWLEDGED

        await pilot.press("R")
        await settle(app, pilot)
        assert isinstance(app.screen, ReassignModal)
        await pilot.press("down", "down", "enter")  # ana, ben, carla
        await settle(app, pilot)
        stored = await core.incidents.get(made.id)
        assert stored is not None and stored.assignee == "carla"
        last = (await core.incidents.timeline(made.id))[-1]
        assert (last.kind, last.actor, last.text) == (
            EventKind.REASSIGNED,
            "dave",
            "reassigned by dave from ana (primary) to carla",
        )


async def test_o_stores_an_override_that_the_header_and_the_pages_follow(routed_core: Core, clock: FakeClock) -> None:
    core = routed_core
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        assert core.incidents is not None and core.state is not None
        await show_oncall(app, pilot)
        await pilot.press("O")
        await settle(app, pilot)
        assert isinstance(app.screen, OverrideModal)
        await pilot.press(*"carla", "enter", "enter", "enter", "enter")  # for ana (the primary), now, +4h
        await settle(app, pilot)
        [made] = await core.incidents.overrides()
        assert (made.who, made.covers, made.ends_at - made.starts_at, made.created_by) == (
            "carla",
            "ana",
            4 * 3600,
            "dave",
        )
        assert core.header_counts().on_call == "carla/ben to Mon 13:13"  # the shift (a week) ends then
        await core.incidents.open_manual("Checkout emails missing", severity="P1")  # type: ignore[arg-type]
        pages = [n.payload["target"] for n in await core.state.pending_notifications(START + 1e6)]
        assert pages == ["carla"]
