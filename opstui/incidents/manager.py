"""The incident core: alert transitions in; incidents, timelines, escalations and notifications out.

Every change is read fresh from the state store, computed as a new snapshot and committed (with
its timeline events and outbox rows, in one transaction) before the method returns; the snapshot
returned is what is on disk. Nothing is cached, so two consoles sharing one store see each other's
work, and a change computed from a stale snapshot is recomputed (see :meth:`IncidentManager._change`).
"""

from __future__ import annotations

import contextlib
import socket
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from opstui.alerts.model import AlertState, AlertTransition, Severity
from opstui.clock import Clock
from opstui.config.durations import format_duration
from opstui.config.incidents import EscalationSettings, IncidentSettings
from opstui.config.rotation import OnCall
from opstui.incidents.chains import Chain, chain_for
from opstui.incidents.errors import AlreadyHandled, IncidentError
from opstui.incidents.maintenance import Maintenance
from opstui.incidents.matchers import Matcher, MatcherError, checked, matchers_text, parse_matchers
from opstui.incidents.model import (
    MANUAL_PREFIX,
    MANUAL_RULE,
    AlertPhase,
    EventKind,
    Incident,
    IncidentEvent,
    IncidentState,
    Milestone,
    Override,
    Silence,
    SilenceState,
)
from opstui.incidents.oncall import covering, with_overrides
from opstui.incidents.owners import AlertOwner
from opstui.state.outbox_sql import INCIDENT_CHANNEL
from opstui.state.protocol import ConflictError, Notification, StateStore

__all__ = ["SYSTEM_ACTOR", "AlreadyHandled", "IncidentError", "IncidentManager"]
"""The errors live in ``errors.py`` and are re-exported: callers import what a manager raises from here."""

SYSTEM_ACTOR = "opstui"
"""The actor of what nobody did by hand: alerts firing and clearing, escalation, auto-resolve."""
NOTIFY_CHANNEL = INCIDENT_CHANNEL
_ATTEMPTS = 3
MAX_MERGED = 50
"""At most this many incidents' timelines are joined into one (merges of merges included)."""


@dataclass(frozen=True, slots=True)
class _Change:
    """A new version of an incident with what to record alongside it."""

    incident: Incident
    events: Sequence[IncidentEvent] = ()
    notifications: Sequence[Notification] = ()


class IncidentManager:
    """Opens, escalates and resolves incidents, and carries out the operator's commands on them."""

    def __init__(
        self,
        state: StateStore,
        clock: Clock,
        settings: IncidentSettings,
        operator: str,
        host: str | None = None,
        escalation: EscalationSettings | None = None,
        on_call: Callable[[], OnCall | None] | None = None,
        owners: Sequence[AlertOwner] = (),
        maintenance: Maintenance | None = None,
    ) -> None:
        self._state = state
        self._clock = clock
        self.settings = settings
        self.escalation = escalation or EscalationSettings()
        self.operator = operator
        self.host = host or socket.gethostname()
        self._on_call = on_call
        self._overrides: tuple[Override, ...] = ()
        """The on-call overrides, read from the store before every change (:meth:`_load_overrides`)."""
        """Who is primary / secondary / manager now (the rotation), so escalation pages people, not roles."""
        self.maintenance = maintenance or Maintenance([])
        """The config's maintenance windows: while one is open it silences what its matchers cover."""
        self.owners = tuple(owners)
        """Systems some incidents' alerts came from (Alertmanager), told when a person acknowledges or resolves."""

    @property
    def clock(self) -> Clock:
        """The clock it stamps events with."""
        return self._clock

    @property
    def store(self) -> StateStore:
        """The state store it reads and writes (for commands that read more than incidents, e.g. the export)."""
        return self._state

    # Alerts in -------------------------------------------------------------------------------------

    async def on_transitions(self, transitions: Iterable[AlertTransition]) -> None:
        """Open, reopen or update incidents for FIRING and RESOLVED transitions (others are ignored)."""
        await self._load_overrides()
        for transition in transitions:
            if transition.state is AlertState.FIRING:
                await self._fired(transition)
            elif transition.state is AlertState.RESOLVED:
                await self._cleared(transition)

    async def _fired(self, alert: AlertTransition) -> None:
        for _ in range(_ATTEMPTS):
            try:
                await self._open_or_refire(alert)
                return
            except ConflictError:
                continue  # another console opened it first: go round again and log a refire instead
        raise IncidentError(f"could not record {alert.rule} firing: the incident keeps changing")

    async def _open_or_refire(self, alert: AlertTransition) -> None:
        """One attempt from a fresh read; a ConflictError means another process got there first."""
        latest = await self._state.latest_incident(alert.fingerprint)
        if latest is not None and latest.is_open:
            # Already being handled: one open incident per alert; the timeline notes it came back.
            await self._commit(self._refire(latest, alert))
            return
        if latest is not None and latest.merged_into is not None:
            # Merged: its alert joined the incident it was merged into, which hears of it while open.
            target = await self._merge_target(latest)
            if target is not None:
                await self._commit(self._refire(target, alert, merged_from=latest.id))
                return
            latest = None  # that one is resolved too: a new incident, never a reopened merged one
        silence = await self._silence_for(alert, alert.at)
        if silence is not None:
            if silence.id:  # a maintenance window's silence is not stored
                await self._state.count_suppressed(silence.id)
            return
        if (
            latest is not None
            and latest.resolved_at is not None
            and alert.at - latest.resolved_at <= self.settings.reopen_within
        ):
            await self._commit(self._reopen(latest, alert))
            return
        incident = Incident(
            id=0,
            fingerprint=alert.fingerprint,
            rule=alert.rule,
            title=_title(alert),
            severity=alert.severity,
            state=IncidentState.TRIGGERED,
            opened_at=alert.at,
            triggered_at=alert.at,
            runbook=alert.runbook,
            metric=alert.metric,
            summary=alert.summary,
            labels=tuple(sorted(alert.labels)),
        )
        text = alert.summary or f"{alert.rule} is firing"
        event = self._event(0, EventKind.TRIGGERED, alert.at, text, actor=SYSTEM_ACTOR)
        await self._state.insert_incident(
            incident, event, [self._notification(incident, EventKind.TRIGGERED, text, alert.at)]
        )

    def _refire(self, incident: Incident, alert: AlertTransition, merged_from: int | None = None) -> _Change:
        changed = replace(incident, alert_state=AlertPhase.FIRING, alert_cleared_at=None)
        if incident.manual:
            changed = incident  # burning until a person resolves it anyway; it has no alert of its own to mark
        text = alert.summary or f"{alert.rule} is firing again"
        if merged_from is not None:
            text = f"{_title(alert)} (merged from #{merged_from}) is firing: {text}"
        return _Change(changed, [self._event(incident.id, EventKind.ALERT_REFIRED, alert.at, text, SYSTEM_ACTOR)])

    def _reopen(self, incident: Incident, alert: AlertTransition) -> _Change:
        reopened = incident.reopened_at(alert.at, alert.severity, summary=alert.summary or incident.summary)
        assert incident.resolved_at is not None  # only resolved incidents are reopened
        text = f"fired again {format_duration(alert.at - incident.resolved_at)} after it was resolved"
        return _Change(
            reopened,
            [self._event(incident.id, EventKind.REOPENED, alert.at, text, SYSTEM_ACTOR)],
            [self._notification(reopened, EventKind.REOPENED, text, alert.at)],
        )

    async def _cleared(self, alert: AlertTransition) -> None:
        latest = await self._state.latest_incident(alert.fingerprint)
        if latest is None or not latest.is_open:
            return
        await self.mark_cleared(latest.id, alert.at, f"{alert.rule} cleared")

    async def mark_cleared(self, incident_id: int, at: float, text: str) -> Incident:
        """Record that the incident's alert stopped firing at ``at``; auto-resolve counts from then."""

        def clear(incident: Incident) -> _Change | None:
            if not incident.is_open or incident.alert_state is AlertPhase.CLEARED:
                return None
            changed = replace(incident, alert_state=AlertPhase.CLEARED, alert_cleared_at=at)
            return _Change(changed, [self._event(incident.id, EventKind.ALERT_CLEARED, at, text, SYSTEM_ACTOR)])

        return await self._change(incident_id, clear)

    async def _silence_for(self, alert: AlertTransition, now: float) -> Silence | None:
        for silence in [*await self._state.active_silences(now), *self.maintenance.silences(now)]:
            if silence.covers(alert.rule, alert.fingerprint, alert.labels):
                return silence
        return None

    # The operator's commands -----------------------------------------------------------------------

    async def acknowledge(self, incident_id: int, by: str | None = None, note: str | None = None) -> Incident:
        """Take the incident: stops escalation and the response-time clock.

        Acknowledging again one's own acknowledgement is a no-op; one made (or a resolution) by someone else
        raises :class:`AlreadyHandled`, so of two consoles racing exactly one owns the incident and the other
        is told who does. An incident from Alertmanager is also acknowledged there (a silence; ``note`` goes
        in its comment), after the acknowledgement is durable here.
        """
        actor = by or self.operator
        acted: list[bool] = []

        def ack(incident: Incident) -> _Change | None:
            if incident.state is IncidentState.RESOLVED:
                raise AlreadyHandled(incident)
            if incident.state is IncidentState.ACKNOWLEDGED:
                if incident.acknowledged_by != actor:
                    raise AlreadyHandled(incident)
                return None
            now = self._clock.now()
            changed = replace(incident, state=IncidentState.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=actor)
            text = f"acknowledged after {format_duration(now - incident.triggered_at)}"
            acted.append(True)
            return _Change(
                changed,
                [self._event(incident.id, EventKind.ACKNOWLEDGED, now, text, actor)],
                # Told to whoever was paged (each notifier's ``events`` decides), so nobody keeps looking for it.
                [self._notification(changed, EventKind.ACKNOWLEDGED, f"{text} by {actor}", now)],
            )

        incident = await self._change(incident_id, ack)
        if acted:
            await self._tell_owner(incident, actor, note, acknowledged=True)
        return incident

    async def open_manual(
        self, title: str, severity: Severity, summary: str = "", by: str | None = None, runbook: str | None = None
    ) -> Incident:
        """Open an incident by hand (a user-reported problem no rule sees): recorded, paged and escalated like one
        an alert opened. Nothing clears it by itself: no alert stands behind it, so it never auto-resolves."""
        text = " ".join(title.split())
        if not text:
            raise IncidentError("an incident needs a title")
        if len(text) > 200:
            raise IncidentError("a title is at most 200 characters (put the rest in --summary)")
        actor = by or self.operator
        await self._load_overrides()
        now = self._clock.now()
        incident = Incident(
            id=0,
            fingerprint=f"{MANUAL_PREFIX}{uuid.uuid4().hex}",
            rule=MANUAL_RULE,
            title=text,
            severity=Severity(severity),
            state=IncidentState.TRIGGERED,
            opened_at=now,
            triggered_at=now,
            alert_state=AlertPhase.CLEARED,
            runbook=runbook,
            summary=" ".join(summary.split()),
        )
        line = f"opened by hand by {actor}" + (f": {incident.summary}" if incident.summary else "")
        event = self._event(0, EventKind.TRIGGERED, now, line, actor=actor)
        return await self._state.insert_incident(
            incident, event, [self._notification(incident, EventKind.TRIGGERED, line, now)]
        )

    async def change_severity(self, incident_id: int, severity: Severity, by: str | None = None) -> Incident:
        """Raise or lower an open incident's severity: its response time follows; recorded and notified."""
        actor = by or self.operator
        severity = Severity(severity)

        def change(incident: Incident) -> _Change | None:
            if not incident.is_open:
                raise IncidentError(f"incident #{incident.id} is resolved; its severity stays {incident.severity}")
            if incident.severity is severity:
                return None
            now = self._clock.now()
            changed = replace(incident, severity=severity)
            text = f"severity {incident.severity.value} -> {severity.value} by {actor}"
            return _Change(
                changed,
                [self._event(incident.id, EventKind.SEVERITY_CHANGED, now, text, actor)],
                [self._notification(changed, EventKind.SEVERITY_CHANGED, text, now)],
            )

        return await self._change(incident_id, change)

    async def escalate_now(self, incident_id: int, by: str | None = None, seen_level: int | None = None) -> Incident:
        """Page the next step of the incident's path now (``E``), without waiting for its delay.

        ``seen_level`` is the step the operator saw: if the incident has moved on since (escalated by time or by
        another console), nothing is paged twice and :class:`IncidentError` says where it is now; of two consoles
        pressing ``E`` at once, exactly one escalates. The path's timetable keeps counting from the trigger.
        """
        actor = by or self.operator

        def escalate(incident: Incident) -> _Change | None:
            if incident.state is IncidentState.RESOLVED:
                raise AlreadyHandled(incident)
            if incident.state is IncidentState.ACKNOWLEDGED:
                raise IncidentError(
                    f"incident #{incident.id} is acknowledged by {incident.acknowledged_by}; "
                    "unacknowledge it first to escalate"
                )
            chain = self.chain(incident)
            if seen_level is not None and incident.escalation_level != seen_level:
                raise IncidentError(
                    f"incident #{incident.id} was already escalated to "
                    f"{self._paged(chain.target(incident.escalation_level))} meanwhile"
                )
            level = incident.escalation_level + 1
            if level >= chain.levels:
                raise IncidentError(f"incident #{incident.id} is at the last step of its path ({chain.name})")
            now = self._clock.now()
            role = chain.target(level)
            round_ = chain.round_of(level)
            again = f", round {round_ + 1}" if round_ else ""
            text = f"escalated by hand by {actor} to {self._paged(role)}{again}"
            changed = replace(incident, escalation_level=level, last_escalated_at=now, assignee=None)
            return _Change(
                changed,
                [self._event(incident.id, EventKind.ESCALATED, now, text, actor)],
                [self._notification(changed, EventKind.ESCALATED, text, now, role)],
            )

        return await self._change(incident_id, escalate)

    async def unacknowledge(self, incident_id: int, by: str | None = None) -> Incident:
        """Take an acknowledgement back: triggered again, escalation from the first step, that step paged.

        Of two consoles doing it at once, one does; the other finds it triggered and is told so.
        """
        actor = by or self.operator

        def unack(incident: Incident) -> _Change | None:
            if incident.state is IncidentState.RESOLVED:
                raise AlreadyHandled(incident)
            if incident.state is not IncidentState.ACKNOWLEDGED:
                raise IncidentError(f"incident #{incident.id} is not acknowledged")
            now = self._clock.now()
            changed = _triggered_again(incident, now, assignee=None)
            role = self.chain(changed).target(0)
            text = (
                f"acknowledgement by {incident.acknowledged_by} taken back by {actor}: triggered again, "
                f"paging {self._paged(role)}"
            )
            return _Change(
                changed,
                [self._event(incident.id, EventKind.UNACKNOWLEDGED, now, text, actor)],
                [self._notification(changed, EventKind.UNACKNOWLEDGED, text, now, role)],
            )

        return await self._change(incident_id, unack)

    async def reassign(
        self, incident_id: int, to: str, by: str | None = None, seen_revision: int | None = None
    ) -> Incident:
        """Give an open incident to a person: triggered for them (an acknowledgement is cleared: theirs is
        wanted), paged now through their methods; escalation starts again from the path's first step's delay.

        ``seen_revision`` is the version the operator acted on: changed since (by another console), nothing is
        done and :class:`IncidentError` says so, so of two consoles reassigning at once exactly one wins.
        """
        person = to.strip()
        if not person or any(c.isspace() for c in person):
            raise IncidentError("reassign to one person's name (as the rotation or people: name them)")
        actor = by or self.operator

        def give(incident: Incident) -> _Change | None:
            if incident.state is IncidentState.RESOLVED:
                raise AlreadyHandled(incident)
            if seen_revision is not None and incident.revision != seen_revision:
                raise IncidentError(f"incident #{incident.id} changed meanwhile; look at it again and retry")
            if incident.assignee == person and incident.state is IncidentState.TRIGGERED:
                return None
            now = self._clock.now()
            changed = _triggered_again(incident, now, assignee=person)
            was = incident.acknowledged_by or self._paged(self._page_role(incident))
            text = f"reassigned by {actor} from {was} to {person}"
            return _Change(
                changed,
                [self._event(incident.id, EventKind.REASSIGNED, now, text, actor)],
                [self._notification(changed, EventKind.REASSIGNED, text, now, person)],
            )

        return await self._change(incident_id, give)

    async def merge(self, incident_id: int, into_id: int, by: str | None = None) -> tuple[Incident, Incident]:
        """Merge an open incident into another open one (the same problem seen twice): it is closed as merged
        with a pointer to the other, its timeline joins the other's (:meth:`timeline`), its alert joins the
        other (a refire lands there) and the other takes the worse severity. Both change in one transaction,
        each from the revision it was read at, so of two consoles merging at once exactly one wins; the loser
        is told (:class:`AlreadyHandled`). Recorded on both timelines, in the audit, and paged (the merged
        one's resolution says where it went).

        Returns ``(merged, target)`` as stored."""
        actor = by or self.operator
        if incident_id == into_id:
            raise IncidentError(f"incident #{incident_id} cannot be merged into itself")
        for _ in range(_ATTEMPTS):
            source = await self._require(incident_id)
            target = await self._require(into_id)
            if source.merged_into is not None:
                if source.merged_into == into_id and source.resolved_by == actor:
                    return source, target  # one's own merge again: nothing to do
                raise AlreadyHandled(source)
            if not source.is_open:
                raise AlreadyHandled(source)
            if not target.is_open:
                if target.merged_into is not None:
                    raise IncidentError(f"incident #{into_id} was merged into #{target.merged_into}; merge into that")
                raise IncidentError(f"incident #{into_id} is resolved; merge into an open incident")
            changes = self._merged(source, target, actor)
            try:
                merged, joined = await self._state.update_incidents(changes)
            except ConflictError:
                continue
            return merged, joined
        raise IncidentError(f"incidents #{incident_id} and #{into_id} keep being changed by someone else; try again")

    def _merged(
        self, source: Incident, target: Incident, actor: str
    ) -> list[tuple[Incident, Sequence[IncidentEvent], Sequence[Notification]]]:
        now = self._clock.now()
        closed = replace(
            source, state=IncidentState.RESOLVED, resolved_at=now, resolved_by=actor, merged_into=target.id
        )
        worse = min(source.severity, target.severity, key=lambda s: s.rank)
        firing = source.alert_state is AlertPhase.FIRING and not source.manual and not target.manual
        joined = replace(
            target,
            severity=worse,
            alert_state=AlertPhase.FIRING if firing else target.alert_state,
            alert_cleared_at=None if firing else target.alert_cleared_at,
        )
        away = f"merged into #{target.id} {target.title} by {actor}"
        here = f"#{source.id} {source.severity.value} {source.title} merged into this by {actor}"
        if worse is not target.severity:
            here += f"; severity {target.severity.value} -> {worse.value}"
        return [
            (
                closed,
                [self._event(source.id, EventKind.RESOLVED, now, away, actor)],
                [self._notification(closed, EventKind.RESOLVED, away, now)],
            ),
            (
                joined,
                [self._event(target.id, EventKind.NOTE, now, here, actor)],
                [self._notification(joined, EventKind.MERGED, here, now)],
            ),
        ]

    async def _merge_target(self, incident: Incident) -> Incident | None:
        """The open incident a merged one's pointers lead to (merges may chain), or None."""
        for _ in range(8):
            if incident.merged_into is None:
                return incident if incident.is_open else None
            found = await self._state.get_incident(incident.merged_into)
            if found is None:
                return None
            incident = found
        return None

    async def resolve(self, incident_id: int, by: str | None = None, note: str | None = None) -> Incident:
        """Close the incident; ``note`` says how (the review's Resolution).

        Resolving one's own resolution again is a no-op; one by someone else raises :class:`AlreadyHandled`.
        """
        actor = by or self.operator
        acted: list[bool] = []

        def resolution(incident: Incident) -> _Change | None:
            if incident.state is IncidentState.RESOLVED and incident.resolved_by != actor:
                raise AlreadyHandled(incident)
            change = self._resolution(incident, actor, note)
            acted.append(change is not None)
            return change

        incident = await self._change(incident_id, resolution)
        if any(acted):
            await self._tell_owner(incident, actor, note, acknowledged=False)
        return incident

    async def _tell_owner(self, incident: Incident, actor: str, note: str | None, *, acknowledged: bool) -> None:
        """Carry an acknowledgement or resolution to the alert's owner; its answer (or failure) goes on the timeline.

        A failure never undoes what is already durable here: the operator sees on the timeline that the other
        system was not told, and why.
        """
        owner = next((o for o in self.owners if o.owns(incident)), None)
        if owner is None:
            return
        try:
            if acknowledged:
                text: str | None = await owner.acknowledged(incident, actor, note)
            else:
                text = await owner.resolved(incident)
        except Exception as exc:  # noqa: BLE001 - any failure of the other system is a line for the operator
            what = "acknowledgement" if acknowledged else "resolution"
            text = f"not carried to the alert's source ({what}): {exc}"
        if text:
            await self._state.add_event(self._event(incident.id, EventKind.NOTE, self._clock.now(), text, actor))

    async def resolve_gone(self, incident: Incident, source: str) -> None:
        """Resolve an open incident whose alert its source no longer reports (Alertmanager resolved it)."""
        with contextlib.suppress(AlreadyHandled):  # a person resolved it at the same moment: theirs stands
            await self.resolve(incident.id, by=SYSTEM_ACTOR, note=f"the alert was resolved in {source}")

    @staticmethod
    def still_firing(incident: Incident) -> str | None:
        """Why resolving ``incident`` now would leave its alert firing with no incident, or None.

        The screen asks for a confirmation and ``opstui resolve`` wants ``--force``; resolved anyway, the
        alert opens (or reopens) an incident at the next evaluation, so the two never disagree for long.
        """
        if incident.is_open and incident.alert_state is AlertPhase.FIRING:
            return f"its alert {incident.rule!r} is still firing; it will reopen at the next evaluation"
        return None

    def _resolution(self, incident: Incident, actor: str, note: str | None) -> _Change | None:
        if incident.state is IncidentState.RESOLVED:
            return None
        now = self._clock.now()
        changed = replace(incident, state=IncidentState.RESOLVED, resolved_at=now, resolved_by=actor)
        text = note or ""
        return _Change(
            changed,
            [self._event(incident.id, EventKind.RESOLVED, now, text, actor)],
            [self._notification(changed, EventKind.RESOLVED, text or f"resolved by {actor}", now)],
        )

    async def add_note(self, incident_id: int, text: str, by: str | None = None) -> IncidentEvent:
        """Add a line to the timeline (allowed after resolution too, for the review)."""
        incident = await self._require(incident_id)
        event = self._event(incident.id, EventKind.NOTE, self._clock.now(), text, by or self.operator)
        return await self._state.add_event(event)

    async def milestone(
        self,
        incident_id: int,
        kind: Milestone,
        text: str = "",
        by: str | None = None,
        notifications: Sequence[Notification] = (),
    ) -> IncidentEvent:
        """Mark a step of the review timeline (root cause identified, fix deployed ...), optionally noted.

        ``notifications`` (a published status update) are queued in the same transaction as the event.
        """
        incident = await self._require(incident_id)
        event = replace(
            self._event(incident.id, EventKind.MILESTONE, self._clock.now(), text, by or self.operator),
            milestone=Milestone(kind),
        )
        if not notifications:
            return await self._state.add_event(event)
        await self._change(incident_id, lambda current: _Change(current, [event], notifications))
        return event

    async def snooze(self, matcher: str, duration: float, reason: str = "", by: str | None = None) -> Silence:
        """Silence a rule name or fingerprint for ``duration`` seconds: its firings open no incident.

        Open incidents it matches stay open; their timelines record the snooze.
        """
        if duration <= 0:
            raise IncidentError("a snooze needs a positive duration")
        self._within_max(duration)
        actor = by or self.operator
        now = self._clock.now()
        silence = Silence(
            matcher=matcher,
            created_at=now,
            until=now + duration,
            reason=reason,
            created_by=actor,
            host=self.host,
        )
        text = f"{matcher} snoozed for {format_duration(duration)}" + (f": {reason}" if reason else "")
        events = [
            self._event(incident.id, EventKind.SNOOZED, now, text, actor)
            for incident in await self._state.open_incidents()
            if matcher in (incident.rule, incident.fingerprint)
        ]
        return await self._state.add_silence(silence, events)

    async def silence(
        self,
        matchers: str | Sequence[Matcher],
        reason: str,
        *,
        duration: float | None = None,
        ends_at: float | None = None,
        starts_at: float | None = None,
        by: str | None = None,
    ) -> Silence:
        """Silence every alert the matchers cover (Alertmanager's ``=``, ``!=``, ``=~``, ``!~`` on the rule's
        name as ``alertname`` and its labels) from ``starts_at`` (default now; a later start makes it pending)
        for ``duration`` seconds or until ``ends_at``; ``reason`` is required and the length at most
        ``incidents.max_silence``. Open incidents it covers from now record it on their timelines."""
        try:
            parsed = parse_matchers(matchers) if isinstance(matchers, str) else checked(matchers)
        except MatcherError as error:
            raise IncidentError(f"silence not made: {error}") from None
        why = " ".join(reason.split())
        if not why:
            raise IncidentError("silence not made: say why (the reason is required)")
        now = self._clock.now()
        start = now if starts_at is None or starts_at <= now else starts_at
        if (duration is None) == (ends_at is None):
            raise IncidentError("silence not made: give either a duration or an end")
        end = start + duration if duration is not None else float(ends_at or 0.0)
        if end <= start:
            raise IncidentError("silence not made: it would end before it starts")
        self._within_max(end - start)
        actor = by or self.operator
        text = matchers_text(parsed)
        silence = Silence(
            matcher=text,
            created_at=now,
            until=end,
            reason=why,
            created_by=actor,
            host=self.host,
            starts_at=None if start == now else start,
            matchers=parsed,
        )
        events = []
        if start == now:
            line = f"silenced by {actor} for {format_duration(end - now)} ({text}): {why}"
            events = [
                self._event(incident.id, EventKind.SNOOZED, now, line, actor)
                for incident in await self._state.open_incidents()
                if silence.covers(incident.rule, incident.fingerprint, incident.labels)
            ]
        return await self._state.add_silence(silence, events)

    async def expire_silence(self, silence_id: int, by: str | None = None) -> Silence:
        """End a silence now, pending or active (Alertmanager's "expire"); the silence as it was."""
        now = self._clock.now()
        found = next((s for s in await self._state.silences_since(now) if s.id == silence_id), None)
        if found is None or found.state(now) is SilenceState.EXPIRED:
            raise IncidentError(f"silence #{silence_id} does not exist or is already over")
        actor = by or self.operator
        if not await self._state.end_silence(silence_id, now, actor):
            raise IncidentError(f"silence #{silence_id} is already over")
        return replace(found, ended_at=now, ended_by=actor, end_reason="cancelled")

    async def all_silences(self, expired_within: float = 86400.0) -> list[Silence]:
        """Pending and active silences, and those over in the last ``expired_within`` seconds."""
        return await self._state.silences_since(self._clock.now() - expired_within)

    def _within_max(self, length: float, what: str = "a silence") -> None:
        limit = self.settings.max_silence
        if length > limit:
            raise IncidentError(
                f"{what} may last at most {format_duration(limit)} (incidents.max_silence); "
                f"asked for {format_duration(length)}"
            )

    async def unsnooze(self, matcher: str, by: str | None = None) -> int:
        """End the active silences for ``matcher`` now; returns how many were ended."""
        return await self._state.end_silences(matcher, self._clock.now(), by or self.operator)

    async def silences(self) -> list[Silence]:
        """The silences in force now, longest-lasting first, then the maintenance windows open now."""
        now = self._clock.now()
        return [*await self._state.active_silences(now), *self.maintenance.silences(now)]

    # Time passing ----------------------------------------------------------------------------------

    async def tick(self) -> None:
        """Called every few seconds by the core: expire silences, auto-resolve, re-alert, escalate, remind."""
        now = self._clock.now()
        await self._state.expire_silences(now)
        for incident in await self._state.open_incidents():
            if self._quiet_long_enough(incident, now):
                await self._change(incident.id, self._auto_resolution)
            elif self._ack_timed_out(incident, now):
                await self._change(incident.id, self._ack_timeout)
            elif self._escalation_due(incident, now) > incident.escalation_level:
                await self._change(incident.id, self._escalation)
            elif self._reminder_due(incident, now):
                await self._change(incident.id, self._reminder)

    def _quiet_long_enough(self, incident: Incident, now: float) -> bool:
        quiet = self.settings.auto_resolve_after
        return (
            quiet is not None
            and incident.is_open
            and incident.alert_cleared_at is not None
            and now - incident.alert_cleared_at >= quiet
        )

    def _auto_resolution(self, incident: Incident) -> _Change | None:
        if not self._quiet_long_enough(incident, self._clock.now()):
            return None
        assert incident.alert_cleared_at is not None
        quiet = format_duration(self._clock.now() - incident.alert_cleared_at)
        return self._resolution(incident, SYSTEM_ACTOR, f"auto-resolved: alert quiet for {quiet}")

    def _escalation_due(self, incident: Incident, now: float) -> int:
        """The escalation level an unacknowledged incident should have reached by ``now``."""
        if incident.state is not IncidentState.TRIGGERED:
            return incident.escalation_level
        return max(incident.escalation_level, self.chain(incident).due(now - incident.triggered_at))

    def _escalation(self, incident: Incident) -> _Change | None:
        now = self._clock.now()
        due = self._escalation_due(incident, now)
        if due <= incident.escalation_level:
            return None
        waited = format_duration(now - incident.triggered_at)
        events: list[IncidentEvent] = []
        notifications: list[Notification] = []
        chain = self.chain(incident)
        # One event per step, even if ticks were missed, so the timeline shows who was paged.
        for level in range(incident.escalation_level + 1, due + 1):
            role = chain.target(level)
            round_ = chain.round_of(level)
            again = f", round {round_ + 1}" if round_ else ""
            policy = "" if chain.name == "default" else f" ({chain.name})"
            text = f"escalated to {self._paged(role)}{again}: not acknowledged after {waited}{policy}"
            events.append(self._event(incident.id, EventKind.ESCALATED, now, text, SYSTEM_ACTOR))
            notifications.append(self._notification(incident, EventKind.ESCALATED, text, now, role))
        changed = replace(incident, escalation_level=due, last_escalated_at=now, assignee=None)
        return _Change(changed, events, notifications)

    def _ack_timed_out(self, incident: Incident, now: float) -> bool:
        """Acknowledged, not resolved, and the severity's ``ack_timeout`` has run out (at the exact second)."""
        timeout = self.settings.ack_timeout.get(incident.severity)
        return (
            timeout is not None
            and incident.state is IncidentState.ACKNOWLEDGED
            and incident.acknowledged_at is not None
            and now - incident.acknowledged_at >= timeout
        )

    def _ack_timeout(self, incident: Incident) -> _Change | None:
        """Back to triggered: the response clock and escalation start again from the first step, who is paged."""
        now = self._clock.now()
        if not self._ack_timed_out(incident, now):
            return None
        assert incident.acknowledged_at is not None
        held = format_duration(now - incident.acknowledged_at)
        changed = _triggered_again(incident, now, assignee=incident.assignee)
        role = changed.assignee or self.chain(changed).target(0)
        text = (
            f"acknowledged by {incident.acknowledged_by} {held} ago and not resolved: triggered again, "
            f"paging {self._paged(role)}"
        )
        return _Change(
            changed,
            [self._event(incident.id, EventKind.ACK_TIMEOUT, now, text, SYSTEM_ACTOR)],
            [self._notification(changed, EventKind.ACK_TIMEOUT, text, now, role)],
        )

    def _reminder_due(self, incident: Incident, now: float) -> bool:
        """Triggered, its alert still firing, and nobody paged about it for the severity's ``remind_every``."""
        every = self.settings.remind_every.get(incident.severity)
        if every is None or incident.state is not IncidentState.TRIGGERED:
            return False
        if incident.alert_state is not AlertPhase.FIRING:
            return False
        last_page = max(incident.triggered_at, incident.last_escalated_at or incident.triggered_at)
        return now - last_page >= every

    def _reminder(self, incident: Incident) -> _Change | None:
        now = self._clock.now()
        if not self._reminder_due(incident, now):
            return None
        role = self._page_role(incident)
        text = (
            f"reminder: still firing, not acknowledged after {format_duration(now - incident.triggered_at)}; "
            f"paging {self._paged(role)} again"
        )
        changed = replace(incident, last_escalated_at=now)
        return _Change(
            changed,
            [self._event(incident.id, EventKind.REMINDER, now, text, SYSTEM_ACTOR)],
            [self._notification(changed, EventKind.REMINDER, text, now, role)],
        )

    # On-call overrides -----------------------------------------------------------------------------

    async def add_override(
        self, who: str, covers: str, starts_at: float, ends_at: float, by: str | None = None
    ) -> Override:
        """``who`` covers ``covers`` from ``starts_at`` to ``ends_at``: pages for ``covers`` go to ``who``."""
        who, covers = who.strip(), covers.strip()
        if not who or not covers:
            raise IncidentError("override not made: name who covers and whom (--who, --for)")
        if who == covers:
            raise IncidentError(f"override not made: {who} cannot cover themselves")
        now = self._clock.now()
        if ends_at <= starts_at:
            raise IncidentError("override not made: it would end before it starts")
        if ends_at <= now:
            raise IncidentError("override not made: it would be over already")
        self._within_max(ends_at - max(starts_at, now), what="an override")
        override = Override(who, covers, starts_at, ends_at, now, by or self.operator, self.host)
        return await self._state.add_override(override)

    async def overrides(self) -> list[Override]:
        """The overrides in force now or to come, by start."""
        return await self._state.overrides_from(self._clock.now())

    async def end_override(self, override_id: int, by: str | None = None) -> None:
        """End an override now (it was made by mistake, or the person is back)."""
        if not await self._state.end_override(override_id, self._clock.now(), by or self.operator):
            raise IncidentError(f"override #{override_id} does not exist or is already over")

    async def on_call_now(self) -> OnCall | None:
        """The rotation now with the stored overrides applied (``opstui oncall``, the header)."""
        await self._load_overrides()
        return self._on_call_now()

    # SLA -------------------------------------------------------------------------------------------

    def sla_deadline(self, incident: Incident) -> float:
        """When the incident must be acknowledged by (the seed's response time for its severity)."""
        return incident.triggered_at + self.settings.sla[incident.severity]

    def sla_remaining(self, incident: Incident, now: float) -> float:
        """Seconds left to acknowledge (negative once late); frozen at the acknowledgement."""
        responded = incident.acknowledged_at if incident.acknowledged_at is not None else now
        return self.sla_deadline(incident) - responded

    def breached(self, incident: Incident, now: float) -> bool:
        """Whether the response time was missed ("< 15 minutes": at 15:00 it is late)."""
        if incident.state is IncidentState.RESOLVED and incident.acknowledged_at is None:
            assert incident.resolved_at is not None
            return self.sla_remaining(incident, incident.resolved_at) <= 0
        return self.sla_remaining(incident, now) <= 0

    # Reading ---------------------------------------------------------------------------------------

    async def open_incidents(self) -> list[Incident]:
        """Most urgent first: unacknowledged, then by severity, then by the least SLA time left."""
        return self.most_urgent_first(await self._state.open_incidents(), self._clock.now())

    def most_urgent_first(self, incidents: Iterable[Incident], now: float) -> list[Incident]:
        """Unacknowledged first, then by severity, then by the least SLA time left (the On-call screen's order)."""
        return sorted(
            incidents,
            key=lambda i: (
                i.state is not IncidentState.TRIGGERED,
                i.severity.rank,
                self.sla_remaining(i, now),
                i.id,
            ),
        )

    async def get(self, incident_id: int) -> Incident | None:
        return await self._state.get_incident(incident_id)

    async def timeline(self, incident_id: int) -> list[IncidentEvent]:
        """The incident's timeline, with those of the incidents merged into it joined in time order: their
        milestones (status updates) as they are, every other line as a note naming its incident (``#3
        acknowledged: ...``). Joined when read, never copied, so the audit lists each action once."""
        events = await self._state.events(incident_id)
        pending, seen = [incident_id], {incident_id}
        while pending and len(seen) <= MAX_MERGED:
            for merged in await self._state.merged_into(pending.pop()):
                if merged.id in seen:
                    continue
                seen.add(merged.id)
                pending.append(merged.id)
                events += [joined(event) for event in await self._state.events(merged.id)]
        return sorted(events, key=lambda event: (event.at, event.id))

    async def all_incidents(self, limit: int = 100) -> list[Incident]:
        """Open and resolved, newest first."""
        return await self._state.recent_incidents(limit)

    # Plumbing --------------------------------------------------------------------------------------

    async def _require(self, incident_id: int) -> Incident:
        incident = await self._state.get_incident(incident_id)
        if incident is None:
            raise IncidentError(f"there is no incident #{incident_id}")
        return incident

    async def _change(self, incident_id: int, change: Callable[[Incident], _Change | None]) -> Incident:
        """Read, compute, commit; if another process committed first, recompute from its version."""
        await self._load_overrides()
        for _ in range(_ATTEMPTS):
            incident = await self._require(incident_id)
            outcome = change(incident)
            if outcome is None:
                return incident
            try:
                return await self._commit(outcome)
            except ConflictError:
                continue
        raise IncidentError(f"incident #{incident_id} keeps being changed by someone else; try again")

    async def _commit(self, change: _Change) -> Incident:
        return await self._state.update_incident(change.incident, change.events, change.notifications)

    def _event(self, incident_id: int, kind: EventKind, at: float, text: str, actor: str) -> IncidentEvent:
        return IncidentEvent(incident_id=incident_id, at=at, kind=kind, actor=actor, host=self.host, text=text)

    def chain(self, incident: Incident) -> Chain:
        """The escalation path ``incident`` follows now (its severity's or service's policy, else the default)."""
        return chain_for(self.escalation, incident)

    def _page_role(self, incident: Incident) -> str:
        """Who a page about ``incident`` is for now: the person it was reassigned to, else its step's target."""
        return incident.assignee or self.chain(incident).target(incident.escalation_level)

    def _on_call_now(self) -> OnCall | None:
        """The rotation now, with the overrides in force applied (``ana covers ben``: ana holds ben's role)."""
        base = self._on_call() if self._on_call is not None else None
        return None if base is None else with_overrides(base, self._overrides, self._clock.now())

    def person(self, role: str) -> str:
        """Who a role or a name means now: the rotation's holder of the role, then whoever covers that person."""
        on_call = self._on_call_now()
        named = on_call.resolve(role) if on_call is not None else role
        return covering(named, self._overrides, self._clock.now())

    def _paged(self, role: str) -> str:
        """``ben (secondary)`` with a rotation, ``secondary`` without one, ``ana`` for a name."""
        person = self.person(role)
        return role if person == role else f"{person} ({role})"

    async def _load_overrides(self) -> None:
        """Read the overrides in force or to come: each page is computed with the store's, never a stale copy."""
        self._overrides = tuple(await self._state.overrides_from(self._clock.now()))

    def _notification(
        self, incident: Incident, kind: EventKind, text: str, at: float, role: str | None = None
    ) -> Notification:
        # The last one paged (the path wraps round on a repeated round).
        role = role or self._page_role(incident)
        payload: dict[str, object] = {
            "incident_id": incident.id,
            "title": incident.title,
            "severity": incident.severity.value,
            "state": incident.state.value,
            "event": kind.value,
            "text": text,
            # A person is paged, not a role: with a rotation, who holds the role now; else the role itself.
            "target": self.person(role),
            "role": role,
            "runbook": incident.runbook,
            "at": at,
        }
        return Notification(channel=NOTIFY_CHANNEL, payload=payload, created_at=at)


def joined(event: IncidentEvent) -> IncidentEvent:
    """A merged incident's line as it shows on the timeline of the one it was merged into."""
    if event.kind is EventKind.MILESTONE:
        return event
    text = f"#{event.incident_id} {event.kind.value.replace('_', ' ')}" + (f": {event.text}" if event.text else "")
    return replace(event, kind=EventKind.NOTE, text=text)


def _title(alert: AlertTransition) -> str:
    """The rule name, plus the labels that tell two instances of one rule apart."""
    if not alert.labels:
        return alert.rule
    labels = ", ".join(f"{key}={value}" for key, value in sorted(alert.labels))
    return f"{alert.rule} ({labels})"


def _triggered_again(incident: Incident, now: float, *, assignee: str | None) -> Incident:
    """An acknowledged (or assigned) incident back to triggered at ``now``: acknowledgement cleared, the response
    clock and the escalation path started again (an ack timeout, an unacknowledge, a reassignment)."""
    return replace(
        incident,
        state=IncidentState.TRIGGERED,
        triggered_at=now,
        acknowledged_at=None,
        acknowledged_by=None,
        escalation_level=0,
        last_escalated_at=now,
        assignee=assignee,
    )
