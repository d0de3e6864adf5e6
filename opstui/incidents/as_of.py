"""The incidents as they stood at a past moment, rebuilt from their timelines: what a replay's On-call screen shows.

The state store keeps each incident's newest version and every line of its timeline, and every change of state
is a line (triggered, acknowledged, escalated, resolved, reopened, taken back, reassigned, the alert clearing and
firing again, a severity changed by hand or by a merge). So the version at any moment is the incident as it
opened with the lines up to that moment folded over it (:func:`as_of`): going back in time folds again from the
start, it never undoes. What no line records is kept as stored now (title, summary, labels, the runbook).

:class:`IncidentsAsOf` is an :class:`~opstui.incidents.manager.IncidentManager` whose reads answer at its clock's
now (a replay's cursor) from records read once (:func:`read_records`): the On-call screen, the incident detail
and the silences list read it as they read the live one. It is for looking: the console refuses every key that
acts while it replays.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from opstui.alerts.model import Severity
from opstui.clock import Clock
from opstui.config.incidents import EscalationSettings, IncidentSettings
from opstui.incidents.maintenance import Maintenance
from opstui.incidents.manager import MAX_MERGED, IncidentManager, joined
from opstui.incidents.model import AlertPhase, EventKind, Incident, IncidentEvent, IncidentState, Silence
from opstui.state.protocol import StateStore

RECORDS = 1000
"""At most this many incidents are read for a replay, the newest opened first (a replay covers the 48 h of
full-resolution history; an older incident still open then is among them unless a thousand opened since)."""

_SEVERITY = re.compile(r"severity (P[0-3]) -> (P[0-3])")
"""How a severity change is written on the timeline: by hand (``severity P2 -> P1 by ana``) or by a merge."""
_MERGED = re.compile(r"^merged into #(\d+) ")
"""How the resolution of an incident merged into another starts."""
_MERGED_HERE = " merged into this by "
"""The note on the incident another was merged into (with ``; severity P2 -> P1`` when it took the worse)."""


@dataclass(frozen=True, slots=True)
class Record:
    """One incident as stored now and its own timeline, oldest first: what any earlier version is folded from."""

    incident: Incident
    events: tuple[IncidentEvent, ...]


async def read_records(store: StateStore, since: float, limit: int = RECORDS) -> list[Record]:
    """Every incident open at some moment from ``since`` on (among the ``limit`` opened last), with its timeline."""
    records: list[Record] = []
    for incident in await store.recent_incidents(limit):
        if incident.resolved_at is not None and incident.resolved_at < since:
            continue  # resolved for good before the replay can start (a reopen would have cleared resolved_at)
        records.append(Record(incident, tuple(await store.events(incident.id))))
    return sorted(records, key=lambda record: record.incident.id)


def as_of(record: Record, when: float) -> Incident | None:
    """The incident as it stood at ``when`` (None before it opened): its opening, with every line up to it folded."""
    stored = record.incident
    if stored.opened_at > when:
        return None
    changes = [change for event in record.events if (change := _severity_change(event)) is not None]
    opening = changes[0][0] if changes else stored.severity
    # As it opened: a reopen at its opening that counts nothing and has no assignee, no merge yet.
    incident = stored.reopened_at(
        stored.opened_at,
        opening,
        reopened=0,
        assignee=None,
        merged_into=None,
        alert_state=AlertPhase.CLEARED if stored.manual else AlertPhase.FIRING,
    )
    for event in record.events:
        if event.at > when:
            break
        if event.at >= stored.opened_at:  # nothing happens to an incident before it opens (a skewed clock's line)
            incident = _after(incident, event, opening)
    return incident


def _severity_change(event: IncidentEvent) -> tuple[Severity, Severity] | None:
    """The severity before and after, for a line that changed it (by hand, or a merge into this incident)."""
    by_hand = event.kind is EventKind.SEVERITY_CHANGED
    if not (by_hand or (event.kind is EventKind.NOTE and _MERGED_HERE in event.text)):
        return None
    found = _SEVERITY.search(event.text)
    return (Severity(found.group(1)), Severity(found.group(2))) if found else None


def _after(incident: Incident, event: IncidentEvent, opening: Severity) -> Incident:
    """``incident`` once ``event`` happened: the same change the manager made when it wrote that line
    (``opening``: the severity it opened with, which its rule gives it again when it reopens)."""
    at, kind = event.at, event.kind
    if kind is EventKind.ACKNOWLEDGED:
        return replace(incident, state=IncidentState.ACKNOWLEDGED, acknowledged_at=at, acknowledged_by=event.actor)
    if kind is EventKind.RESOLVED:
        merged = _MERGED.match(event.text)
        return replace(
            incident,
            state=IncidentState.RESOLVED,
            resolved_at=at,
            resolved_by=event.actor,
            merged_into=int(merged.group(1)) if merged else None,
        )
    if kind is EventKind.ESCALATED:
        return replace(incident, escalation_level=incident.escalation_level + 1, last_escalated_at=at, assignee=None)
    if kind is EventKind.REMINDER:
        return replace(incident, last_escalated_at=at)
    if kind in (EventKind.ACK_TIMEOUT, EventKind.UNACKNOWLEDGED, EventKind.REASSIGNED):
        assignee = {
            EventKind.ACK_TIMEOUT: incident.assignee,
            EventKind.UNACKNOWLEDGED: None,
            EventKind.REASSIGNED: event.text.rpartition(" to ")[2] or None,
        }[kind]
        return replace(
            incident,
            state=IncidentState.TRIGGERED,
            triggered_at=at,
            acknowledged_at=None,
            acknowledged_by=None,
            escalation_level=0,
            last_escalated_at=at,
            assignee=assignee,
        )
    if kind is EventKind.REOPENED:
        return incident.reopened_at(at, opening)
    if kind is EventKind.ALERT_CLEARED:
        return replace(incident, alert_state=AlertPhase.CLEARED, alert_cleared_at=at)
    if kind is EventKind.ALERT_REFIRED and not incident.manual:
        return replace(incident, alert_state=AlertPhase.FIRING, alert_cleared_at=None)
    if change := _severity_change(event):
        return replace(incident, severity=change[1])
    return incident


class IncidentsAsOf(IncidentManager):
    """The incidents, their timelines and the silences as they were at the clock's now (a replay's cursor)."""

    def __init__(
        self,
        records: Sequence[Record],
        state: StateStore,
        clock: Clock,
        settings: IncidentSettings,
        escalation: EscalationSettings | None = None,
        maintenance: Maintenance | None = None,
    ) -> None:
        super().__init__(state, clock, settings, "replay", escalation=escalation, maintenance=maintenance)
        self.records = {record.incident.id: record for record in records}
        """The records it answers from, read once when the replay starts (:func:`read_records`)."""

    def at_now(self) -> list[Incident]:
        """Every incident opened by now, as it stood then."""
        now = self.clock.now()
        return [found for record in self.records.values() if (found := as_of(record, now)) is not None]

    async def open_incidents(self) -> list[Incident]:
        return self.most_urgent_first([i for i in self.at_now() if i.is_open], self.clock.now())

    async def get(self, incident_id: int) -> Incident | None:
        record = self.records.get(incident_id)
        return None if record is None else as_of(record, self.clock.now())

    async def timeline(self, incident_id: int) -> list[IncidentEvent]:
        """The lines up to now, with those of the incidents merged into it by then (as the live one joins them)."""
        now = self.clock.now()
        record = self.records.get(incident_id)
        if record is None or record.incident.opened_at > now:
            return []
        events = [event for event in record.events if event.at <= now]
        merged = {i.id: i.merged_into for i in self.at_now() if i.merged_into is not None}
        pending, seen = [incident_id], {incident_id}
        while pending and len(seen) <= MAX_MERGED:
            into = pending.pop()
            for source in sorted(i for i, target in merged.items() if target == into and i not in seen):
                seen.add(source)
                pending.append(source)
                events += [joined(event) for event in self.records[source].events if event.at <= now]
        return sorted(events, key=lambda event: (event.at, event.id))

    async def all_incidents(self, limit: int = 100) -> list[Incident]:
        return sorted(self.at_now(), key=lambda i: (i.opened_at, i.id), reverse=True)[:limit]

    async def all_silences(self, expired_within: float = 86400.0) -> list[Silence]:
        """The silences made by now, each as it stood then (one ended later was still running)."""
        now = self.clock.now()
        made = [s for s in await self.store.silences_since(now - expired_within) if s.created_at <= now]
        return [
            s if s.ended_at is None or s.ended_at <= now else replace(s, ended_at=None, ended_by=None) for s in made
        ]

    async def silences(self) -> list[Silence]:
        now = self.clock.now()
        return [s for s in await self.all_silences() if s.active(now)] + self.maintenance.silences(now)
