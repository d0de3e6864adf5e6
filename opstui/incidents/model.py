"""What an incident is, as the manager, the state store, the review and the screens see it.

Every type here is a frozen snapshot: the manager never mutates one, it writes a new version to
the state store and hands that back, so a screen can never show a change that is not yet durable.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from opstui.alerts.model import Severity


class IncidentState(StrEnum):
    """The incident's life: an alert triggers it, a person acknowledges it, it is resolved."""

    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class AlertPhase(StrEnum):
    """Whether the alert behind an open incident is still firing (an incident outlives its alert)."""

    FIRING = "firing"
    CLEARED = "cleared"


class EventKind(StrEnum):
    """The kinds of line on an incident's timeline."""

    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    NOTE = "note"
    MILESTONE = "milestone"
    ESCALATED = "escalated"
    ALERT_CLEARED = "alert_cleared"
    ALERT_REFIRED = "alert_refired"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    SNOOZED = "snoozed"


ACTION_MARK = "[action] "
"""How a runbook action's run starts its timeline note (``[action] Rollback web: exit 0 after 3s``): the review
keeps these out of the Root Cause and lists them on its timeline instead."""


def is_action_run(event: IncidentEvent) -> bool:
    """Whether ``event`` is the record of a runbook action (its start or its end)."""
    return event.kind is EventKind.NOTE and event.text.startswith(ACTION_MARK)


class Milestone(StrEnum):
    """The steps of the seed's Post-Incident Review timeline that a person marks by hand."""

    ROOT_CAUSE_IDENTIFIED = "root_cause_identified"
    FIX_DEPLOYED = "fix_deployed"
    SERVICE_RESTORED = "service_restored"
    STATUS_PAGE_UPDATED = "status_page_updated"


@dataclass(frozen=True, slots=True)
class Incident:
    """One incident as last committed to the state store.

    ``id`` is 0 until the store has assigned one. ``revision`` counts committed changes, so two
    consoles sharing a store cannot both escalate or acknowledge from the same stale snapshot.
    """

    id: int
    fingerprint: str
    """The alert's identity; at most one open incident per fingerprint."""
    rule: str
    title: str
    severity: Severity
    state: IncidentState
    opened_at: float
    triggered_at: float
    """When it last entered TRIGGERED (opened or reopened): the SLA and escalation count from here."""
    acknowledged_at: float | None = None
    acknowledged_by: str | None = None
    resolved_at: float | None = None
    resolved_by: str | None = None
    escalation_level: int = 0
    """Index into the escalation path of who has been paged last (0: primary)."""
    last_escalated_at: float | None = None
    alert_state: AlertPhase = AlertPhase.FIRING
    alert_cleared_at: float | None = None
    runbook: str | None = None
    metric: str | None = None
    summary: str = ""
    labels: tuple[tuple[str, str], ...] = ()
    reopened: int = 0
    """How many times the same alert came back soon after resolution (flapping)."""
    revision: int = 0

    @property
    def is_open(self) -> bool:
        return self.state is not IncidentState.RESOLVED


@dataclass(frozen=True, slots=True)
class IncidentEvent:
    """One line of an incident's timeline: what happened, when, by whom and from which host."""

    incident_id: int
    at: float
    kind: EventKind
    actor: str
    host: str
    text: str = ""
    milestone: Milestone | None = None
    """Set on MILESTONE events only."""
    id: int = 0


@dataclass(frozen=True, slots=True)
class Silence:
    """A snooze: alerts whose rule name or fingerprint equals ``matcher`` open no incident until ``until``."""

    matcher: str
    created_at: float
    until: float
    reason: str
    created_by: str
    host: str
    ended_at: float | None = None
    """When it expired or was cancelled; None while it may still apply."""
    ended_by: str | None = None
    end_reason: str | None = None
    """``expired`` or ``cancelled``."""
    suppressed: int = 0
    """How many alert firings it has swallowed, so a silence never hides an outage unnoticed."""
    id: int = 0

    def active(self, now: float) -> bool:
        return self.ended_at is None and now < self.until
