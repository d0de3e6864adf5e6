"""The review follows the seed's Post-Incident Review Template with the recorded times filled in."""

from __future__ import annotations

from opstui.alerts.model import AlertState, Severity
from opstui.clock import FakeClock
from opstui.incidents.manager import IncidentManager
from opstui.incidents.model import Milestone
from opstui.incidents.review import render_review
from tests.incidents.conftest import START, alert

TEMPLATE_HEADINGS = [
    "### Incident Summary",
    "### Timeline",
    "### Root Cause",
    "### Resolution",
    "### Preventive Measures",
    "### Action Items",
]


async def reviewed_incident(manager: IncidentManager, clock: FakeClock) -> str:
    """A P0 detected at 14:13, escalated at 14:28, fixed and resolved about an hour later."""
    await manager.on_transitions([alert(AlertState.FIRING, START, rule="Payment System Down", severity=Severity.P0)])
    (incident,) = await manager.open_incidents()
    clock.set(START + 15 * 60)
    await manager.tick()
    clock.set(START + 17 * 60)
    await manager.acknowledge(incident.id, by="bob")
    clock.set(START + 25 * 60)
    await manager.add_note(incident.id, "webhook signing secret rotated\nwithout updating the backend")
    clock.set(START + 32 * 60)
    await manager.milestone(incident.id, Milestone.ROOT_CAUSE_IDENTIFIED, "stale Stripe webhook secret")
    clock.set(START + 40 * 60)
    await manager.milestone(incident.id, Milestone.FIX_DEPLOYED, "secret updated, backend redeployed")
    clock.set(START + 44 * 60)
    await manager.on_transitions([alert(AlertState.RESOLVED, clock.now(), rule="Payment System Down")])
    clock.set(START + 65 * 60)
    resolved = await manager.resolve(incident.id, by="bob", note="payments reconciled manually")
    return render_review(resolved, await manager.timeline(incident.id))


async def test_review_has_the_template_sections_in_order(manager: IncidentManager, clock: FakeClock) -> None:
    review = await reviewed_incident(manager, clock)
    positions = [review.index(heading) for heading in TEMPLATE_HEADINGS]
    assert positions == sorted(positions)
    assert "- **Date**: 2026-09-21" in review
    assert "- **Duration**: 1 hour, 5 minutes" in review
    assert "- **Severity**: P0" in review
    assert "- **Impact**: X users affected, $Y revenue lost" in review
    assert "- [ ] Add monitoring for early detection" in review
    assert "| Task            | Owner    | Due Date   | Status |" in review


async def test_review_timeline_has_the_recorded_times(manager: IncidentManager, clock: FakeClock) -> None:
    review = await reviewed_incident(manager, clock)
    timeline = review.split("### Timeline")[1].split("###")[0].strip().splitlines()
    assert timeline == [
        "- **14:13** - Incident detected (by monitoring: Payment System Down)",
        "- **14:13** - On-call engineer paged",
        "- **14:28** - Escalated to secondary: not acknowledged after 15m00s",
        "- **14:30** - Acknowledged by bob",
        "- **14:45** - Root cause identified",
        "- **14:53** - Fix deployed / Rollback initiated",
        "- **14:57** - Service restored (alert cleared)",
        "- **15:18** - Incident resolved by bob",
    ]


async def test_root_cause_and_resolution_come_from_the_marked_notes(manager: IncidentManager, clock: FakeClock) -> None:
    review = await reviewed_incident(manager, clock)
    root_cause = review.split("### Root Cause")[1].split("###")[0]
    resolution = review.split("### Resolution")[1].split("###")[0]
    assert root_cause.strip() == "- stale Stripe webhook secret"
    assert resolution.strip().splitlines() == [
        "- secret updated, backend redeployed",
        "- payments reconciled manually",
    ]


async def test_without_milestones_notes_fill_the_root_cause_and_gaps_are_marked(
    manager: IncidentManager, clock: FakeClock
) -> None:
    await manager.on_transitions([alert(AlertState.FIRING, START)])
    (incident,) = await manager.open_incidents()
    clock.advance(600)
    await manager.add_note(incident.id, "db pool at 100%")
    review = render_review(incident, await manager.timeline(incident.id))
    assert "### Root Cause\n\n- db pool at 100%\n" in review
    assert "### Resolution\n\nDescribe fix applied\n" in review
    assert "- **--:--** - Root cause identified" in review
    assert "- **Duration**: 0 hours, 10 minutes (ongoing)" in review
