"""What crosses the boundary from alert rules to incidents and notifiers."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """The seeds' severity levels; the value is what config and screens show."""

    P0 = "P0"
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"

    @property
    def rank(self) -> int:
        """0 is the most urgent."""
        return int(self.value[1])


class AlertState(StrEnum):
    """As Prometheus defines them."""

    INACTIVE = "inactive"
    PENDING = "pending"
    """Condition true, ``for`` not yet elapsed."""
    FIRING = "firing"
    RESOLVED = "resolved"
    """Was firing, condition now false (shown for a while, then inactive)."""


@dataclass(frozen=True, slots=True)
class AlertTransition:
    """An alert rule changed state; incidents open on FIRING and learn of RESOLVED."""

    rule: str
    """The rule's name, e.g. ``High Error Rate``."""
    fingerprint: str
    """Stable identity of this alert (rule name + labels): one open incident per fingerprint."""
    state: AlertState
    severity: Severity
    at: float
    """Clock time of the transition (unix seconds)."""
    value: float | None = None
    """The expression's left-hand value when it was evaluated."""
    summary: str = ""
    """The rendered summary template."""
    runbook: str | None = None
    metric: str | None = None
    """The main metric of the expression, for the incident's chart."""
    labels: tuple[tuple[str, str], ...] = ()
