"""The header tells the truth: its status is the worst of the KPIs, the firing incidents, the sources,
the state store and the notifiers, computed in the core and only drawn by the header."""

from __future__ import annotations

from dataclasses import replace

from opstui.alerts.model import Severity
from opstui.core import Core, OverallStatus
from opstui.sources.base import SourceState
from opstui.status import Status
from tests.ui.conftest import feed, make_app, sources
from tests.ui.test_oncall import SIZE, fire, settle


def healthy(core: Core) -> None:
    """Every KPI on target, no source in trouble."""
    feed(core, with_sources=False)


async def test_header_is_critical_with_ok_kpis_and_a_firing_p1(core: Core) -> None:
    healthy(core)
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        app.tick()
        await settle(app, pilot)
        status = app.screen.query_one("#hdr-status")
        assert str(status.render()) == "● OK"
        incident_id = await fire(core, "Slow Response Time", Severity.P1)
        await core.refresh_attention()
        app.tick()
        await settle(app, pilot)
        assert str(status.render()) == "✖ CRITICAL"
        assert status.has_class("-critical")
        # Acknowledged, it still burns: the status stays CRITICAL while the alert fires.
        assert core.incidents is not None
        await core.incidents.acknowledge(incident_id)
        await core.refresh_attention()
        app.tick()
        await settle(app, pilot)
        assert str(status.render()) == "✖ CRITICAL"


async def test_overall_status_takes_the_worst_term_and_names_it(core: Core) -> None:
    healthy(core)
    await core.start()
    try:
        assert core.overall_status().status is Status.OK
        await fire(core, "Disk Filling", Severity.P3)
        await core.refresh_attention()
        assert core.overall_status() == OverallStatus(Status.WARNING, ("incidents firing",))
        core.notifications_failing = 2
        assert core.overall_status().causes == ("incidents firing", "notifications failing")
        core.state_error = "state store unavailable: disk full"
        assert core.overall_status().status is Status.CRITICAL
        assert core.overall_status().causes[0] == "state store unavailable"
    finally:
        await core.stop()


async def test_a_stale_source_makes_the_status_unknown_never_ok(core: Core) -> None:
    healthy(core)
    api = sources(core.clock.now())[0]
    core.monitor.status_changed(replace(api, state=SourceState.STALE, reason="no message for 30s"))
    verdict = core.overall_status()
    assert (verdict.status, verdict.causes) == (Status.UNKNOWN, ("api stale",))
