"""Alerts end to end through the core: a breach in the store becomes an incident on a real SQLite state,
the header counts it, escalation happens at the right minute, flapping and silences behave, and the
notification reaches a real webhook server on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from opstui.clock import FakeClock
from opstui.config.models import Config
from opstui.core import Core
from opstui.incidents.manager import IncidentManager
from opstui.incidents.model import EventKind, IncidentState
from opstui.state.protocol import StateStore
from tests.alerts.conftest import START
from tests.notify.servers import HookServer

RULES: list[dict[str, Any]] = [
    {
        "name": "Payment System Down",
        "expr": "payment_success_rate < 90",
        "severity": "P0",
        "runbook": "payment-system-down",
        "summary": "Payment success {{ value }}%",
    },
    {
        "name": "High Error Rate",
        "expr": "error_rate > 5",
        "for": "5m",
        "severity": "P1",
        "runbook": "high-error-rate",
        "summary": "Error rate {{ value }}% for 5 minutes",
    },
    {"name": "Email Delivery Issues", "expr": "email_failure_rate > 10", "severity": "P2"},
]


@pytest.fixture
async def core(tmp_path: Path, hook: HookServer) -> AsyncIterator[Core]:
    config = Config.model_validate(
        {
            "alerts": RULES,
            # The loop's own timer never comes round in these tests: they drive turns with evaluate_once().
            "alerting": {"interval": "30d"},
            "incidents": {"auto_resolve_after": "10m", "reopen_within": "30m"},
            "notifiers": [{"type": "webhook", "name": "pager", "url": f"{hook.url}/hook", "severities": ["P0", "P1"]}],
            "operator": "alice",
        }
    )
    console = Core(config, FakeClock(START), state_path=str(tmp_path / "state.db"))
    await console.start()
    yield console
    await console.stop()


def at(core: Core, offset: float, **values: float) -> None:
    """Move the clock to START + offset and record the given metrics there."""
    assert isinstance(core.clock, FakeClock)
    core.clock.set(START + offset)
    for metric, value in values.items():
        core.monitor.record(metric, value, core.clock.now())


def manager(core: Core) -> IncidentManager:
    assert core.incidents is not None
    return core.incidents


def state(core: Core) -> StateStore:
    assert core.state is not None
    return core.state


async def test_a_breach_opens_an_incident_sets_the_banner_and_sends_a_page(core: Core, hook: HookServer) -> None:
    at(core, 0, payment_success_rate=70.0)
    await core.evaluate_once()
    (incident,) = await manager(core).open_incidents()
    assert (incident.title, incident.severity.value, incident.state) == (
        "Payment System Down",
        "P0",
        IncidentState.TRIGGERED,
    )
    assert incident.runbook == "payment-system-down"
    assert incident.metric == "payment_success_rate"
    assert core.unacknowledged == 1
    assert core.banner == f"P0 #{incident.id} Payment System Down: Payment success 70%"
    assert core.header_counts().banner == core.banner
    assert await state(core).pending_count() == 1  # queued, durable, before anything is sent

    at(core, 1)  # the dispatcher's next pass
    await hook.changes.until(lambda: len(hook.received) == 1)
    assert hook.received[0]["title"] == "Payment System Down"
    assert hook.received[0]["event"] == "triggered"

    await manager(core).acknowledge(incident.id)
    await core.evaluate_once()
    assert (core.unacknowledged, core.banner) == (0, None)


async def test_the_banner_is_for_p0_and_p1_only_but_every_unacked_incident_counts(core: Core) -> None:
    at(core, 0, email_failure_rate=40.0)
    await core.evaluate_once()
    assert (core.unacknowledged, core.banner) == (1, None)
    at(core, 5, email_failure_rate=40.0, error_rate=9.0, payment_success_rate=50.0)
    await core.evaluate_once()
    assert core.unacknowledged == 2  # High Error Rate is only pending
    assert core.banner is not None and core.banner.startswith("P0 ")
    for offset in range(10, 306, 5):
        at(core, offset, email_failure_rate=40.0, error_rate=9.0, payment_success_rate=50.0)
        await core.evaluate_once()
    assert core.unacknowledged == 3
    assert core.banner is not None and core.banner.endswith("(+1 more P0/P1 unacknowledged)")


async def test_pending_opens_no_incident_until_for_has_elapsed(core: Core) -> None:
    for offset in range(0, 300, 5):
        at(core, offset, error_rate=9.0)
        await core.evaluate_once()
    assert await manager(core).open_incidents() == []
    at(core, 300, error_rate=9.0)
    await core.evaluate_once()
    (incident,) = await manager(core).open_incidents()
    assert incident.triggered_at == START + 300
    assert incident.summary == "Error rate 9% for 5 minutes"


async def test_escalation_happens_at_the_right_minute(core: Core) -> None:
    at(core, 0, payment_success_rate=70.0)
    await core.evaluate_once()
    for offset in range(60, 900, 60):
        at(core, offset, payment_success_rate=70.0)
        await core.evaluate_once()
    at(core, 899, payment_success_rate=70.0)
    await core.evaluate_once()
    (incident,) = await manager(core).open_incidents()
    assert incident.escalation_level == 0
    at(core, 900, payment_success_rate=70.0)
    await core.evaluate_once()
    (incident,) = await manager(core).open_incidents()
    assert incident.escalation_level == 1
    assert incident.last_escalated_at == START + 900
    escalations = [e for e in await manager(core).timeline(incident.id) if e.kind is EventKind.ESCALATED]
    assert [e.text for e in escalations] == ["escalated to secondary: not acknowledged after 15m00s"]


async def test_flapping_does_not_open_a_new_incident_each_time(core: Core) -> None:
    offset = 0
    for _ in range(4):  # fire, clear, fire, clear ... every 10 seconds
        at(core, offset, payment_success_rate=50.0)
        await core.evaluate_once()
        at(core, offset + 5, payment_success_rate=99.0)
        await core.evaluate_once()
        offset += 10
    everything = await manager(core).all_incidents()
    assert len(everything) == 1
    kinds = [e.kind for e in await manager(core).timeline(everything[0].id)]
    assert kinds.count(EventKind.ALERT_REFIRED) == 3
    assert kinds.count(EventKind.ALERT_CLEARED) == 4

    # Resolved by hand, then back within reopen_within: the same incident reopens.
    await manager(core).resolve(everything[0].id, note="flapping provider")
    at(core, offset + 60, payment_success_rate=50.0)
    await core.evaluate_once()
    (reopened,) = await manager(core).all_incidents()
    assert reopened.id == everything[0].id
    assert (reopened.state, reopened.reopened) == (IncidentState.TRIGGERED, 1)


async def test_a_cleared_alert_auto_resolves_after_the_quiet_time(core: Core) -> None:
    at(core, 0, payment_success_rate=50.0)
    await core.evaluate_once()
    at(core, 5, payment_success_rate=99.0)
    await core.evaluate_once()
    at(core, 604, payment_success_rate=99.0)
    await core.evaluate_once()
    assert core.unacknowledged == 1
    at(core, 605, payment_success_rate=99.0)
    await core.evaluate_once()
    assert await manager(core).open_incidents() == []
    assert (core.unacknowledged, core.banner) == (0, None)


async def test_a_silence_suppresses_and_a_still_firing_alert_opens_when_it_ends(core: Core) -> None:
    await manager(core).snooze("Payment System Down", 600.0, reason="provider maintenance")
    for offset in range(0, 600, 30):
        at(core, offset, payment_success_rate=50.0)
        await core.evaluate_once()
    assert await manager(core).open_incidents() == []
    assert (core.unacknowledged, core.banner) == (0, None)
    (silence,) = await manager(core).silences()
    assert silence.suppressed == 1  # counted once, not on every turn

    at(core, 600, payment_success_rate=50.0)
    await core.evaluate_once()
    (incident,) = await manager(core).open_incidents()
    assert incident.triggered_at == START + 600
    assert core.unacknowledged == 1


async def test_an_alert_that_stops_while_silenced_opens_nothing_later(core: Core) -> None:
    await manager(core).snooze("Payment System Down", 60.0)
    at(core, 0, payment_success_rate=50.0)
    await core.evaluate_once()
    at(core, 30, payment_success_rate=99.0)
    await core.evaluate_once()
    at(core, 90, payment_success_rate=99.0)
    await core.evaluate_once()
    assert await manager(core).all_incidents() == []


class CountingCore(Core):
    """A core that tells a test when its loop has finished a turn."""

    turned: asyncio.Event

    async def evaluate_once(self) -> None:
        await super().evaluate_once()
        self.turned.set()


async def test_the_loop_runs_on_its_own_timer(tmp_path: Path) -> None:
    clock = FakeClock(START)
    config = Config.model_validate({"alerts": RULES[:1], "alerting": {"interval": "5s"}})
    core = CountingCore(config, clock, state_path=str(tmp_path / "state.db"))
    core.turned = asyncio.Event()
    await core.start()
    try:
        await asyncio.wait_for(core.turned.wait(), 5)  # the first turn, at start, found nothing
        assert core.unacknowledged == 0
        core.turned.clear()
        core.monitor.record("payment_success_rate", 10.0, START + 4)
        clock.advance(5.0)
        await asyncio.wait_for(core.turned.wait(), 5)  # real I/O on the SQLite file, not clock time
        assert core.unacknowledged == 1
    finally:
        await core.stop()


async def test_without_a_state_store_rules_still_evaluate(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the state's folder should be")
    config = Config.model_validate({"alerts": RULES[:1], "alerting": {"interval": "30d"}})
    core = Core(config, FakeClock(START), state_path=str(blocked / "state.db"))
    await core.start()
    try:
        assert core.state_error is not None
        core.monitor.record("payment_success_rate", 10.0, START)
        await core.evaluate_once()
        assert [a.rule for a in core.alerts.alerts()] == ["Payment System Down"]
        assert core.unacknowledged == 0
    finally:
        await core.stop()


def test_the_core_uses_the_seed_rules_when_the_config_has_none() -> None:
    core = Core(Config(), FakeClock(START))
    assert "High Error Rate" in [rule.name for rule in core.alerts.rules]
    # alerts: [] is none of the seed rules; Source Down is its own setting (issue 10 item 4), off with null.
    assert [rule.name for rule in Core(Config(alerts=[]), FakeClock(START)).alerts.rules] == ["Source Down"]
    quiet = Config.model_validate({"alerts": [], "alerting": {"source_down_after": None}})
    assert Core(quiet, FakeClock(START)).alerts.rules == []
