"""An incident manager on a real SQLite file and a fake clock, one open incident, and actions to run on it."""

from __future__ import annotations

import sys

import pytest

from opstui.actions.run import ActionRunner
from opstui.alerts.model import AlertState, AlertTransition, Severity
from opstui.clock import FakeClock
from opstui.config.actions import Action
from opstui.config.incidents import EscalationSettings, IncidentSettings
from opstui.incidents.manager import IncidentManager
from opstui.state import SqliteState

PYTHON = sys.executable


def python(code: str, **options: object) -> Action:
    """An action running ``python -c code`` (an argument list, no shell)."""
    return Action.model_validate({"name": "probe", "command": [PYTHON, "-c", code], **options})


@pytest.fixture
def manager(state: SqliteState, clock: FakeClock) -> IncidentManager:
    return IncidentManager(
        state, clock, IncidentSettings(), operator="alice", host="oncall-box", escalation=EscalationSettings()
    )


@pytest.fixture
def runner(manager: IncidentManager, clock: FakeClock) -> ActionRunner:
    return ActionRunner(manager, clock)


@pytest.fixture
async def incident_id(manager: IncidentManager, state: SqliteState, clock: FakeClock) -> int:
    """An open P1 'High Error Rate' incident with the high-error-rate runbook."""
    await manager.on_transitions(
        [
            AlertTransition(
                rule="High Error Rate",
                fingerprint="High Error Rate|",
                state=AlertState.FIRING,
                severity=Severity.P1,
                at=clock.now(),
                value=6.2,
                summary="error rate 6.2% > 5%",
                runbook="high-error-rate",
                metric="error_rate",
            )
        ]
    )
    incident = await state.latest_incident("High Error Rate|")
    assert incident is not None
    return incident.id
