"""Operator overrides of a component's status: stored with a reason, replacing the derived status until cleared
or their end, shown in the export (HTML, JSON, Markdown) and the handoff; the commands that set and clear them."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC
from pathlib import Path

import pytest

from opstui import handoff
from opstui.alerts.model import Severity
from opstui.cli import main
from opstui.clock import FakeClock
from opstui.config.incidents import IncidentSettings
from opstui.config.status_page import StatusPageSettings
from opstui.incidents.errors import IncidentError
from opstui.incidents.manager import IncidentManager
from opstui.sources.base import SourceState
from opstui.state import SqliteState
from opstui.state.protocol import ComponentOverride, StateStore
from opstui.statuspage.derive import derive
from opstui.statuspage.export import gather, render
from opstui.statuspage.model import ComponentStatus
from opstui.statuspage.overrides import clear_override, parse_status, set_override
from tests.statuspage.test_statuspage import fire

SEEDS = StatusPageSettings()
COMPONENTS = SEEDS.components


@pytest.fixture
def manager(state: SqliteState, clock: FakeClock) -> IncidentManager:
    return IncidentManager(state, clock, IncidentSettings(), operator="alice", host="box")


async def override(
    state: StateStore, clock: FakeClock, name: str, status: str, reason: str, **kw: object
) -> ComponentOverride:
    return await set_override(
        state,
        COMPONENTS,
        name,
        parse_status(status),
        reason,
        by="ana",
        host="box",
        now=clock.now(),
        **kw,  # type: ignore[arg-type]
    )


async def test_an_override_replaces_the_derived_status_with_its_reason_until_it_ends(
    state: SqliteState, clock: FakeClock
) -> None:
    made = await override(
        state, clock, "payment processing", "major-outage", "Stripe reports an outage", until=clock.now() + 3600
    )
    assert (made.component, made.status, made.set_by, made.id) == ("Payment Processing", "major outage", "ana", 1)
    clock.advance(60)
    (stored,) = await state.component_overrides(clock.now())
    states = {s.name: s for s in derive(COMPONENTS, [], overrides=[stored], now=clock.now())}
    payments = states["Payment Processing"]
    assert payments.status is ComponentStatus.MAJOR_OUTAGE
    assert payments.derived is ComponentStatus.OPERATIONAL
    assert payments.reasons == ("set by ana: Stripe reports an outage (for 59m00s more)",)
    assert states["API"].override is None

    # An override to operational hides what the checks see, but keeps it beside the reason.
    await override(state, clock, "API", "operational", "verified by hand: the check is wrong")
    api = {
        s.name: s
        for s in derive(
            COMPONENTS,
            [],
            {"api": SourceState.DOWN},
            overrides=await state.component_overrides(clock.now()),
            now=clock.now(),
        )
    }["API"]
    assert api.status is ComponentStatus.OPERATIONAL and api.derived is ComponentStatus.MAJOR_OUTAGE
    assert api.reasons == ("set by ana: verified by hand: the check is wrong", "api down")

    clock.advance(3540)  # the payments override's end
    assert [o.component for o in await state.component_overrides(clock.now())] == ["API"]
    assert await clear_override(state, COMPONENTS, "api", by="ben", now=clock.now()) == "API"
    assert await state.component_overrides(clock.now()) == []
    with pytest.raises(IncidentError, match="API has no override in force"):
        await clear_override(state, COMPONENTS, "API", by="ben", now=clock.now())


async def test_a_new_override_replaces_the_old_one(state: SqliteState, clock: FakeClock) -> None:
    await override(state, clock, "Website", "degraded-performance", "CDN slow in EU")
    clock.advance(10)
    await override(state, clock, "Website", "partial_outage", "CDN down in EU")
    (only,) = await state.component_overrides(clock.now())
    assert (only.status, only.reason) == ("partial outage", "CDN down in EU")


async def test_an_override_needs_a_reason_a_component_and_a_future_end(state: SqliteState, clock: FakeClock) -> None:
    with pytest.raises(IncidentError, match="the reason is required"):
        await override(state, clock, "API", "major-outage", "  ")
    with pytest.raises(IncidentError, match="no status page component 'Search'; the components are Website, API"):
        await override(state, clock, "Search", "major-outage", "down")
    with pytest.raises(IncidentError, match="end before it starts"):
        await override(state, clock, "API", "major-outage", "down", until=clock.now())
    with pytest.raises(IncidentError, match="not a component status"):
        parse_status("broken")
    assert await state.component_overrides(clock.now()) == []


async def test_the_export_and_the_handoff_show_an_override_with_its_reason(
    state: SqliteState, clock: FakeClock
) -> None:
    await override(state, clock, "Email Delivery", "partial-outage", "SendGrid delays <2h>", until=clock.now() + 7200)
    page = await gather(state, SEEDS, clock.now())
    data = json.loads(render(page, "json", UTC))
    email = next(c for c in data["components"] if c["name"] == "Email Delivery")
    assert email["status"] == "partial_outage"
    assert email["override"] == {"reason": "SendGrid delays <2h>", "until": "2026-09-21T16:13:20Z"}
    assert next(c for c in data["components"] if c["name"] == "API")["override"] is None
    assert "| Email Delivery | partial outage (SendGrid delays <2h>) | 100.00% |" in render(page, "md", UTC)
    html = render(page, "html", UTC)
    assert (
        '<td class="partial_outage">partial outage<br><span class="meta">SendGrid delays &lt;2h&gt;</span></td>' in html
    )

    notes = await handoff.gather(state, None, None, clock.now() - 43200, clock.now(), UTC)
    text = handoff.render(notes, UTC)
    assert (
        "- Email Delivery: partial outage since 2026-09-21 14:13 until 2026-09-21 16:13 by ana: SendGrid delays <2h>"
        in text
    )


def test_the_override_and_clear_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "state.db"
    config = tmp_path / "opstui.yaml"
    config.write_text("operator: dana\ntimezone: UTC\n")
    argv = ["--config", str(config), "--state", str(db)]
    assert main(["status-page", "override", "API", "major-outage", "--reason", "AWS eu-west-1 down", *argv]) == 0
    assert capsys.readouterr().out == "API: major outage (override by dana: AWS eu-west-1 down)\n"
    assert (
        main(
            [
                "status-page",
                "override",
                "API",
                "degraded-performance",
                "--reason",
                "recovering",
                "--until",
                "2099-01-01T10:00",
                *argv,
            ]
        )
        == 0
    )
    assert (
        capsys.readouterr().out == "API: degraded performance until 2099-01-01 10:00 (override by dana: recovering)\n"
    )

    async def stored() -> list[ComponentOverride]:
        now = time.time()  # the command ran on the system clock
        async with SqliteState(db, FakeClock(now)) as state:
            return await state.component_overrides(now)

    (made,) = asyncio.run(stored())
    assert (made.component, made.status, made.reason, made.set_by) == (
        "API",
        "degraded performance",
        "recovering",
        "dana",
    )
    assert main(["status-page", "override", "API", "major-outage", "--reason", "", *argv]) == 1
    assert capsys.readouterr().err == "opstui: override not set: say why (the reason is required)\n"
    assert main(["status-page", "clear", "api", *argv]) == 0
    assert capsys.readouterr().out == "API: override cleared, back to its derived status\n"
    assert main(["status-page", "clear", "api", *argv]) == 1
    assert capsys.readouterr().err == "opstui: API has no override in force\n"


async def test_an_incident_and_a_source_still_show_beside_the_override(
    manager: IncidentManager,
    state: SqliteState,
    clock: FakeClock,
) -> None:
    await fire(manager, state, clock, "Payment System Down", Severity.P0)
    await override(state, clock, "Payment Processing", "degraded-performance", "the fallback provider takes payments")
    states = {
        s.name: s
        for s in derive(
            COMPONENTS,
            await manager.open_incidents(),
            overrides=await state.component_overrides(clock.now()),
            now=clock.now(),
        )
    }
    payments = states["Payment Processing"]
    assert payments.status is ComponentStatus.DEGRADED_PERFORMANCE  # the person's word is what the page says
    assert payments.derived is ComponentStatus.MAJOR_OUTAGE
    assert payments.reasons[1] == "#1 P0 Payment System Down"
