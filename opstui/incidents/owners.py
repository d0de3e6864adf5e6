"""Incidents that belong to another system (an Alertmanager alert), and what it is told when a person acts.

An acknowledgement or resolution is committed to the state store first (durable before shown); the owner is
told afterwards, and what it answered (or why it could not be told) becomes a line on the timeline, so the
audit shows it as it shows every action.
"""

from __future__ import annotations

from typing import Protocol

from opstui.incidents.model import Incident


class AlertOwner(Protocol):
    """The system an incident's alert came from, told of acknowledgements and resolutions."""

    def owns(self, incident: Incident) -> bool:
        """Whether the incident's alert came from this owner."""
        ...

    async def acknowledged(self, incident: Incident, by: str, note: str | None) -> str:
        """Carry the acknowledgement over (e.g. create a silence); the timeline's line about it. May raise."""
        ...

    async def resolved(self, incident: Incident) -> str | None:
        """Carry the resolution over (e.g. expire that silence); the timeline's line, if any. May raise."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...
