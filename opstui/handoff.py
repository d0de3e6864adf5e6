"""The end-of-shift handoff notes (the seed's on-call duty: "Handoff notes at end of shift").

What the next person needs, read from the shared state for the last shift (``since``, 12 hours by default):

- the incidents opened, acknowledged or resolved in the shift, and every one still open, each with what
  happened to it in the shift and its last public update (or, without one, its last note);
- the silences in force (what is muted, until when, why, by whom), and the status page overrides in force;
- the checklist: tasks overdue now and occurrences missed in the shift (at most the checklist's 48 hours);
- who is on call now and who takes over next (with a rotation).

``opstui handoff [--since 12h] [-o FILE]`` writes it; ``H`` on the On-call screen writes it beside the state
database. Both read the same :func:`gather` and :func:`render`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path

from opstui.checklist.board import TIMELINE_SPAN, Checklist
from opstui.checklist.model import Outcome
from opstui.config.durations import format_duration
from opstui.config.rotation import OnCall, Rotation
from opstui.incidents.model import EventKind, Incident, Silence, is_action_run
from opstui.incidents.oncall import with_overrides
from opstui.sanitize import clean
from opstui.state.protocol import ComponentOverride, StateStore
from opstui.statuspage.model import updates_of

SCAN = 500
"""Most recent incidents read for one handoff (a shift has a handful)."""


@dataclass(frozen=True, slots=True)
class IncidentNote:
    """One incident as the handoff tells it."""

    incident: Incident
    happened: tuple[str, ...]
    """``opened 01:35``, ``acknowledged 01:40 by ana``, ``resolved 02:10 by ben``: what the shift saw."""
    last_word: str
    """The last public update (``Identified: ...``) or, without one, the last note; empty if neither."""


@dataclass(frozen=True, slots=True)
class Handoff:
    since: float
    now: float
    incidents: tuple[IncidentNote, ...]
    silences: tuple[Silence, ...]
    overdue: tuple[tuple[str, float], ...]
    """(task title, overdue by seconds) of the tasks overdue now."""
    missed: tuple[tuple[str, float], ...]
    """(task title, due at) of the occurrences missed in the shift."""
    on_call: OnCall | None
    next_on_call: OnCall | None
    overrides: tuple[ComponentOverride, ...] = ()
    """Status page components whose status a person set (with why), in force now."""


async def gather(
    state: StateStore,
    checklist: Checklist | None,
    rotation: Rotation | None,
    since: float,
    now: float,
    tz: tzinfo,
    *,
    refresh: bool = True,
) -> Handoff:
    """Read the shift from the state store (and the checklist, refreshed from it unless ``refresh`` is False:
    the console refreshes its own under the core's lock first)."""
    notes = []
    for incident in await state.recent_incidents(SCAN):
        moments = [incident.opened_at, incident.acknowledged_at or 0.0, incident.resolved_at or 0.0]
        if not incident.is_open and max(moments) < since:
            continue
        notes.append(await _note(state, incident, since, tz))
    notes.sort(key=lambda n: (not n.incident.is_open, n.incident.severity.rank, -n.incident.opened_at))
    overdue: list[tuple[str, float]] = []
    missed: list[tuple[str, float]] = []
    if checklist is not None:
        if refresh:
            await checklist.refresh()
        overdue = [(v.task.title, v.overdue_by) for v in checklist.views if v.overdue_by > 0]
        titles = {task.id: task.title for task in checklist.tasks}
        span = min(TIMELINE_SPAN, now - since)
        missed = [
            (titles.get(e.task_id, e.task_id), e.due_at)
            for e in checklist.timeline(span)
            if e.outcome is Outcome.MISSED and e.due_at >= since
        ]
    on_call = following = None
    if rotation is not None:  # as pages go: with the stored overrides ("dana covers ben tonight")
        overrides = await state.overrides_from(now)
        on_call = with_overrides(rotation.who_is_on_call(now), overrides, now)
        following = with_overrides(rotation.who_is_on_call(on_call.shift_ends), overrides, on_call.shift_ends)
    return Handoff(
        since=since,
        now=now,
        incidents=tuple(notes),
        silences=tuple(await state.active_silences(now)),
        overdue=tuple(overdue),
        missed=tuple(missed),
        on_call=on_call,
        next_on_call=following,
        overrides=tuple(await state.component_overrides(now)),
    )


async def _note(state: StateStore, incident: Incident, since: float, tz: tzinfo) -> IncidentNote:
    def at(moment: float) -> str:
        return _time(moment, tz)

    happened = []
    if incident.opened_at >= since:
        happened.append(f"opened {at(incident.opened_at)}")
    if incident.acknowledged_at is not None and incident.acknowledged_at >= since:
        happened.append(f"acknowledged {at(incident.acknowledged_at)} by {incident.acknowledged_by}")
    if incident.resolved_at is not None and incident.resolved_at >= since:
        happened.append(f"resolved {at(incident.resolved_at)} by {incident.resolved_by}")
    if incident.is_open:
        happened.append(f"still {incident.state.value}")
    events = await state.events(incident.id)
    updates = updates_of(events)
    if updates:
        last = updates[-1]
        last_word = f"{last.status.value} ({at(last.at)}): {' '.join(last.message.split())}"
    else:
        notes = [e for e in events if e.kind is EventKind.NOTE and e.text and not is_action_run(e)]
        last_word = f"note ({at(notes[-1].at)}, {notes[-1].actor}): {' '.join(notes[-1].text.split())}" if notes else ""
    return IncidentNote(incident, tuple(happened), last_word)


def _time(at: float, tz: tzinfo) -> str:
    return datetime.fromtimestamp(at, tz).strftime("%Y-%m-%d %H:%M")


def render(handoff: Handoff, tz: tzinfo) -> str:
    """The handoff as Markdown (sanitised: titles and notes are written by people and alerts)."""
    lines = [
        f"# Handoff: {_time(handoff.since, tz)} to {_time(handoff.now, tz)}",
        "",
        "## Incidents",
        "",
    ]
    if not handoff.incidents:
        lines.append("None opened, acknowledged, resolved or open in this shift.")
    for note in handoff.incidents:
        incident = note.incident
        lines.append(f"- **#{incident.id} {incident.severity.value} {incident.title}**: {', '.join(note.happened)}")
        if note.last_word:
            lines.append(f"  - last word: {note.last_word}")
        else:
            lines.append("  - no update or note yet")
    lines += ["", "## Silences in force", ""]
    lines += [
        f"- {s.matcher} until {_time(s.until, tz)} by {s.created_by}" + (f": {s.reason}" if s.reason else "")
        for s in handoff.silences
    ] or ["None."]
    lines += ["", "## Status page overrides", ""]
    lines += [
        f"- {o.component}: {o.status} since {_time(o.set_at, tz)}"
        + ("" if o.until is None else f" until {_time(o.until, tz)}")
        + f" by {o.set_by}: {o.reason}"
        for o in handoff.overrides
    ] or ["None: every component's status is derived."]
    lines += ["", "## Checklist", ""]
    lines += [f"- overdue: {title} (by {format_duration(late)})" for title, late in handoff.overdue]
    lines += [f"- missed: {title} (due {_time(due, tz)})" for title, due in handoff.missed]
    if not handoff.overdue and not handoff.missed:
        lines.append("Nothing overdue or missed.")
    lines += ["", "## On call", ""]
    if handoff.on_call is None:
        lines.append("No rotation configured.")
    else:
        now, following = handoff.on_call, handoff.next_on_call
        lines.append(f"- now: {now.primary} (secondary {now.secondary}) until {_time(now.shift_ends, tz)}")
        if following is not None:
            lines.append(f"- next: {following.primary} (secondary {following.secondary})")
        if now.manager:
            lines.append(f"- escalation: {now.manager}")
    return clean("\n".join(lines) + "\n", multiline=True)


def handoff_path(state_file: Path, now: float, tz: tzinfo) -> Path:
    """Where the console writes a handoff: ``handoffs/`` beside the state database, one file per minute."""
    stamp = datetime.fromtimestamp(now, tz).strftime("%Y%m%d-%H%M")
    return state_file.expanduser().parent / "handoffs" / f"handoff-{stamp}.md"


def shift_summary(notes: Sequence[IncidentNote]) -> str:
    """``3 incidents, 1 still open``: the notice after ``H``."""
    still = sum(1 for n in notes if n.incident.is_open)
    return f"{len(notes)} incident{'' if len(notes) == 1 else 's'}, {still} still open"
