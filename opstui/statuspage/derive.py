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
from opstui.state.protocol import ComponentOverride
from opstui.status import KpiLevel
from opstui.statuspage.model import ComponentStatus
from opstui.statuspage.overrides import describe

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
    """A component's status now and the inputs that made it so (worst first); with an operator's override, the
    override's status, its reason first and the derived status kept beside it."""

    name: str
    status: ComponentStatus
    reasons: tuple[str, ...] = ()
    override: ComponentOverride | None = None
    derived: ComponentStatus | None = None
    """What the inputs alone say, when an override replaced it."""


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
    overrides: Sequence[ComponentOverride] = (),
    now: float | None = None,
) -> list[ComponentState]:
    """Every component's status, in the config's order; ``maintenance``: the sources in an open maintenance
    window (source: the window's name); ``overrides``: the operator's, those in force at ``now`` replacing the
    derived status (without ``now``, every one given)."""
    forced = {o.component.casefold(): o for o in overrides if now is None or o.in_force(now)}
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
        reasons = tuple(reason for _, reason in terms)
        override = forced.get(component.name.casefold())
        if override is None:
            states.append(ComponentState(component.name, worst, reasons))
            continue
        said = describe(override, override.set_at if now is None else now)
        states.append(
            ComponentState(component.name, ComponentStatus(override.status), (said, *reasons), override, worst)
        )
    return states
