"""The status page: updates in the seed's template recorded on the timeline (so the review and audit), component
status derived from sources, KPIs and incidents, and the export (HTML valid and escaped, JSON, Markdown, CLI)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from opstui.alerts.model import AlertState, AlertTransition, Severity
from opstui.cli import main
from opstui.clock import FakeClock
from opstui.config.incidents import EscalationSettings, IncidentSettings
from opstui.config.maintenance import MaintenanceWindow
from opstui.config.status_page import StatusPageSettings
from opstui.incidents.maintenance import Maintenance
from opstui.incidents.manager import IncidentManager
from opstui.incidents.review import render_review
from opstui.sources.base import SourceState
from opstui.state import SqliteState
from opstui.status import KpiLevel
from opstui.statuspage.derive import derive
from opstui.statuspage.export import gather, render
from opstui.statuspage.model import ComponentStatus, UpdateStatus, affected_components, template, updates_of
from opstui.statuspage.post import post_update

SEEDS = StatusPageSettings()


@pytest.fixture
def manager(state: SqliteState, clock: FakeClock) -> IncidentManager:
    return IncidentManager(
        state, clock, IncidentSettings(), operator="alice", host="box", escalation=EscalationSettings()
    )


async def fire(
    manager: IncidentManager, state: SqliteState, clock: FakeClock, rule: str, severity: Severity, **labels: str
) -> int:
    fingerprint = f"{rule}|" + ",".join(f"{k}={v}" for k, v in labels.items())
    await manager.on_transitions(
        [
            AlertTransition(
                rule=rule,
                fingerprint=fingerprint,
                state=AlertState.FIRING,
                severity=severity,
                at=clock.now(),
                value=1.0,
                summary="22 failed payments in the last 5 minutes",
                labels=tuple(labels.items()),
            )
        ]
    )
    incident = await state.latest_incident(fingerprint)
    assert incident is not None
    return incident.id


async def test_an_update_is_on_the_timeline_the_review_and_the_audit(
    manager: IncidentManager, state: SqliteState, clock: FakeClock
) -> None:
    incident_id = await fire(manager, state, clock, "Payment System Down", Severity.P0)
    incident = await manager.get(incident_id)
    assert incident is not None
    components = affected_components(SEEDS.components, incident)
    assert components == ["Payment Processing"]
    message = template(incident, components, UTC)
    assert message.splitlines() == [
        "We are currently experiencing 22 failed payments in the last 5 minutes.",
        "Our team is investigating and working on a resolution.",
        "Started: 2026-09-21 14:13 UTC",
        "Updates will be posted here as we learn more.",
    ]
    clock.advance(300)
    first = await post_update(
        manager,
        incident_id,
        UpdateStatus.INVESTIGATING,
        components,
        "Payment Processing - Payment System Down",
        message,
    )
    clock.advance(600)
    await post_update(
        manager, incident_id, UpdateStatus.IDENTIFIED, components, first.title, "Stripe webhooks failing."
    )
    updates = updates_of(await manager.timeline(incident_id))
    assert [(u.status, u.components, u.author, u.at) for u in updates] == [
        (UpdateStatus.INVESTIGATING, ("Payment Processing",), "alice", clock.now() - 600),
        (UpdateStatus.IDENTIFIED, ("Payment Processing",), "alice", clock.now()),
    ]
    assert updates[0].message == message
    review = render_review(incident, await manager.timeline(incident_id), UTC)
    assert "- **14:18** - Status update posted: Investigating (by alice)" in review
    assert "- **14:28** - Status update posted: Identified (by alice)" in review
    audit = [(a.action, a.text.splitlines()[0]) for a in await state.audit(0)]
    assert ("incident milestone", "status_page_updated: Identified: Payment Processing - Payment System Down") in audit


async def test_an_empty_update_is_refused(manager: IncidentManager, state: SqliteState, clock: FakeClock) -> None:
    incident_id = await fire(manager, state, clock, "High Error Rate", Severity.P1)
    with pytest.raises(ValueError, match="needs a message"):
        await post_update(manager, incident_id, UpdateStatus.INVESTIGATING, [], "t", "  ")


async def test_component_status_is_derived_from_each_kind_of_input(
    manager: IncidentManager, state: SqliteState, clock: FakeClock
) -> None:
    def status(**kwargs: object) -> dict[str, str]:
        return {c.name: c.status.value for c in derive(SEEDS.components, **kwargs)}  # type: ignore[arg-type]

    assert set(status(incidents=[]).values()) == {"operational"}
    assert status(incidents=[], sources={"payments": SourceState.DOWN})["Payment Processing"] == "major outage"
    assert status(incidents=[], sources={"api": SourceState.STALE})["API"] == "degraded performance"
    assert status(incidents=[], kpis={"error_rate": KpiLevel.CRITICAL})["API"] == "partial outage"
    assert status(incidents=[], kpis={"latency_p95": KpiLevel.WARNING})["API"] == "degraded performance"
    await fire(manager, state, clock, "High Error Rate", Severity.P1)
    await fire(manager, state, clock, "Service Down", Severity.P0, source="homepage")
    open_now = await manager.open_incidents()
    derived = {c.name: c for c in derive(SEEDS.components, open_now, kpis={"error_rate": KpiLevel.WARNING})}
    assert derived["API"].status is ComponentStatus.PARTIAL_OUTAGE  # P1 beats the KPI's warning
    assert derived["API"].reasons == ("#1 P1 High Error Rate", "error_rate warning")
    assert derived["Website"].status is ComponentStatus.MAJOR_OUTAGE  # the homepage's Service Down ...
    assert "Service Down" not in " ".join(derived["API"].reasons)  # ... is not the API's
    assert derived["Email Delivery"].status is ComponentStatus.OPERATIONAL


class StrictHTML(HTMLParser):
    """html.parser, made to fail on what a browser would silently repair: unclosed or misnested tags."""

    VOID = {"meta", "br", "link", "img", "hr", "input"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


async def test_the_export_is_valid_html_with_every_component_and_updated_incident(
    manager: IncidentManager, state: SqliteState, clock: FakeClock, tmp_path: Path
) -> None:
    hostile = await fire(manager, state, clock, "Payment System Down", Severity.P0)
    await post_update(
        manager,
        hostile,
        UpdateStatus.INVESTIGATING,
        ["Payment Processing"],
        "Payments <script>x</script>",
        "a & b\x1b[2J",
    )
    quiet = await fire(manager, state, clock, "High Error Rate", Severity.P1)  # no update: stays internal
    clock.advance(3600)
    await manager.resolve(hostile)
    page = await gather(state, SEEDS, clock.now())
    document = render(page, "html", UTC)
    parser = StrictHTML()
    parser.feed(document)
    parser.close()
    assert parser.stack == []
    text = "".join(parser.text)
    for component in ("Website", "API", "Payment Processing", "Email Delivery"):
        assert component in text
    assert "Payments <script>x</script>" in text and "<script>" not in document  # escaped, shown as written
    assert "a & b␛[2J" in text
    assert "High Error Rate" not in text  # nobody posted about it
    data = json.loads(render(page, "json", UTC))
    assert [c["status"] for c in data["components"]] == ["operational", "partial_outage", "operational", "operational"]
    assert data["incidents"] == [] and [i["id"] for i in data["history"]] == [hostile]
    assert data["history"][0]["updates"][0]["status"] == "investigating"
    uptime = {c["name"]: c["uptime_percent"] for c in data["components"]}
    assert uptime["Payment Processing"] == round(100 * (1 - 3600 / (90 * 86400)), 3)
    assert uptime["Email Delivery"] == 100.0
    assert quiet not in [i["id"] for i in data["history"] + data["incidents"]]
    markdown = render(page, "md", UTC)
    assert "| Payment Processing | operational | 99.95% |" in markdown
    assert "- **Investigating** (2026-09-21 14:13 UTC): a & b␛[2J" in markdown


def test_the_export_command_writes_each_format(tmp_path: Path) -> None:
    db_path = tmp_path / "state.db"

    async def setup() -> None:
        clock = FakeClock()
        async with SqliteState(db_path, clock) as state:
            manager = IncidentManager(state, clock, IncidentSettings(), operator="alice", host="box")
            incident_id = await fire(manager, state, clock, "Payment System Down", Severity.P0)
            await post_update(
                manager, incident_id, UpdateStatus.INVESTIGATING, ["Payment Processing"], "Payments down", "Looking."
            )

    asyncio.run(setup())
    out = tmp_path / "page"
    for fmt, name in (("html", "index.html"), ("json", "status.json"), ("md", "status.md")):
        assert main(["status-page", "export", "--format", fmt, "-o", str(out), "--state", str(db_path)]) == 0
        assert "Payments down" in (out / name).read_text()
    blocked = tmp_path / "file"
    blocked.write_text("")
    assert main(["status-page", "export", "-o", str(blocked / "sub"), "--state", str(db_path)]) == 1


async def test_a_components_uptime_leaves_out_its_sources_maintenance(
    manager: IncidentManager, state: SqliteState, clock: FakeClock
) -> None:
    """An hour of P0 on Payment Processing, its second half inside a window on the payments source (which runs
    half an hour past it): 30 minutes down over 90 days less the 60 minutes of maintenance."""
    start = clock.now()
    incident = await fire(manager, state, clock, "Payment System Down", Severity.P0)
    clock.advance(3600)
    await manager.resolve(incident)
    clock.advance(3600)
    window = MaintenanceWindow.model_validate(
        {
            "name": "payments upgrade",
            "matchers": 'source="payments"',
            "from": datetime.fromtimestamp(start + 1800, UTC).isoformat(),
            "to": datetime.fromtimestamp(start + 5400, UTC).isoformat(),
        }
    )
    page = await gather(state, SEEDS, clock.now(), Maintenance([window], "UTC"))
    assert page.uptime["Payment Processing"] == round(100 * (1 - 1800 / (90 * 86400 - 3600)), 3)
    assert page.uptime["Website"] == page.uptime["Email Delivery"] == 100.0
    plain = await gather(state, SEEDS, clock.now())
    assert plain.uptime["Payment Processing"] == round(100 * (1 - 3600 / (90 * 86400)), 3)
