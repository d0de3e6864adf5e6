"""What an incident is, as the manager, the state store, the review and the screens see it.

Every type here is a frozen snapshot: the manager never mutates one, it writes a new version to
the state store and hands that back, so a screen can never show a change that is not yet durable.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from opstui.alerts.model import Severity
from opstui.incidents.matchers import Matcher, alert_labels

MANUAL_PREFIX = "manual:"
"""The fingerprint of an incident opened by hand starts with this (no alert has such a fingerprint)."""
MANUAL_RULE = "manual"
"""The ``rule`` of an incident opened by hand."""


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
    ACK_TIMEOUT = "ack_timeout"
    """Acknowledged but not resolved in time (``incidents.ack_timeout``): triggered again, paged again."""
    REMINDER = "reminder"
    """Still triggered and firing after ``incidents.remind_every``: paged again."""
    SEVERITY_CHANGED = "severity_changed"
    UNACKNOWLEDGED = "unacknowledged"
    """An acknowledgement taken back by hand: triggered again, escalation from the first step."""
    REASSIGNED = "reassigned"
    """Given to a named person by hand: that person is paged and must acknowledge."""
    MERGED = "merged"
    """A page's event only (another incident was merged into this one): the timeline records a merge as a note,
    so the stored kinds (and the schema's check on them) stay as they are."""


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
    """Escalation step last paged (0: the path's first); past the path's end on a repeated round."""
    last_escalated_at: float | None = None
    """When someone was last paged about it (an escalation, a reminder, an acknowledgement timeout)."""
    alert_state: AlertPhase = AlertPhase.FIRING
    alert_cleared_at: float | None = None
    runbook: str | None = None
    metric: str | None = None
    summary: str = ""
    labels: tuple[tuple[str, str], ...] = ()
    reopened: int = 0
    """How many times the same alert came back soon after resolution (flapping)."""
    assignee: str | None = None
    """The person it was reassigned to by hand: paged instead of the escalation step's target until escalation
    moves on (to the next step, by time or by ``E``) or it is acknowledged then taken back."""
    revision: int = 0
    merged_into: int | None = None
    """Set when it was merged into another incident (closed, its timeline and alert joined that one)."""

    @property
    def is_open(self) -> bool:
        return self.state is not IncidentState.RESOLVED

    @property
    def manual(self) -> bool:
        """Opened by a person (``c``, ``opstui incident open``), not by an alert: nothing will clear it."""
        return self.fingerprint.startswith(MANUAL_PREFIX)

    def reopened_at(self, at: float, severity: Severity, **changes: Any) -> Incident:
        """The incident triggered again at ``at`` with ``severity``, its alert firing: acknowledgement, resolution
        and escalation forgotten, the reopen counted. The manager makes this change when the alert comes back,
        and a replay makes it again when it folds that line (``changes``: what either sets besides, or instead)."""
        fields: dict[str, Any] = {
            "state": IncidentState.TRIGGERED,
            "severity": severity,
            "triggered_at": at,
            "acknowledged_at": None,
            "acknowledged_by": None,
            "resolved_at": None,
            "resolved_by": None,
            "escalation_level": 0,
            "last_escalated_at": None,
            "alert_state": AlertPhase.FIRING,
            "alert_cleared_at": None,
            "reopened": self.reopened + 1,
        }
        return replace(self, **(fields | changes))


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


class SilenceState(StrEnum):
    """As Alertmanager shows a silence: not yet started, in force, or over (ended on time or early)."""

    PENDING = "pending"
    ACTIVE = "active"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Silence:
    """Alerts it covers open no incident from ``starts_at`` (default: when made) until ``until``.

    Two kinds share the table: a snooze (``s`` on an incident; ``matchers`` empty, ``matcher`` the rule name or
    fingerprint it equals) and a silence with Alertmanager's label matchers (``matcher`` then their text).
    """

    matcher: str
    created_at: float
    until: float
    """When it ends (its end time; a silence can be expired early, see ``ended_at``)."""
    reason: str
    """Why (required for a silence with matchers)."""
    created_by: str
    host: str
    ended_at: float | None = None
    """When it expired or was cancelled; None while it may still apply."""
    ended_by: str | None = None
    end_reason: str | None = None
    """``expired`` or ``cancelled`` (expired early by a person)."""
    suppressed: int = 0
    """How many alert firings it has swallowed, so a silence never hides an outage unnoticed."""
    id: int = 0
    starts_at: float | None = None
    """When it starts applying (a silence may be scheduled ahead); None: from ``created_at``."""
    matchers: tuple[Matcher, ...] = ()

    @property
    def start(self) -> float:
        return self.created_at if self.starts_at is None else self.starts_at

    def state(self, now: float) -> SilenceState:
        if self.ended_at is not None or now >= self.until:
            return SilenceState.EXPIRED
        return SilenceState.PENDING if now < self.start else SilenceState.ACTIVE

    def active(self, now: float) -> bool:
        return self.state(now) is SilenceState.ACTIVE

    def covers(self, rule: str, fingerprint: str, labels: Iterable[tuple[str, str]]) -> bool:
        """Whether it applies to this alert (its time aside): every matcher holds, or the snooze names it."""
        if not self.matchers:
            return self.matcher in (rule, fingerprint)
        seen = alert_labels(rule, labels)
        return all(m.holds(seen) for m in self.matchers)


@dataclass(frozen=True, slots=True)
class Override:
    """``who`` takes ``covers``'s place on call from ``starts_at`` to ``ends_at`` ("ana covers ben 18:00-22:00"):
    a page for ``covers`` (by role or by name) goes to ``who`` meanwhile. Ended early: ``ended_at``."""

    who: str
    covers: str
    starts_at: float
    ends_at: float
    created_at: float
    created_by: str
    host: str
    ended_at: float | None = None
    ended_by: str | None = None
    id: int = 0

    def active(self, now: float) -> bool:
        return self.ended_at is None and self.starts_at <= now < self.ends_at
