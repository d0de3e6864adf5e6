"""Who is on call now: the seed's On-Call Rotation (primary and secondary by week, escalation to the manager).

The seed has primary on-call in weeks 1, 3, 5 ... and secondary in weeks 2, 4, 6 ...: people take turns week by
week. With ``people: [ana, ben]`` and ``start`` on a Monday, ana is primary in week 1 with ben as secondary,
ben primary in week 2 with ana as secondary, and so on; with more people the turn passes down the list and the
next person in the list is secondary. The manager is the last step of escalation and never rotates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import Field, field_validator

from opstui.config.durations import PositiveDuration
from opstui.config.models import Model

WEEK = 7 * 86400.0


@dataclass(frozen=True, slots=True)
class OnCall:
    """Who answers now, in the escalation path's terms."""

    primary: str
    secondary: str
    manager: str | None
    shift_ends: float
    """When the next person takes over as primary (unix seconds)."""

    def resolve(self, target: str) -> str:
        """An escalation target (``primary``, ``secondary``, ``manager`` or a name) as a person's name."""
        names = {"primary": self.primary, "secondary": self.secondary, "manager": self.manager}
        return names.get(target) or target


class Rotation(Model):
    """The on-call rotation; the header of every screen shows who is primary now."""

    people: list[str] = Field(min_length=1)
    """Engineers in turn order: the first is primary in the first week, the next one secondary."""
    start: datetime
    """When the first shift begins (ISO 8601 with a zone, e.g. ``2026-09-21T09:00:00+00:00``)."""
    shift: PositiveDuration = WEEK
    """How long one shift lasts; the seed's rotation is weekly."""
    manager: str | None = None
    """The engineering manager: the last step of escalation."""

    @field_validator("start")
    @classmethod
    def _zoned(cls, start: datetime) -> datetime:
        # A naive time would shift the handover by the host's offset on every laptop of the team.
        return start if start.tzinfo is not None else start.replace(tzinfo=UTC)

    @field_validator("people")
    @classmethod
    def _distinct(cls, people: list[str]) -> list[str]:
        if len(set(people)) != len(people):
            raise ValueError("each person appears once in the rotation")
        return people

    def who_is_on_call(self, now: float) -> OnCall:
        """The primary, secondary and manager at ``now`` (before ``start``, the first shift's people)."""
        elapsed = max(0.0, now - self.start.timestamp())
        turn = int(elapsed // self.shift)
        count = len(self.people)
        primary = self.people[turn % count]
        secondary = self.people[(turn + 1) % count] if count > 1 else (self.manager or primary)
        return OnCall(
            primary=primary,
            secondary=secondary,
            manager=self.manager,
            shift_ends=self.start.timestamp() + (turn + 1) * self.shift,
        )
