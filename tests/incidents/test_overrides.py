"""On-call overrides on a fake clock: "ana covers ben from 18:00 to 22:00" changes who is paged while it lasts,
by role and by name; ended early or over, ben is paged again. Each test takes ``state`` and ``clock`` only, so
tests/team/test_routing_parity.py runs them on PostgreSQL too (where the override is shared by every console)."""

from __future__ import annotations

from datetime import UTC

import pytest

from opstui.alerts.model import Severity
from opstui.clock import FakeClock
from opstui.config.incidents import EscalationSettings, IncidentSettings
from opstui.config.rotation import Rotation
from opstui.incidents.manager import IncidentError, IncidentManager
from opstui.incidents.oncall import on_call_text
from opstui.state.protocol import StateStore
from tests.incidents.conftest import START
from tests.incidents.test_manager import open_one

ROTATION = Rotation(people=["ben", "ana"], start="2026-09-21T09:00:00+00:00", manager="carla")  # type: ignore[arg-type]
"""ben primary, ana secondary, this week (START is Monday 2026-09-21 14:13:20 UTC)."""


def manager_of(state: StateStore, clock: FakeClock, operator: str = "dave") -> IncidentManager:
    return IncidentManager(
        state,
        clock,
        IncidentSettings(),
        operator=operator,
        host="oncall-box",
        escalation=EscalationSettings(),
        on_call=lambda: ROTATION.who_is_on_call(clock.now()),
    )


async def last_page(state: StateStore, clock: FakeClock) -> tuple[str, str, float]:
    rows = await state.pending_notifications(clock.now() + 10**6)
    return rows[-1].payload["event"], rows[-1].payload["target"], rows[-1].payload["at"] - START


async def test_an_override_changes_who_is_paged_while_it_lasts(state: StateStore, clock: FakeClock) -> None:
    manager = manager_of(state, clock)
    # 18:00 to 22:00 UTC the same day: zoe covers ben (primary this week).
    evening = START + (18 * 3600 - (14 * 3600 + 13 * 60 + 20))
    made = await manager.add_override("zoe", "ben", evening, evening + 4 * 3600)
    assert (made.id > 0, made.created_by) == (True, "dave")

    before = await open_one(manager, rule="Slow Response Times", severity=Severity.P1)
    assert await last_page(state, clock) == ("triggered", "ben", 0)

    clock.set(evening)
    during = await open_one(manager, at=evening, rule="Service Down", severity=Severity.P0)
    assert (await last_page(state, clock))[:2] == ("triggered", "zoe")
    on_call = await manager.on_call_now()
    assert on_call is not None and (on_call.primary, on_call.secondary) == ("zoe", "ana")
    assert on_call_text(on_call, clock.now(), UTC) == "zoe/ana to Mon 09:00"

    # The incident opened before the override escalates to the manager; the one during it says who covers.
    clock.set(evening + 15 * 60)
    await manager.tick()
    texts = [e.text for e in await manager.timeline(during.id)]
    assert texts[-1].startswith("escalated to ana (secondary)")
    assert (await manager.get(before.id)) is not None

    clock.set(evening + 4 * 3600)  # 22:00: over, ben again
    await manager.on_transitions([])
    on_call = await manager.on_call_now()
    assert on_call is not None and on_call.primary == "ben"
    assert await manager.overrides() == []


async def test_an_override_follows_the_person_a_policy_names_and_can_end_early(
    state: StateStore, clock: FakeClock
) -> None:
    manager = IncidentManager(
        state,
        clock,
        IncidentSettings(),
        operator="dave",
        escalation=EscalationSettings(path=["carla"]),  # no rotation role: a person's name
    )
    made = await manager.add_override("ana", "carla", START, START + 3600)
    await open_one(manager, severity=Severity.P2)
    assert await last_page(state, clock) == ("triggered", "ana", 0)
    await manager.end_override(made.id)
    with pytest.raises(IncidentError, match="already over"):
        await manager.end_override(made.id)
    clock.advance(60)
    await open_one(manager, at=START + 60, rule="Email Delivery Issues", severity=Severity.P2)
    assert await last_page(state, clock) == ("triggered", "carla", 60)


async def test_overrides_that_make_no_sense_are_refused(state: StateStore, clock: FakeClock) -> None:
    manager = manager_of(state, clock)
    with pytest.raises(IncidentError, match="cannot cover themselves"):
        await manager.add_override("ana", "ana", START, START + 60)
    with pytest.raises(IncidentError, match="end before it starts"):
        await manager.add_override("ana", "ben", START + 60, START)
    with pytest.raises(IncidentError, match="over already"):
        await manager.add_override("ana", "ben", START - 7200, START - 3600)
    with pytest.raises(IncidentError, match="an override may last at most 7d0h"):
        await manager.add_override("ana", "ben", START, START + 30 * 86400)
