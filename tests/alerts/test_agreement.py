"""Incident and alert state agree: resolved while still firing, an alert reopens it at the next evaluation;
at start, an open incident whose alert cleared while the console was down is marked cleared and
auto-resolved from there. Each transition on the fake clock, through a real core and SQLite state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from opstui.clock import FakeClock
from opstui.config.models import Config
from opstui.core import Core
from opstui.incidents.model import AlertPhase, EventKind, IncidentState
from tests.alerts.conftest import START
from tests.alerts.test_core import RULES, at, manager

CONFIG = {
    "alerts": RULES,
    "alerting": {"interval": "30d"},  # turns are driven by evaluate_once()
    "incidents": {"auto_resolve_after": "10m", "reopen_within": "30m"},
    "operator": "alice",
}


def console(tmp_path: Path, clock: FakeClock) -> Core:
    return Core(Config.model_validate(CONFIG), clock, state_path=str(tmp_path / "state.db"))


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    started = console(tmp_path, FakeClock(START))
    await started.start()
    yield started
    await started.stop()


async def test_resolved_while_firing_reopens_at_the_next_evaluation(core: Core) -> None:
    at(core, 0, payment_success_rate=70.0)
    await core.evaluate_once()
    (incident,) = await manager(core).open_incidents()
    assert manager(core).still_firing(incident) is not None
    await manager(core).resolve(incident.id)  # what `r` + y, or `opstui resolve --force`, does
    assert await manager(core).open_incidents() == []
    at(core, 5, payment_success_rate=70.0)
    await core.evaluate_once()
    (again,) = await manager(core).open_incidents()
    assert (again.id, again.state, again.reopened) == (incident.id, IncidentState.TRIGGERED, 1)
    assert core.banner_incident == incident.id
    kinds = [e.kind for e in await manager(core).timeline(incident.id)]
    assert kinds[-2:] == [EventKind.RESOLVED, EventKind.REOPENED]


async def test_resolved_after_reopen_window_opens_a_new_incident(core: Core) -> None:
    at(core, 0, payment_success_rate=70.0)
    await core.evaluate_once()
    (incident,) = await manager(core).open_incidents()
    await manager(core).resolve(incident.id)
    # Silenced meanwhile: nothing opens while the silence lasts, the alert still fires.
    await manager(core).snooze("Payment System Down", 3600)
    for offset in (5, 1800, 3599):
        at(core, offset, payment_success_rate=70.0)
        await core.evaluate_once()
        assert await manager(core).open_incidents() == []
    at(core, 3600, payment_success_rate=70.0)
    await core.evaluate_once()
    (new,) = await manager(core).open_incidents()
    assert new.id != incident.id and new.state is IncidentState.TRIGGERED


async def test_a_resolved_quiet_alert_stays_resolved(core: Core) -> None:
    at(core, 0, payment_success_rate=70.0)
    await core.evaluate_once()
    (incident,) = await manager(core).open_incidents()
    at(core, 5, payment_success_rate=99.0)
    await core.evaluate_once()
    (cleared,) = await manager(core).open_incidents()
    assert cleared.alert_state is AlertPhase.CLEARED and manager(core).still_firing(cleared) is None
    await manager(core).resolve(incident.id)
    at(core, 10, payment_success_rate=99.0)
    await core.evaluate_once()
    assert await manager(core).open_incidents() == []


async def test_start_reconciles_an_alert_that_cleared_while_the_console_was_down(tmp_path: Path) -> None:
    clock = FakeClock(START)
    first = console(tmp_path, clock)
    await first.start()
    at(first, 0, payment_success_rate=70.0)
    await first.evaluate_once()
    (incident,) = await manager(first).open_incidents()
    await first.stop()

    # An hour later a new console starts; payments recovered while nobody watched.
    clock.set(START + 3600)
    second = console(tmp_path, clock)
    await second.start()
    try:
        await second.evaluate_once()  # no data yet: the engine cannot judge, nothing changes
        (still,) = await manager(second).open_incidents()
        assert still.alert_state is AlertPhase.FIRING
        at(second, 3605, payment_success_rate=99.5)
        await second.evaluate_once()
        (cleared,) = await manager(second).open_incidents()
        assert (cleared.alert_state, cleared.alert_cleared_at) == (AlertPhase.CLEARED, START + 3605)
        events = await manager(second).timeline(incident.id)
        assert events[-1].kind is EventKind.ALERT_CLEARED and "found on start" in events[-1].text
        at(second, 3605 + 599, payment_success_rate=99.5)
        await second.evaluate_once()
        assert len(await manager(second).open_incidents()) == 1, "auto-resolve counts from the clearing"
        at(second, 3605 + 600, payment_success_rate=99.5)
        await second.evaluate_once()
        assert await manager(second).open_incidents() == []
        resolved = await manager(second).get(incident.id)
        assert resolved is not None and resolved.state is IncidentState.RESOLVED
    finally:
        await second.stop()


async def test_start_keeps_an_alert_that_still_fires(tmp_path: Path) -> None:
    clock = FakeClock(START)
    first = console(tmp_path, clock)
    await first.start()
    at(first, 0, payment_success_rate=70.0)
    await first.evaluate_once()
    await first.stop()
    clock.set(START + 3600)
    second = console(tmp_path, clock)
    await second.start()
    try:
        at(second, 3600, payment_success_rate=60.0)
        await second.evaluate_once()
        (incident,) = await manager(second).open_incidents()
        assert incident.alert_state is AlertPhase.FIRING
        assert EventKind.ALERT_REFIRED in [e.kind for e in await manager(second).timeline(incident.id)]
    finally:
        await second.stop()
