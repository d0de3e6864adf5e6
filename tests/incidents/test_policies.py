"""Escalation policies on a fake clock: a path per severity, a path per service, repeat after the last level, and
the global path for what no policy matches; a bad policy is refused at load with its file, line and key path.

Each test takes ``state`` and ``clock`` only, as tests/incidents/test_realert.py does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from opstui.alerts.model import AlertState, AlertTransition, Severity
from opstui.cli import main
from opstui.clock import FakeClock
from opstui.config.errors import ConfigError
from opstui.config.incidents import EscalationSettings, IncidentSettings
from opstui.config.loader import load_config_text
from opstui.config.rotation import Rotation
from opstui.incidents.manager import IncidentManager
from opstui.incidents.model import EventKind, Incident
from opstui.state.protocol import StateStore
from tests.incidents.conftest import START

POLICIES = {
    "after": "15m",
    "path": ["primary", "secondary", "manager"],
    "policies": [
        {
            "name": "payments-p0",
            "match": {"severity": ["P0"], "service": "payments"},
            "levels": [{"who": "primary", "after": "5m"}, {"who": "secondary", "after": "10m"}, {"who": "manager"}],
            "repeat": 2,
        },
        {"name": "p0", "match": {"severity": "P0"}, "levels": [{"who": "primary", "after": "2m"}, {"who": "carla"}]},
        {"name": "reporting", "match": {"service": ["reporting", "exports"]}, "levels": [{"who": "ben"}]},
    ],
}
ROTATION = Rotation(people=["ana", "ben"], start="2026-09-21T09:00:00+00:00", manager="carla")  # type: ignore[arg-type]


def manager_of(state: StateStore, clock: FakeClock) -> IncidentManager:
    return IncidentManager(
        state,
        clock,
        IncidentSettings(remind_every={}),
        operator="alice",
        host="oncall-box",
        escalation=EscalationSettings.model_validate(POLICIES),
        on_call=lambda: ROTATION.who_is_on_call(clock.now()),
    )


async def fire(manager: IncidentManager, severity: Severity, service: str, at: float = START) -> Incident:
    rule = f"Service Down {service}"
    await manager.on_transitions(
        [
            AlertTransition(
                rule=rule,
                fingerprint=f"{rule}|service={service}",
                state=AlertState.FIRING,
                severity=severity,
                at=at,
                labels=(("service", service),),
            )
        ]
    )
    (incident,) = [i for i in await manager.open_incidents() if i.rule == rule]
    return incident


async def paged(state: StateStore, clock: FakeClock, incident: Incident) -> list[tuple[str, str, float]]:
    """``(event, target, at - START)`` of every page queued for ``incident``."""
    rows = await state.pending_notifications(clock.now() + 10**6)
    return [
        (r.payload["event"], r.payload["target"], r.payload["at"] - START)
        for r in rows
        if r.payload["incident_id"] == incident.id
    ]


async def run_until(manager: IncidentManager, clock: FakeClock, end: float, step: float = 30.0) -> None:
    """Tick every ``step`` seconds of the fake clock up to ``START + end``."""
    while clock.now() < START + end:
        clock.advance(step)
        await manager.tick()


async def test_a_p0_on_payments_follows_its_policy_and_repeats_after_the_last_level(
    state: StateStore, clock: FakeClock
) -> None:
    manager = manager_of(state, clock)
    incident = await fire(manager, Severity.P0, "payments")
    assert manager.chain(incident).name == "policy payments-p0"
    await run_until(manager, clock, 3 * 3600)

    # primary (ana) at 0, secondary (ben) 5 min on, the manager 10 min later; then the path twice more, the
    # manager's step waiting escalation.after (15m, it sets no after of its own) before the next round.
    assert await paged(state, clock, incident) == [
        ("triggered", "ana", 0),
        ("escalated", "ben", 300),
        ("escalated", "carla", 900),
        ("escalated", "ana", 1800),
        ("escalated", "ben", 2100),
        ("escalated", "carla", 2700),
        ("escalated", "ana", 3600),
        ("escalated", "ben", 3900),
        ("escalated", "carla", 4500),
    ]
    texts = [e.text for e in await manager.timeline(incident.id) if e.kind is EventKind.ESCALATED]
    assert texts[0] == "escalated to ben (secondary): not acknowledged after 5m00s (policy payments-p0)"
    assert texts[2] == "escalated to ana (primary), round 2: not acknowledged after 30m00s (policy payments-p0)"
    assert texts[-1].startswith("escalated to carla (manager), round 3: not acknowledged after 1h15m")


async def test_a_policy_per_severity_and_the_default_for_the_rest(state: StateStore, clock: FakeClock) -> None:
    manager = manager_of(state, clock)
    p0 = await fire(manager, Severity.P0, "api")  # P0 but not payments: the second policy
    p1 = await fire(manager, Severity.P1, "search")  # no policy: the global path, 15 minutes a step
    await run_until(manager, clock, 3600)

    assert await paged(state, clock, p0) == [("triggered", "ana", 0), ("escalated", "carla", 120)]
    assert await paged(state, clock, p1) == [
        ("triggered", "ana", 0),
        ("escalated", "ben", 900),
        ("escalated", "carla", 1800),
    ]
    assert (manager.chain(p0).name, manager.chain(p1).name) == ("policy p0", "default")


async def test_a_policy_per_service_pages_the_person_it_names(state: StateStore, clock: FakeClock) -> None:
    manager = manager_of(state, clock)
    reporting = await fire(manager, Severity.P2, "reporting")
    exports = await fire(manager, Severity.P3, "exports")
    await run_until(manager, clock, 3600)
    # One level, no repeat: ben is paged when it opens and the chain stops there, whatever the severity.
    assert await paged(state, clock, reporting) == [("triggered", "ben", 0)]
    assert await paged(state, clock, exports) == [("triggered", "ben", 0)]


async def test_raising_the_severity_moves_the_incident_onto_the_p0_policy(state: StateStore, clock: FakeClock) -> None:
    manager = manager_of(state, clock)
    incident = await fire(manager, Severity.P2, "api")
    clock.advance(60)
    await manager.change_severity(incident.id, Severity.P0, by="ana")
    clock.advance(60)  # 2 minutes after it was triggered: the P0 policy's second level
    await manager.tick()
    assert (await paged(state, clock, incident))[-1] == ("escalated", "carla", 120)


CONFIG = """\
rotation:
  people: [ana, ben]
  start: 2026-09-21T09:00:00+00:00
  manager: carla
escalation:
  policies:
    - match: {severity: [P0], service: payments}
      levels:
        - {who: primary, after: 5m}
        - {who: bne, after: 10m}
"""


def test_a_policy_naming_nobody_is_refused_with_file_line_and_key_path() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config_text(CONFIG, file="opstui.yaml")
    assert str(caught.value) == (
        "opstui.yaml:10: escalation.policies[0].levels[1].who: 'bne' is neither a role nor a person of the "
        "rotation or people: (primary, secondary, manager, ana, ben, carla)"
    )
    with pytest.raises(ConfigError) as caught:
        load_config_text(CONFIG.replace("[P0]", "[P7]").replace("bne", "ben"), file="opstui.yaml")
    assert str(caught.value) == (
        "opstui.yaml:7: escalation.policies[0].match: severity 'P7' is not one of P0, P1, P2, P3"
    )
    with pytest.raises(ConfigError) as caught:
        load_config_text(CONFIG.replace("- {who: bne, after: 10m}", "- {who: ben, after: 0s}"), file="opstui.yaml")
    assert caught.value.path == "escalation.policies[0].levels[1].after" and caught.value.line == 10


def test_validate_exits_2_on_a_bad_policy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "opstui.yaml"
    path.write_text(CONFIG)
    assert main(["validate", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{path}:10: escalation.policies[0].levels[1].who: 'bne'" in err
