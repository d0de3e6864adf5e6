"""One turn of alerts into incidents, and what the header makes of the result.

The engine announces a firing alert once. If a silence swallowed that announcement, the alert would
stay firing with no incident after the silence ends; Alertmanager re-sends firing alerts for this
reason. The feed does the same, once: it remembers the firings that opened no incident and offers them
again on the first turn no silence matches them, if they are still firing.
"""

from __future__ import annotations

from dataclasses import dataclass

from opstui.alerts.model import AlertState, AlertTransition, Severity
from opstui.alerts.rules import RuleEngine
from opstui.incidents.manager import IncidentManager
from opstui.incidents.model import AlertPhase, Incident, IncidentState
from opstui.status import Status


class IncidentFeed:
    """Carries the engine's transitions to the incident manager, then lets time act (escalate, auto-resolve)."""

    def __init__(self, engine: RuleEngine, incidents: IncidentManager) -> None:
        self._engine = engine
        self._incidents = incidents
        self._held: set[str] = set()
        """Fingerprints whose firing opened no incident (silenced); bounded by the engine's alerts."""

    async def turn(self, transitions: list[AlertTransition]) -> list[Incident]:
        """Apply ``transitions`` and the time that passed; return the open incidents, most urgent first."""
        transitions = transitions + await self._released()
        await self._incidents.on_transitions(transitions)
        await self._incidents.tick()
        open_incidents = await self._incidents.open_incidents()
        handled = {incident.fingerprint for incident in open_incidents}
        for transition in transitions:
            if transition.state is AlertState.FIRING and transition.fingerprint not in handled:
                self._held.add(transition.fingerprint)
        return open_incidents

    async def _released(self) -> list[AlertTransition]:
        """Firing alerts held back by a silence that no longer applies, announced again now."""
        if not self._held:
            return []
        silences = await self._incidents.silences()
        out: list[AlertTransition] = []
        for fingerprint in list(self._held):
            transition = self._engine.firing_transition(fingerprint)
            if transition is None:
                self._held.discard(fingerprint)  # it stopped firing while silenced: nothing to open
            elif not any(s.matcher in (transition.rule, fingerprint) for s in silences):
                self._held.discard(fingerprint)
                out.append(transition)
        return out


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


def attention(open_incidents: list[Incident]) -> Attention:
    """How many open incidents nobody has acknowledged, the banner for the most urgent unacknowledged P0/P1,
    and what the firing ones make of the header's status."""
    waiting = [i for i in open_incidents if i.state is IncidentState.TRIGGERED]
    firing = [i for i in open_incidents if i.alert_state is not AlertPhase.CLEARED]
    status = Status.worst([Status.CRITICAL if i.severity.rank <= 1 else Status.WARNING for i in firing])
    urgent = sorted(
        (i for i in waiting if i.severity in (Severity.P0, Severity.P1)),
        key=lambda i: (i.severity.rank, i.triggered_at, i.id),
    )
    if not urgent:
        return Attention(len(waiting), None, None, status)
    first = urgent[0]
    banner = f"{first.severity.value} #{first.id} {first.title}" + (f": {first.summary}" if first.summary else "")
    if len(urgent) > 1:
        banner += f" (+{len(urgent) - 1} more P0/P1 unacknowledged)"
    return Attention(len(waiting), banner, first.id, status)
