"""The post-incident review, drafted from what the timeline recorded.

The layout is the seed's Post-Incident Review Template, section for section and in its order, so a
team that already uses the template gets a familiar document with the times filled in and only the
judgement (impact, action items) left to write.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from opstui.incidents.model import EventKind, Incident, IncidentEvent, Milestone, is_action_run
from opstui.sanitize import clean

_UNKNOWN_TIME = "--:--"

UPDATE_STATUSES = ("Investigating", "Identified", "Monitoring", "Resolved")
"""The seed template's statuses, as an update's first line starts (see opstui.statuspage.model)."""

PREVENTIVE_MEASURES = (
    "Add monitoring for early detection",
    "Improve error handling",
    "Add automated tests",
    "Document runbook",
)


def review_path(state_file: Path, incident_id: int) -> Path:
    """Where the console writes a review: ``reviews/`` beside the state database, one file per incident."""
    return state_file.expanduser().parent / "reviews" / f"incident-{incident_id}-review.md"


def render_review(
    incident: Incident, events: Sequence[IncidentEvent], tz: tzinfo = UTC, metrics: Sequence[str] = ()
) -> str:
    """Markdown for the review; times shown in ``tz`` (the config's timezone). ``metrics``: the lines of a
    "Metrics around the incident" section (text charts from the history, see review_charts), after the
    timeline."""
    events = sorted(events, key=lambda e: (e.at, e.id))
    day = datetime.fromtimestamp(incident.opened_at, tz).date()

    def when(at: float | None) -> str:
        if at is None:
            return _UNKNOWN_TIME
        moment = datetime.fromtimestamp(at, tz)
        # HH:MM as the template has it; the date too once the incident runs past its first day.
        return moment.strftime("%H:%M") if moment.date() == day else moment.strftime("%Y-%m-%d %H:%M")

    lines = [
        f"## Post-Incident Review: #{incident.id} {incident.title}",
        "",
        "### Incident Summary",
        "",
        f"- **Date**: {day.isoformat()}",
        f"- **Duration**: {_duration(incident, events)}",
        f"- **Severity**: {incident.severity.value}",
        "- **Impact**: X users affected, $Y revenue lost",
        "",
        "### Timeline",
        "",
        *(f"- **{when(at)}** - {text}" for at, text in _timeline(incident, events)),
        "",
        *(["### Metrics around the incident", "", *metrics, ""] if metrics else []),
        "### Root Cause",
        "",
        *_paragraphs(_root_cause(events), "Describe technical root cause"),
        "",
        "### Resolution",
        "",
        *_paragraphs(_resolution(events), "Describe fix applied"),
        "",
        "### Preventive Measures",
        "",
        *(f"- [ ] {measure}" for measure in PREVENTIVE_MEASURES),
        "",
        "### Action Items",
        "",
        "| Task            | Owner    | Due Date   | Status |",
        "| --------------- | -------- | ---------- | ------ |",
        "| Add alert for X | Engineer | YYYY-MM-DD | Open   |",
        "| Fix Y bug       | Engineer | YYYY-MM-DD | Open   |",
        "",
    ]
    # Titles and notes are written by people and alerts: the review is read in a terminal too.
    return clean("\n".join(lines), multiline=True)


def _timeline(incident: Incident, events: Sequence[IncidentEvent]) -> list[tuple[float | None, str]]:
    """The template's six milestones in its order; escalations and acknowledgement follow 'paged'."""

    def first(kind: EventKind, milestone: Milestone | None = None) -> IncidentEvent | None:
        return next((e for e in events if e.kind is kind and e.milestone is milestone), None)

    def last(kind: EventKind) -> IncidentEvent | None:
        return next((e for e in reversed(events) if e.kind is kind), None)

    detected_at = detected.at if (detected := first(EventKind.TRIGGERED)) else incident.opened_at
    rows: list[tuple[float | None, str]] = [
        (detected_at, f"Incident detected (by monitoring: {incident.rule})"),
        (detected_at, "On-call engineer paged"),
    ]
    for event in events:
        if event.kind in (EventKind.ESCALATED, EventKind.REOPENED, EventKind.ACK_TIMEOUT):
            rows.append((event.at, _sentence(event.text)))
        elif event.kind is EventKind.ACKNOWLEDGED:
            rows.append((event.at, f"Acknowledged by {event.actor}"))
        elif event.kind is EventKind.MILESTONE and event.milestone is Milestone.STATUS_PAGE_UPDATED:
            status = event.text.partition("\n")[0].partition(": ")[0]
            posted = f"Status update posted: {status}" if status in UPDATE_STATUSES else "Status page updated"
            rows.append((event.at, f"{posted} (by {event.actor})"))
        elif is_action_run(event) and " started: " not in event.text.partition("\n")[0]:
            # The end of a runbook action (a rollback, a restart): what was done, by whom, how it ended.
            rows.append((event.at, f"{event.text.partition(chr(10))[0]} (run by {event.actor})"))

    root_cause = first(EventKind.MILESTONE, Milestone.ROOT_CAUSE_IDENTIFIED)
    fix = first(EventKind.MILESTONE, Milestone.FIX_DEPLOYED)
    rows.append((root_cause.at if root_cause else None, "Root cause identified"))
    rows.append((fix.at if fix else None, "Fix deployed / Rollback initiated"))
    if restored := first(EventKind.MILESTONE, Milestone.SERVICE_RESTORED):
        rows.append((restored.at, "Service restored"))
    else:
        cleared = last(EventKind.ALERT_CLEARED)
        rows.append((cleared.at if cleared else None, "Service restored (alert cleared)"))
    if resolved := last(EventKind.RESOLVED):
        rows.append((resolved.at, f"Incident resolved by {resolved.actor}"))
    else:
        rows.append((None, "Incident resolved"))
    return rows


def _root_cause(events: Sequence[IncidentEvent]) -> list[str]:
    """What was noted with the root-cause milestone or, if nothing was, every note."""
    marked = [e.text for e in events if e.milestone is Milestone.ROOT_CAUSE_IDENTIFIED and e.text]
    return marked or [e.text for e in events if e.kind is EventKind.NOTE and e.text and not is_action_run(e)]


def _resolution(events: Sequence[IncidentEvent]) -> list[str]:
    """What was noted with the fix / restored milestones and on resolving."""
    fixes = (Milestone.FIX_DEPLOYED, Milestone.SERVICE_RESTORED)
    return [e.text for e in events if e.text and (e.milestone in fixes or e.kind is EventKind.RESOLVED)]


def _paragraphs(texts: list[str], placeholder: str) -> list[str]:
    if not texts:
        return [placeholder]
    # A note may hold several lines; flatten it so each stays one list item.
    return [f"- {' '.join(text.split())}" for text in texts]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _duration(incident: Incident, events: Sequence[IncidentEvent]) -> str:
    """'X hours, Y minutes' from detection to resolution (or to the last event while still open)."""
    end = incident.resolved_at
    ongoing = end is None
    if end is None:
        end = events[-1].at if events else incident.opened_at
    minutes = int(max(0.0, end - incident.opened_at) // 60)
    hours, minutes = divmod(minutes, 60)
    text = f"{hours} {'hour' if hours == 1 else 'hours'}, {minutes} {'minute' if minutes == 1 else 'minutes'}"
    return f"{text} (ongoing)" if ongoing else text
