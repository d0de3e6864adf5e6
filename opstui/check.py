"""``opstui check``: every source once, the KPIs evaluated, one verdict for cron and CI.

Exit status is the Nagios convention (see :class:`opstui.status.Status`). A source that answers
wrongly (HTTP 503) is CRITICAL; one that cannot be reached at all is UNKNOWN, because the check
could not see the service; a KPI over its critical threshold is CRITICAL. The worst wins, with
CRITICAL above UNKNOWN above WARNING above OK. A KPI whose metric is older than its source's ``stale_after``
(a scrape whose samples carry old timestamps, say) is ``stale``: UNKNOWN, whatever its old value says.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

from opstui.clock import Clock, SystemClock
from opstui.config.models import Config
from opstui.monitor import KpiView, Monitor
from opstui.sources.base import SourceState, SourceStatus
from opstui.state.check_results import CheckResult
from opstui.status import Status

SOURCE_STATUS = {
    SourceState.UP: Status.OK,
    SourceState.DEGRADED: Status.WARNING,
    SourceState.DOWN: Status.CRITICAL,
    SourceState.UNREACHABLE: Status.UNKNOWN,
    SourceState.STALE: Status.UNKNOWN,
    SourceState.PENDING: Status.UNKNOWN,
}


@dataclass(frozen=True, slots=True)
class CheckReport:
    """The outcome of one ``opstui check`` run."""

    status: Status
    checks: tuple[SourceStatus, ...]
    kpis: tuple[KpiView, ...]
    metrics: dict[str, float]
    at: float


async def run_check(config: Config, wait: float = 5.0, clock: Clock | None = None) -> CheckReport:
    """Run each source once, concurrently (websocket sources listen for ``wait``)."""
    from opstui.sources.factory import build_sources

    clock = clock or SystemClock()
    monitor = Monitor(config, clock)
    sources = build_sources(config, clock, monitor)
    try:
        await asyncio.gather(*(_once(source, wait) for source in sources.sources))
    finally:
        await sources.aclose()
    for source in sources.sources:
        monitor.statuses[source.name] = source.status
    monitor.refresh()
    kpis = monitor.kpi_views(history_points=0)
    checks = tuple(monitor.statuses[s.name] for s in sources.sources)
    statuses = [SOURCE_STATUS[c.state] for c in checks] + [k.level.status for k in kpis]
    return CheckReport(Status.worst(statuses), checks, tuple(kpis), monitor.store.latest_all(), clock.now())


async def _once(source: object, wait: float) -> None:
    if getattr(source, "kind", "") == "websocket":
        await source.run_once(wait)  # type: ignore[attr-defined]
    else:
        await source.run_once()  # type: ignore[attr-defined]


UP_STATES = (SourceState.UP, SourceState.DEGRADED)
"""Good for uptime, as the console's ``check_up`` counts it: answered as expected (slow is still up)."""


def check_results(report: CheckReport, run: str, host: str) -> list[CheckResult]:
    """The report's rows as ``opstui check --record`` stores them: one per source, one ``run`` id for all."""
    return [
        CheckResult(
            run=run,
            at=report.at,
            source=c.name,
            kind=c.kind,
            state=c.state.value,
            up=c.state in UP_STATES,
            latency_ms=c.latency_ms,
            reason=c.reason,
            host=host,
        )
        for c in report.checks
    ]


def render_json(report: CheckReport) -> str:
    """The documented ``--json`` document (docs/commands.md, "opstui check --json")."""
    doc = {
        "status": report.status.name,
        "exit_code": int(report.status),
        "at": report.at,
        "checks": {
            c.name: {
                "type": c.kind,
                "target": c.target,
                "state": c.state.value,
                "status": SOURCE_STATUS[c.state].name,
                "reason": c.reason,
                "latency_ms": c.latency_ms,
                "tls_days_left": c.tls_days_left,
            }
            for c in report.checks
        },
        "kpis": {
            k.metric: {
                "label": k.label,
                "value": k.value,
                "unit": k.unit,
                "level": k.level.value,
                "status": k.level.status.name,
                "age": k.age,
                "target": k.target,
                "warning": k.warning,
                "critical": k.critical,
            }
            for k in report.kpis
        },
        "metrics": report.metrics,
    }
    return json.dumps(doc, indent=2, sort_keys=False)


def render_table(report: CheckReport) -> str:
    """A plain table for people and for cron mail."""
    lines = [f"opstui check: {report.status.name}", "", "CHECK            STATE        LATENCY  REASON"]
    for c in report.checks:
        latency = "-" if c.latency_ms is None else f"{c.latency_ms:.0f}ms"
        lines.append(f"{c.name[:16]:<16} {c.state.value:<12} {latency:>7}  {c.reason}")
    lines += ["", "KPI                      VALUE        LEVEL       THRESHOLDS"]
    for k in report.kpis:
        value = "-" if k.value is None else f"{k.value:.4g}{k.unit}"
        limits = " ".join(f"{n} {t}" for n, t in (("target", k.target), ("warn", k.warning), ("crit", k.critical)) if t)
        lines.append(f"{k.label[:24]:<24} {value:<12} {k.level.value:<11} {limits}")
    return "\n".join(lines)
