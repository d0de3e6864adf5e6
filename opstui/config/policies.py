"""Escalation policies: a path of its own for the incidents of some severities or services.

A P2 on the reporting service should not reach the manager as fast as a P0 on payments. Each policy says which
incidents it takes (``match``: severities and label values) and its levels: who is paged (a role of the rotation
or a person's name) and how long to wait for an acknowledgement before the next level. The first policy that
matches an incident decides its path; an incident no policy matches follows ``escalation.path`` as before.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from opstui.alerts.model import Severity
from opstui.config.durations import PositiveDuration
from opstui.config.models import Model

ROLES = ("primary", "secondary", "manager")
"""The rotation's roles an escalation step may name instead of a person."""


class PolicyLevel(Model):
    """One step of a policy: who is paged, and how long nobody acknowledging takes it to the next step."""

    who: str = Field(min_length=1)
    """``primary``, ``secondary``, ``manager`` (who holds the role now) or a person's name."""
    after: PositiveDuration | None = None
    """Unacknowledged this long after this step is paged, the next step is; unset: ``escalation.after``."""


class EscalationPolicy(Model):
    """Which incidents take this path (``match``) and the path itself (``levels``, ``repeat``)."""

    name: str | None = None
    """Shown on the timeline (``policy payments-p0``); unset: ``policy N`` by its place in the list."""
    match: dict[str, str | list[str]] = Field(default_factory=dict)
    """``severity`` (one or a list of P0..P3) and labels (``service: payments`` or a list of values; ``alertname``
    is the rule's name): all must hold. Empty: every incident (a catch-all, put it last)."""
    levels: list[PolicyLevel] = Field(min_length=1)
    """The steps in order; the first is paged when the incident opens."""
    repeat: int = Field(default=0, ge=0, le=20)
    """After the last step, start again from the first this many more times (0: stop at the last)."""

    @field_validator("match")
    @classmethod
    def _match(cls, match: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
        for key, value in match.items():
            values = [value] if isinstance(value, str) else value
            if not values:
                raise ValueError(f"{key} lists no value")
            if key == "severity":
                for severity in values:
                    if severity not in {s.value for s in Severity}:
                        raise ValueError(f"severity {severity!r} is not one of P0, P1, P2, P3")
        return match

    def severities(self) -> frozenset[Severity] | None:
        """The severities it takes, or None for any."""
        value = self.match.get("severity")
        if value is None:
            return None
        return frozenset(Severity(v) for v in ([value] if isinstance(value, str) else value))

    def labels(self) -> dict[str, frozenset[str]]:
        """Each label it checks, with the values it accepts."""
        return {
            key: frozenset([value] if isinstance(value, str) else value)
            for key, value in self.match.items()
            if key != "severity"
        }
