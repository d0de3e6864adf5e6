"""What the status page says: a component's status, and one incident update in the seed's template.

The seed's "Incident Communication Template"::

    Title: [Service Name] - [Issue Summary]
    We are currently experiencing [issue description].
    Our team is investigating and working on a resolution.
    Affected Services: [List]
    Started: [Time]
    Status: Investigating / Identified / Monitoring / Resolved
    Updates will be posted here as we learn more.

An update is stored as the text of a ``status_page_updated`` milestone: ``STATUS: TITLE``, then
``Affected services: A, B``, then the message. :func:`update_text` writes it and :func:`parse_update` reads it
back; a milestone marked by hand with a free note is not an update (it has no status) and is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum

from opstui.alerts.model import Severity
from opstui.config.status_page import Component
from opstui.incidents.model import EventKind, Incident, IncidentEvent, Milestone


class UpdateStatus(StrEnum):
    """The template's four statuses, in the order an incident goes through them."""

    INVESTIGATING = "Investigating"
    IDENTIFIED = "Identified"
    MONITORING = "Monitoring"
    RESOLVED = "Resolved"


class ComponentStatus(StrEnum):
    """A component's status, in the words status pages use (Statuspage's five)."""

    OPERATIONAL = "operational"
    UNDER_MAINTENANCE = "under maintenance"
    DEGRADED_PERFORMANCE = "degraded performance"
    PARTIAL_OUTAGE = "partial outage"
    MAJOR_OUTAGE = "major outage"

    @property
    def rank(self) -> int:
        """Worse is higher; the worst of a component's inputs is its status."""
        return list(ComponentStatus).index(self)


@dataclass(frozen=True, slots=True)
class IncidentUpdate:
    """One public update about an incident."""

    incident_id: int
    at: float
    status: UpdateStatus
    components: tuple[str, ...]
    title: str
    message: str
    author: str


_HEAD = re.compile(r"^(Investigating|Identified|Monitoring|Resolved): (.*)$")
_AFFECTED = "Affected services: "
NO_COMPONENTS = "(none)"


def update_text(status: UpdateStatus, components: Sequence[str], title: str, message: str) -> str:
    """The timeline text of an update (see the module docstring)."""
    affected = ", ".join(components) or NO_COMPONENTS
    return f"{status.value}: {' '.join(title.split())}\n{_AFFECTED}{affected}\n{message.strip()}"


def parse_update(event: IncidentEvent) -> IncidentUpdate | None:
    """The update an event records, or None if it is not one."""
    if event.kind is not EventKind.MILESTONE or event.milestone is not Milestone.STATUS_PAGE_UPDATED:
        return None
    head, _, rest = event.text.partition("\n")
    match = _HEAD.match(head)
    if match is None:
        return None
    affected, _, message = rest.partition("\n")
    names = affected.removeprefix(_AFFECTED) if affected.startswith(_AFFECTED) else ""
    components = tuple(n.strip() for n in names.split(",") if n.strip() and n.strip() != NO_COMPONENTS)
    return IncidentUpdate(
        incident_id=event.incident_id,
        at=event.at,
        status=UpdateStatus(match.group(1)),
        components=components,
        title=match.group(2),
        message=message.strip(),
        author=event.actor,
    )


def updates_of(events: Sequence[IncidentEvent]) -> list[IncidentUpdate]:
    """An incident's updates, oldest first."""
    return [update for event in events if (update := parse_update(event)) is not None]


def _names(incident: Incident) -> set[str]:
    return {name.casefold() for name in (incident.rule, incident.runbook or "") if name}


def affected_components(components: Sequence[Component], incident: Incident) -> list[str]:
    """The components whose ``rules`` name the incident's rule or runbook."""
    names = _names(incident)
    return [c.name for c in components if names & {rule.casefold() for rule in c.rules}]


def template(incident: Incident, components: Sequence[str], tz: tzinfo, last: IncidentUpdate | None = None) -> str:
    """The seed's template filled in from the incident (its title, summary and start); after a first update,
    the last one's message, to edit rather than retype."""
    if last is not None:
        return last.message
    started = datetime.fromtimestamp(incident.opened_at, tz).strftime("%Y-%m-%d %H:%M %Z")
    issue = incident.summary or incident.title
    return (
        f"We are currently experiencing {issue.rstrip('.')}.\n"
        "Our team is investigating and working on a resolution.\n"
        f"Started: {started}\n"
        "Updates will be posted here as we learn more."
    )


def default_title(incident: Incident, components: Sequence[str]) -> str:
    """``[Service Name] - [Issue Summary]``."""
    service = " & ".join(components) if components else "Service"
    return f"{service} - {incident.title}"


def next_status(last: IncidentUpdate | None, incident: Incident) -> UpdateStatus:
    """What the next update most likely says: Investigating first, Resolved once the incident is."""
    if not incident.is_open:
        return UpdateStatus.RESOLVED
    return last.status if last is not None else UpdateStatus.INVESTIGATING


NAGGED = (Severity.P0, Severity.P1)
"""Severities whose incidents want a public update at least every ``status_page.update_every``."""


def silent_for(incident: Incident, updates: Sequence[IncidentUpdate], every: float, now: float) -> float | None:
    """How long an open P0/P1 incident has gone without a public update (since it opened, if it never had one),
    when that is at least ``every``; None when it is fine or not nagged."""
    if not incident.is_open or incident.severity not in NAGGED:
        return None
    last = updates[-1].at if updates else incident.opened_at
    return now - last if now - last >= every else None
