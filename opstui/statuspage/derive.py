"""A component's status, derived from what the console watches: its sources, its KPIs, its rules' incidents.

Each input can only make the status worse (never calm while broken), and each one that does is named, so the
page and the console can say *why* the API is in a partial outage:

- a source down or unreachable is a major outage; degraded or stale, a degraded performance; in an open
  maintenance window, under maintenance whatever its state (planned work is said as such, never as an outage);
- a KPI at critical is a partial outage; at warning, a degraded performance;
- an open incident of one of its rules is a major outage (P0), a partial outage (P1) or a degraded performance
  (P2, P3); once its alert has cleared (recovering, not yet resolved), a degraded performance. An incident whose
  alert names a ``source`` label counts only for the components that list that source (``Service Down`` on the
  homepage is the Website's, not the API's).

The export runs without the live sources (a one-shot command), so there it passes the incidents alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from opstui.alerts.model import Severity
from opstui.config.status_page import Component
from opstui.incidents.model import AlertPhase, Incident
from opstui.sources.base import SourceState
from opstui.status import KpiLevel
from opstui.statuspage.model import ComponentStatus

_SOURCE = {
    SourceState.DOWN: ComponentStatus.MAJOR_OUTAGE,
    SourceState.UNREACHABLE: ComponentStatus.MAJOR_OUTAGE,
    SourceState.DEGRADED: ComponentStatus.DEGRADED_PERFORMANCE,
    SourceState.STALE: ComponentStatus.DEGRADED_PERFORMANCE,
}
_KPI = {KpiLevel.CRITICAL: ComponentStatus.PARTIAL_OUTAGE, KpiLevel.WARNING: ComponentStatus.DEGRADED_PERFORMANCE}
_SEVERITY = {
    Severity.P0: ComponentStatus.MAJOR_OUTAGE,
    Severity.P1: ComponentStatus.PARTIAL_OUTAGE,
    Severity.P2: ComponentStatus.DEGRADED_PERFORMANCE,
    Severity.P3: ComponentStatus.DEGRADED_PERFORMANCE,
}


@dataclass(frozen=True, slots=True)
class ComponentState:
    """A component's status now and the inputs that made it so (worst first)."""

    name: str
    status: ComponentStatus
    reasons: tuple[str, ...] = ()


def incident_counts_for(component: Component, incident: Incident) -> bool:
    """Whether an open incident bears on the component (see the module docstring)."""
    names = {rule.casefold() for rule in component.rules}
    if not names & {incident.rule.casefold(), (incident.runbook or "").casefold()}:
        return False
    source = dict(incident.labels).get("source")
    return source is None or not component.sources or source in component.sources


def derive(
    components: Sequence[Component],
    incidents: Sequence[Incident],
    sources: Mapping[str, SourceState] | None = None,
    kpis: Mapping[str, KpiLevel] | None = None,
    maintenance: Mapping[str, str] | None = None,
) -> list[ComponentState]:
    """Every component's status, in the config's order; ``maintenance``: the sources in an open maintenance
    window (source: the window's name)."""
    states = []
    for component in components:
        terms: list[tuple[ComponentStatus, str]] = []
        for name in component.sources:
            state = (sources or {}).get(name)
            if name in (maintenance or {}):
                terms.append((ComponentStatus.UNDER_MAINTENANCE, f"{name} maintenance: {(maintenance or {})[name]}"))
            elif state in _SOURCE:
                terms.append((_SOURCE[state], f"{name} {state.value}"))
        for metric in component.metrics:
            level = (kpis or {}).get(metric)
            if level in _KPI:
                terms.append((_KPI[level], f"{metric} {level.value}"))
        for incident in incidents:
            if incident.is_open and incident_counts_for(component, incident):
                status = _SEVERITY[incident.severity]
                if incident.alert_state is AlertPhase.CLEARED:
                    status = ComponentStatus.DEGRADED_PERFORMANCE
                terms.append((status, f"#{incident.id} {incident.severity.value} {incident.title}"))
        terms.sort(key=lambda term: -term[0].rank)
        worst = terms[0][0] if terms else ComponentStatus.OPERATIONAL
        states.append(ComponentState(component.name, worst, tuple(reason for _, reason in terms)))
    return states
