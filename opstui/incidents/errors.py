"""What an operator's incident command can run into: one line each, said in the operator's terms."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from opstui.incidents.model import Incident, IncidentState


class IncidentError(Exception):
    """An action that cannot apply (unknown incident, acknowledging a resolved one); one line."""


class AlreadyHandled(IncidentError):
    """Someone else acknowledged, resolved or merged the incident first: the console that lost the race is told
    who won and when, instead of believing it owns the incident."""

    def __init__(self, incident: Incident) -> None:
        self.incident = incident
        if incident.merged_into is not None:
            self.action, self.by, self.at = (
                f"merged into #{incident.merged_into}",
                incident.resolved_by,
                incident.resolved_at,
            )
        elif incident.state is IncidentState.RESOLVED:
            self.action, self.by, self.at = "resolved", incident.resolved_by, incident.resolved_at
        else:
            self.action, self.by, self.at = "acknowledged", incident.acknowledged_by, incident.acknowledged_at
        super().__init__(self.describe(UTC))

    def describe(self, tz: tzinfo) -> str:
        """One line with the time in the operator's zone: ``incident #7 is already acknowledged by ana at 14:02``."""
        when = "" if self.at is None else f" at {datetime.fromtimestamp(self.at, tz).strftime('%H:%M')}"
        return f"incident #{self.incident.id} is already {self.action} by {self.by or 'someone'}{when}"
