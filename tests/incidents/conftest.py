"""An incident manager on a real SQLite file and a fake clock, plus a way to fire alerts at it."""

from __future__ import annotations

import pytest

from opstui.alerts.model import AlertState, AlertTransition, Severity
from opstui.clock import FakeClock
from opstui.config.incidents import EscalationSettings, IncidentSettings
from opstui.incidents.manager import IncidentManager
from opstui.state import SqliteState

START = 1_790_000_000.0
"""2026-09-21 14:13:20 UTC: the fake clock's epoch."""


@pytest.fixture
def manager(state: SqliteState, clock: FakeClock) -> IncidentManager:
    return IncidentManager(
        state, clock, IncidentSettings(), operator="alice", host="oncall-box", escalation=EscalationSettings()
    )


def alert(
    state: AlertState,
    at: float,
    rule: str = "High Error Rate",
    severity: Severity = Severity.P1,
    fingerprint: str | None = None,
) -> AlertTransition:
    return AlertTransition(
        rule=rule,
        fingerprint=fingerprint or f"{rule}|",
        state=state,
        severity=severity,
        at=at,
        value=6.2,
        summary=f"{rule}: error rate 6.2% > 5%",
        runbook="Check error logs; rollback if a deploy is recent",
        metric="error_rate",
    )
