"""One turn of alerts into incidents, and what the header makes of the result.

Incident and alert state agree, always. The engine announces a firing alert once; two things can leave
it firing with no open incident: a silence swallowed the announcement, or someone resolved the incident
while the alert still fired (``r`` confirmed, ``opstui resolve --force``). Alertmanager re-sends firing
alerts for this reason, and the feed does the same: on every turn, a firing alert with no open incident
and no silence is announced again, which opens a new incident or reopens the resolved one. An alert an
inhibit rule holds back (its inhibitor fires) is not announced; once the inhibitor stops, it is.

The other way round, an incident opened by an earlier run (or another console) whose alert cleared while
this console was down would say "alert firing" forever: no engine here will ever announce its end. So
each open incident is reconciled once with the engine's verdict, as soon as the engine can judge (its
metric has data): quiet means the alert is marked cleared now, and auto-resolve runs from there.
"""

from __future__ import annotations

from dataclasses import dataclass

from opstui.alerts.bell import Waiting
from opstui.alerts.inhibit import Inhibitor
from opstui.alerts.model import AlertState, AlertTransition, Severity
from opstui.alerts.rules import RuleEngine, Verdict
from opstui.incidents.manager import IncidentManager
from opstui.incidents.model import AlertPhase, Incident, IncidentState
from opstui.status import Status


class IncidentFeed:
    """Carries the engine's transitions to the incident manager, then lets time act (escalate, auto-resolve)."""

    def __init__(self, engine: RuleEngine, incidents: IncidentManager, inhibitor: Inhibitor | None = None) -> None:
        self._engine = engine
        self._inhibitor = inhibitor or Inhibitor([])
        self.inhibited: dict[str, str] = {}
        """Firing or pending alerts an inhibit rule holds back now, by fingerprint: the source's fingerprint."""
        self._incidents = incidents
        self._reconciled: set[int] = set()
        """Open incidents already checked against the engine (bounded: pruned to the open ones each turn)."""

    async def turn(self, transitions: list[AlertTransition]) -> list[Incident]:
        """Apply ``transitions`` and the time that passed; return the open incidents, most urgent first."""
        self.inhibited = self._inhibited_now()
        if self.inhibited:
            # An inhibited alert opens nothing; when its inhibitor stops, _unhandled announces it again.
            transitions = [
                t for t in transitions if not (t.state is AlertState.FIRING and t.fingerprint in self.inhibited)
            ]
        await self._incidents.on_transitions(transitions)
        await self._incidents.tick()
        open_incidents = await self._incidents.open_incidents()
        announced = {t.fingerprint for t in transitions if t.state is AlertState.FIRING}
        again = await self._unhandled(open_incidents, announced)
        cleared = await self._reconcile(open_incidents)
        if again or cleared:
            await self._incidents.on_transitions(again)
            open_incidents = await self._incidents.open_incidents()
        return open_incidents

    async def _unhandled(self, open_incidents: list[Incident], announced: set[str]) -> list[AlertTransition]:
        """Firing alerts with no open incident and no silence (those announced this turn had their chance)."""
        handled = {incident.fingerprint for incident in open_incidents} | announced | set(self.inhibited)
        # An alert kept firing only because its data went stale is not announced again: someone resolved its
        # incident while blind; fresh data that still fires announces it anew.
        waiting = [
            a
            for a in self._engine.alerts()
            if a.state is AlertState.FIRING and a.fingerprint not in handled and a.data_stale_since is None
        ]
        if not waiting:
            return []
        silences = await self._incidents.silences()
        out: list[AlertTransition] = []
        for alert in waiting:
            if any(s.covers(alert.rule, alert.fingerprint, alert.labels) for s in silences):
                continue
            if (transition := self._engine.firing_transition(alert.fingerprint)) is not None:
                out.append(transition)
        return out

    def _inhibited_now(self) -> dict[str, str]:
        if not self._inhibitor:
            return {}
        alerts = self._engine.alerts()
        firing = [a for a in alerts if a.state is AlertState.FIRING]
        out: dict[str, str] = {}
        for alert in alerts:
            if alert.state in (AlertState.FIRING, AlertState.PENDING):
                source = self._inhibitor.inhibitor(alert.rule, alert.fingerprint, alert.labels, firing)
                if source is not None:
                    out[alert.fingerprint] = source
        return out

    async def _reconcile(self, open_incidents: list[Incident]) -> bool:
        """Mark cleared the open incidents whose alert the engine finds quiet; True when one was."""
        self._reconciled &= {incident.id for incident in open_incidents}
        changed = False
        for incident in open_incidents:
            if incident.id in self._reconciled:
                continue
            if incident.alert_state is AlertPhase.CLEARED:
                self._reconciled.add(incident.id)
                continue
            verdict = self._engine.verdict(incident.rule, incident.fingerprint)
            if verdict is Verdict.FIRING:
                self._reconciled.add(incident.id)  # the engine follows it from here (its end is a transition)
            elif verdict is Verdict.QUIET:
                at = self._engine.evaluated_at
                assert at is not None  # a verdict other than UNKNOWN needs an evaluation
                await self._incidents.mark_cleared(incident.id, at, f"{incident.rule} is not firing (found on start)")
                self._reconciled.add(incident.id)
                changed = True
        return changed


@dataclass(frozen=True, slots=True)
class Attention:
    """What the open incidents ask of a human now: the header's count, banner and status term."""

    unacknowledged: int = 0
    banner: str | None = None
    """The one-line banner for the most urgent unacknowledged P0/P1 (None clears it)."""
    banner_incident: int | None = None
    """The id of the banner's incident: what the banner key (``A``) acknowledges, and nothing else."""
    status: Status = Status.OK
    """Firing incidents by severity: a firing P0/P1 is CRITICAL, a firing P2/P3 a WARNING. An acknowledged
    incident still counts while its alert fires: someone owns the fire, but it still burns."""
    waiting: tuple[Waiting, ...] = ()
    """The unacknowledged incidents, for the bell (``alerting.bell``)."""


def attention(open_incidents: list[Incident]) -> Attention:
    """How many open incidents nobody has acknowledged, the banner for the most urgent unacknowledged P0/P1,
    and what the firing ones make of the header's status."""
    waiting = [i for i in open_incidents if i.state is IncidentState.TRIGGERED]
    # An incident opened by hand has no alert to clear: it counts as burning until it is resolved.
    firing = [i for i in open_incidents if i.alert_state is not AlertPhase.CLEARED or i.manual]
    status = Status.worst([Status.CRITICAL if i.severity.rank <= 1 else Status.WARNING for i in firing])
    urgent = sorted(
        (i for i in waiting if i.severity in (Severity.P0, Severity.P1)),
        key=lambda i: (i.severity.rank, i.triggered_at, i.id),
    )
    bell = tuple(Waiting(i.id, i.severity, i.triggered_at) for i in waiting)
    if not urgent:
        return Attention(len(waiting), None, None, status, bell)
    first = urgent[0]
    banner = f"{first.severity.value} #{first.id} {first.title}" + (f": {first.summary}" if first.summary else "")
    if len(urgent) > 1:
        banner += f" (+{len(urgent) - 1} more P0/P1 unacknowledged)"
    return Attention(len(waiting), banner, first.id, status, bell)
