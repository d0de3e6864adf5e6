"""Silences as Alertmanager has them, for opstui's own rules: matchers, a start ahead, expiry early, a maximum.

The async tests take ``state`` and ``clock`` only, so tests/team/test_routing_parity.py runs them on PostgreSQL.
"""

from __future__ import annotations

import pytest

from opstui.alerts.model import AlertState, AlertTransition, Severity
from opstui.clock import FakeClock
from opstui.incidents.manager import IncidentError, IncidentManager
from opstui.incidents.matchers import Matcher, MatcherError, Op, parse_matchers
from opstui.incidents.model import EventKind, SilenceState
from opstui.state.protocol import StateStore
from tests.incidents.conftest import START
from tests.incidents.test_realert import manager_of


def fired(rule: str, at: float, **labels: str) -> AlertTransition:
    ordered = tuple(sorted(labels.items()))
    key = ",".join(f"{k}={v}" for k, v in ordered)
    return AlertTransition(
        rule=rule,
        fingerprint=f"{rule}|{key}",
        state=AlertState.FIRING,
        severity=Severity.P1,
        at=at,
        labels=ordered,
    )


async def opened(manager: IncidentManager) -> set[str]:
    return {i.fingerprint for i in await manager.open_incidents()}


def test_matchers_parse_as_alertmanager_writes_them() -> None:
    assert parse_matchers('{alertname="Service Down", service=~"api|pay.*"}') == (
        Matcher("alertname", Op.EQUAL, "Service Down"),
        Matcher("service", Op.REGEX, "api|pay.*"),
    )
    assert parse_matchers("service!=web, env!~stag.*,team=ops") == (
        Matcher("service", Op.NOT_EQUAL, "web"),
        Matcher("env", Op.NOT_REGEX, "stag.*"),
        Matcher("team", Op.EQUAL, "ops"),
    )
    assert parse_matchers(r'note="say \"hi\", then go"') == (Matcher("note", Op.EQUAL, 'say "hi", then go'),)
    labels = {"alertname": "Service Down", "service": "payments"}
    assert parse_matchers('service=~"pay.*"')[0].holds(labels)
    assert not parse_matchers('service=~"pay"')[0].holds(labels)  # anchored, as Alertmanager's
    for bad, why in (
        ("", "at least one matcher"),
        ('service!="api"', "every alert"),
        ('service=~"("', "bad regex"),
        ("service", "expected name=value"),
        ('service="api" env="x"', "expected a comma"),
        ('service="api', "unterminated quote"),
    ):
        with pytest.raises(MatcherError, match=why):
            parse_matchers(bad)


async def test_a_silence_pending_then_active_then_expired(state: StateStore, clock: FakeClock) -> None:
    manager = manager_of(state, clock)
    silence = await manager.silence(
        'alertname="Service Down", service=~"api|web"',
        "planned rollback drill",
        starts_at=START + 3600,
        duration=2 * 3600,
        by="ana",
    )
    assert (silence.start, silence.until, silence.state(START)) == (
        START + 3600,
        START + 3 * 3600,
        SilenceState.PENDING,
    )

    # Pending: the alert before the start still opens an incident.
    await manager.on_transitions([fired("Service Down", START + 60, service="web")])
    assert await opened(manager) == {"Service Down|service=web"}

    # Active from the start to the exact second of its end: matching alerts open nothing, the rest do.
    clock.set(START + 3600)
    await manager.on_transitions(
        [
            fired("Service Down", START + 3600, service="api"),
            fired("Service Down", START + 3600, service="payments"),
            fired("High Error Rate", START + 3600, service="api"),
        ]
    )
    assert await opened(manager) == {
        "Service Down|service=web",
        "Service Down|service=payments",
        "High Error Rate|service=api",
    }
    (listed,) = await manager.all_silences()
    assert (listed.state(clock.now()), listed.suppressed, listed.created_by) == (SilenceState.ACTIVE, 1, "ana")
    assert listed.matcher == 'alertname="Service Down", service=~"api|web"'
    assert listed.reason == "planned rollback drill"

    clock.set(START + 3 * 3600 - 1)
    await manager.tick()
    assert (await manager.all_silences())[0].state(clock.now()) is SilenceState.ACTIVE
    clock.set(START + 3 * 3600)
    await manager.tick()
    (over,) = await manager.all_silences()
    assert (over.state(clock.now()), over.end_reason, over.ended_at) == (SilenceState.EXPIRED, "expired", START + 10800)
    await manager.on_transitions([fired("Service Down", clock.now(), service="api")])
    assert "Service Down|service=api" in await opened(manager)


async def test_expire_early_and_the_timeline_says_silenced(state: StateStore, clock: FakeClock) -> None:
    manager = manager_of(state, clock)
    await manager.on_transitions([fired("Slow Response Times", START, service="api")])
    silence = await manager.silence('service="api"', "known slow; fix in deploy 4712", duration=3600, by="ben")
    (incident,) = await manager.open_incidents()
    last = (await manager.timeline(incident.id))[-1]
    assert (last.kind, last.actor) == (EventKind.SNOOZED, "ben")
    assert last.text == 'silenced by ben for 1h00m (service="api"): known slow; fix in deploy 4712'

    clock.advance(600)
    ended = await manager.expire_silence(silence.id, by="ana")
    assert (ended.ended_at, ended.ended_by, ended.end_reason) == (START + 600, "ana", "cancelled")
    (listed,) = await manager.all_silences()
    assert (listed.state(clock.now()), listed.ended_by) == (SilenceState.EXPIRED, "ana")
    with pytest.raises(IncidentError, match=f"silence #{silence.id} does not exist or is already over"):
        await manager.expire_silence(silence.id)
    await manager.resolve(incident.id)
    clock.advance(3600)  # beyond reopen_within: a new incident, not silenced any more
    await manager.on_transitions([fired("Slow Response Times", clock.now(), service="api")])
    assert await opened(manager) == {"Slow Response Times|service=api"}


async def test_a_pending_silence_can_be_expired_before_it_starts(state: StateStore, clock: FakeClock) -> None:
    manager = manager_of(state, clock)
    silence = await manager.silence('alertname="Service Down"', "deploy", starts_at=START + 600, duration=600)
    await manager.expire_silence(silence.id)
    clock.set(START + 700)
    await manager.on_transitions([fired("Service Down", clock.now())])
    assert await opened(manager) == {"Service Down|"}


async def test_a_reason_and_a_bounded_length_are_required(state: StateStore, clock: FakeClock) -> None:
    manager = manager_of(state, clock)
    with pytest.raises(IncidentError, match="say why"):
        await manager.silence('alertname="X"', "   ", duration=60)
    with pytest.raises(IncidentError, match=r"at most 7d.*incidents.max_silence.*asked for 7d1h"):
        await manager.silence('alertname="X"', "long", duration=7 * 86400 + 3600)
    with pytest.raises(IncidentError, match="at most 7d"):
        await manager.snooze("X", 1000 * 86400, "forgotten")
    with pytest.raises(IncidentError, match="bad regex"):
        await manager.silence('service=~"("', "why", duration=60)
    with pytest.raises(IncidentError, match="end before it starts"):
        await manager.silence('alertname="X"', "why", ends_at=START - 1)
    longer = manager_of(state, clock, max_silence="30d")
    made = await longer.silence('alertname="X"', "holiday freeze", ends_at=START + 20 * 86400)
    assert made.until == START + 20 * 86400
    assert [s.id for s in await manager.all_silences()] == [made.id]
