"""``type: alertmanager`` end to end through the core, against a real Alertmanager.

An alert posted to Alertmanager becomes an incident; acknowledging it creates a silence on the alert's exact
labels (read back through Alertmanager's API); resolving expires that silence; the alert resolving in
Alertmanager resolves the incident. Each test labels its alerts with its own ``test`` label and filters on
it, so the tests share one Alertmanager without seeing each other's alerts.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from opstui.alerts.external import reconcile
from opstui.alerts.model import AlertState, AlertTransition, Severity
from opstui.clock import FakeClock
from opstui.config.models import AlertmanagerSource, Config
from opstui.core import Core
from opstui.incidents.manager import IncidentManager
from opstui.incidents.model import EventKind, Incident, IncidentState
from opstui.sources.alertmanager import AlertmanagerApi, AlertmanagerPoll, am_fingerprint, severity_of
from opstui.sources.base import SourceState
from opstui.ui.app import OpstuiApp
from opstui.ui.screens.oncall import OnCallScreen
from opstui.ui.widgets.incident_modals import ConfirmModal
from opstui.ui.widgets.incident_table import incident_rows
from opstui.ui.widgets.silences_modal import SilencesModal
from tests.prom.conftest import Sink
from tests.prom.servers import Alertmanager, eventually
from tests.ui.conftest import make_app


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


async def post_alert(am: Alertmanager, labels: dict[str, str], resolved: bool = False, **annotations: str) -> None:
    alert: dict[str, Any] = {"labels": labels, "annotations": annotations, "startsAt": iso(time.time() - 60)}
    if resolved:
        alert["endsAt"] = iso(time.time() - 1)
    async with httpx.AsyncClient(timeout=5.0) as client:
        (await client.post(am.url + "/api/v2/alerts", json=[alert])).raise_for_status()


async def am_get(am: Alertmanager, path: str, **params: str) -> Any:
    async with httpx.AsyncClient(timeout=5.0) as client:
        answer = await client.get(am.url + "/api/v2" + path, params=params)
        answer.raise_for_status()
        return answer.json()


@pytest.fixture
def tag() -> str:
    return uuid.uuid4().hex[:12]


def config_for(alertmanager: Alertmanager, tag: str) -> Config:
    """A console whose only source is the session Alertmanager, seeing this test's alerts only."""
    return Config.model_validate(
        {
            "sources": [
                {
                    "name": "am",
                    "type": "alertmanager",
                    "url": alertmanager.url,
                    "interval": "1s",
                    "filter": [f'test="{tag}"'],
                }
            ],
            "alerts": [],
            "alerting": {"interval": "30d"},  # the tests drive turns with evaluate_once()
            "operator": "alice",
        }
    )


@pytest.fixture
async def core(alertmanager: Alertmanager, tag: str, tmp_path: Path, clock: FakeClock) -> AsyncIterator[Core]:
    console = Core(config_for(alertmanager, tag), clock, state_path=str(tmp_path / "state.db"))
    await console.start()
    yield console
    await console.stop()


def manager(core: Core) -> IncidentManager:
    assert core.incidents is not None
    return core.incidents


async def poll(core: Core) -> None:
    """Let the source poll once more (its wait is on the fake clock), and wait for that poll to finish."""
    assert isinstance(core.clock, FakeClock)
    done = core.monitor.statuses["am"].checks

    async def polled() -> bool:
        return core.monitor.statuses["am"].checks > done

    core.clock.set(max(time.time(), core.clock.now() + 1.0))
    await eventually(polled, within=10.0, what="the Alertmanager source polling")


async def incident_of(core: Core, rule: str) -> Incident:
    incidents = await manager(core).all_incidents()
    found = [i for i in incidents if i.rule == rule]
    assert len(found) == 1, incidents
    return found[0]


async def silences_on(am: Alertmanager, labels: dict[str, str]) -> list[dict[str, Any]]:
    """Alertmanager's silences whose matchers are exactly ``labels`` as equalities."""
    out = []
    for silence in await am_get(am, "/silences"):
        matchers = {m["name"]: m["value"] for m in silence["matchers"] if m["isEqual"] and not m["isRegex"]}
        if matchers == labels and len(silence["matchers"]) == len(labels):
            out.append(silence)
    return out


async def test_an_alert_becomes_an_incident_and_a_acknowledges_it_in_alertmanager(
    core: Core, alertmanager: Alertmanager, tag: str
) -> None:
    labels = {"alertname": "DiskFull", "severity": "critical", "instance": "db1", "test": tag}
    await post_alert(
        alertmanager, labels, summary="Disk 97% full on db1\x1b[31m", runbook_url="https://runbooks/disk-full"
    )
    await poll(core)
    await core.evaluate_once()
    incident = await incident_of(core, "DiskFull")
    assert incident.state is IncidentState.TRIGGERED
    assert incident.severity is Severity.P1
    assert incident.summary == "Disk 97% full on db1\u241b[31m"  # the escape made visible, harmless, at the border
    assert incident.runbook == "https://runbooks/disk-full"
    assert dict(incident.labels) == {"severity": "critical", "instance": "db1", "test": tag}
    assert core.unacknowledged == 1
    # The same alert on the next poll is the same incident, with nothing added.
    await poll(core)
    await core.evaluate_once()
    assert len(await manager(core).timeline(incident.id)) == 1

    # `a`: acknowledged here and silenced in Alertmanager, on the alert's exact labels.
    await manager(core).acknowledge(incident.id, note="looking at db1")
    [silence] = await silences_on(alertmanager, labels)
    assert silence["status"]["state"] == "active"
    assert silence["createdBy"] == "alice"
    assert silence["comment"] == "acknowledged in opstui: looking at db1"
    ends = datetime.fromisoformat(silence["endsAt"].replace("Z", "+00:00")).timestamp()
    assert abs(ends - (core.clock.now() + 3600)) < 5
    [alert] = await am_get(alertmanager, "/alerts", filter=f'test="{tag}"')
    assert alert["fingerprint"] == am_fingerprint(labels)  # opstui computes Alertmanager's own fingerprint

    async def suppressed() -> bool:
        [alert] = await am_get(alertmanager, "/alerts", filter=f'test="{tag}"')
        return bool(alert["status"]["state"] == "suppressed")

    await eventually(suppressed, what="Alertmanager applying the silence")
    timeline = await manager(core).timeline(incident.id)
    assert timeline[-1].kind is EventKind.NOTE
    assert timeline[-1].text.startswith(f"Alertmanager am: silence {silence['id']} on the alert's labels until ")
    # A silenced alert is still active: the incident stays, acknowledged.
    await poll(core)
    await core.evaluate_once()
    assert (await incident_of(core, "DiskFull")).state is IncidentState.ACKNOWLEDGED

    # Resolving expires that silence, and the audit (the timeline) says so.
    await manager(core).resolve(incident.id, note="freed space")
    [silence] = await silences_on(alertmanager, labels)
    assert silence["status"]["state"] == "expired"
    assert (await manager(core).timeline(incident.id))[-1].text == f"Alertmanager am: silence {silence['id']} expired"
    audit = await core.state.audit(0.0) if core.state is not None else []
    assert any("silence" in entry.text and entry.actor == "alice" for entry in audit)


async def test_an_alert_alertmanager_resolves_resolves_its_incident(
    core: Core, alertmanager: Alertmanager, tag: str
) -> None:
    labels = {"alertname": "QueueBacklog", "severity": "warning", "test": tag}
    await post_alert(alertmanager, labels, summary="queue is long")
    await poll(core)
    await core.evaluate_once()
    incident = await incident_of(core, "QueueBacklog")
    assert (incident.state, incident.severity) == (IncidentState.TRIGGERED, Severity.P2)
    await post_alert(alertmanager, labels, resolved=True)

    async def gone() -> bool:
        return not await am_get(alertmanager, "/alerts", filter=f'test="{tag}"')

    await eventually(gone, what="Alertmanager resolving the alert")
    await poll(core)
    await core.evaluate_once()
    resolved = await incident_of(core, "QueueBacklog")
    assert resolved.state is IncidentState.RESOLVED
    assert resolved.resolved_by == "opstui"
    assert (await manager(core).timeline(incident.id))[-1].text == "the alert was resolved in Alertmanager"


async def test_alertmanager_down_is_the_source_down_and_its_incidents_stay(
    alertmanager: Alertmanager, tag: str, clock: FakeClock, sink: Sink
) -> None:
    sets: list[dict[str, Any]] = []
    setattr(sink, "alert_set", lambda source, alerts: sets.append(alerts))  # noqa: B010 - the Monitor's capability
    async with httpx.AsyncClient() as client:
        cfg = AlertmanagerSource.model_validate(
            {"name": "am", "type": "alertmanager", "url": "http://127.0.0.1:1", "filter": [f'test="{tag}"']}
        )
        source = AlertmanagerPoll(cfg, clock, sink, AlertmanagerApi(cfg, client))
        status = await source.run_once()
    assert (status.state, status.reason) == (SourceState.UNREACHABLE, "connection refused")
    assert sets == []  # no set handed over: nothing opens, nothing resolves
    open_incident = Incident(
        id=1,
        fingerprint="alertmanager/am/0123456789abcdef",
        rule="DiskFull",
        title="DiskFull",
        severity=Severity.P1,
        state=IncidentState.TRIGGERED,
        opened_at=0.0,
        triggered_at=0.0,
    )
    assert reconcile({}, [open_incident]) == ([], [])
    assert reconcile({"am": {}}, [open_incident]) == ([], [open_incident])  # but an empty answer resolves


async def test_while_alertmanager_is_down_its_incidents_show_stale(tmp_path: Path, clock: FakeClock) -> None:
    config = Config.model_validate(
        {
            "sources": [{"name": "am", "type": "alertmanager", "url": "http://127.0.0.1:1"}],
            "alerts": [],
            "alerting": {"interval": "30d"},
        }
    )
    console = Core(config, clock, state_path=str(tmp_path / "state.db"))
    await console.start()
    try:

        async def down() -> bool:
            return console.monitor.statuses["am"].state is SourceState.UNREACHABLE

        await eventually(down, within=10.0, what="the source finding Alertmanager down")
        assert console.stale_alert_sources() == ("alertmanager/am/",)
        alert = AlertTransition("DiskFull", "alertmanager/am/0123456789abcdef", AlertState.FIRING, Severity.P1, 0.0)
        await manager(console).on_transitions([alert])
        await console.evaluate_once()
        [incident] = await manager(console).open_incidents()  # still open: nothing was resolved
        [row] = incident_rows([incident], manager(console), clock.now(), console.stale_alert_sources())
        assert row.state == "triggered (stale: source down)"
    finally:
        await console.stop()


def test_the_severity_map() -> None:
    cfg = AlertmanagerSource.model_validate({"name": "am", "type": "alertmanager", "url": "http://x"})
    assert [severity_of({"severity": s}, cfg) for s in ("critical", "warning", "info", "P0", "p3")] == [
        Severity.P1,
        Severity.P2,
        Severity.P3,
        Severity.P0,
        Severity.P3,
    ]
    assert severity_of({}, cfg) is Severity.P2
    custom = AlertmanagerSource.model_validate(
        {
            "name": "am",
            "type": "alertmanager",
            "url": "http://x",
            "severity_label": "prio",
            "severity_map": {"page": "P0"},
        }
    )
    assert severity_of({"prio": "page"}, custom) is Severity.P0


async def test_silences_are_listed_on_the_oncall_screen_and_x_expires_one(
    alertmanager: Alertmanager, tag: str, tmp_path: Path, clock: FakeClock
) -> None:
    core = Core(config_for(alertmanager, tag), clock, state_path=str(tmp_path / "state.db"))
    labels = {"alertname": "CertExpiring", "severity": "warning", "test": tag}
    await post_alert(alertmanager, labels, summary="certificate expires in 6 days")
    # Someone else's silence, made with amtool or Alertmanager's UI: listed too.
    async with httpx.AsyncClient(timeout=5.0) as client:
        other = {
            "matchers": [{"name": "test", "value": tag, "isRegex": False, "isEqual": True}],
            "startsAt": iso(time.time() - 60),
            "endsAt": iso(time.time() + 7200),
            "createdBy": "bob",
            "comment": "maintenance [db] \x1b[2J",
        }
        (await client.post(alertmanager.url + "/api/v2/silences", json=other)).raise_for_status()
    app = make_app(core)  # the app starts the core, as the console does
    async with app.run_test(size=(140, 40)) as pilot:
        await poll(core)
        await core.evaluate_once()
        incident = await incident_of(core, "CertExpiring")
        await manager(core).acknowledge(incident.id)
        [ours] = await silences_on(alertmanager, labels)
        await pilot.press("2")
        await settle(app, pilot)
        assert isinstance(app.screen, OnCallScreen)
        await pilot.press("S")
        await settle(app, pilot)
        modal = app.screen
        assert isinstance(modal, SilencesModal)
        mine = {s.id: s for s in modal.silences if tag in s.matchers}
        assert sorted(s.created_by for s in mine.values()) == ["alice", "bob"]
        bobs = next(s for s in mine.values() if s.created_by == "bob")
        assert bobs.comment == "maintenance [db] \u241b[2J"  # shown as written, its escape made harmless
        modal.query_one(DataTable).move_cursor(row=modal.silences.index(mine[ours["id"]]))
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(app, pilot)
        assert isinstance(app.screen, SilencesModal)
        assert ours["id"] not in {s.id for s in app.screen.silences}
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, OnCallScreen)
        note = (await manager(core).timeline(incident.id))[-1]
        assert note.text == f"Alertmanager am: silence {ours['id']} by alice expired from the console"
        assert note.actor == "alice"
    [expired] = [s for s in await silences_on(alertmanager, labels) if s["id"] == ours["id"]]
    assert expired["status"]["state"] == "expired"


async def settle(app: OpstuiApp, pilot: Pilot[int]) -> None:
    """Let every worker finish (Alertmanager and the state store are real I/O) and the screen repaint."""
    for _ in range(2):
        await app.workers.wait_for_complete()
        await pilot.pause()
