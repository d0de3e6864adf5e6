"""The end-of-shift handoff against a fake-clock shift: incidents with what happened and their last word, silences
in force, the checklist's overdue and missed tasks, who is on call now and next; and the command."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from opstui.alerts.model import AlertState, AlertTransition, Severity
from opstui.checklist.board import Checklist
from opstui.cli import main
from opstui.clock import FakeClock
from opstui.config import load_config_text
from opstui.config.incidents import IncidentSettings
from opstui.handoff import gather, render
from opstui.incidents.manager import IncidentManager
from opstui.incidents.model import Override
from opstui.state import SqliteState
from opstui.statuspage.model import UpdateStatus
from opstui.statuspage.post import post_update

CONFIG = """
rotation:
  people: [ana, ben, chloe]
  start: 2026-09-21T08:00:00+00:00
  shift: 12h
  manager: dana
checklist:
  - {title: Check /api/health endpoint status, group: Application Health, every: 1h}
"""


async def fire(manager: IncidentManager, state: SqliteState, clock: FakeClock, rule: str, severity: Severity) -> int:
    transition = AlertTransition(
        rule=rule, fingerprint=f"{rule}|", state=AlertState.FIRING, severity=severity, at=clock.now(), value=1.0
    )
    await manager.on_transitions([transition])
    incident = await state.latest_incident(f"{rule}|")
    assert incident is not None
    return incident.id


async def test_the_handoff_tells_the_shift(state: SqliteState, clock: FakeClock) -> None:
    config = load_config_text(CONFIG)
    manager = IncidentManager(state, clock, IncidentSettings(), operator="ana", host="box")
    start = clock.now()  # 14:13:20 UTC: ana's shift (08:00-20:00)
    old = await fire(manager, state, clock, "Elevated Error Rate", Severity.P2)
    await manager.resolve(old)  # before the shift we look at: left out
    clock.advance(3600)
    since = clock.now()
    payment = await fire(manager, state, clock, "Payment System Down", Severity.P0)
    clock.advance(300)
    await manager.acknowledge(payment)
    await post_update(
        manager, payment, UpdateStatus.IDENTIFIED, ["Payment Processing"], "Payments", "Webhooks failing."
    )
    errors = await fire(manager, state, clock, "High Error Rate", Severity.P1)
    await manager.add_note(errors, "rolled back v1.4.3")
    clock.advance(600)
    await manager.resolve(errors, note="rollback worked")
    await manager.snooze("Slow Response Time", 4 * 3600, "known slow search, fix tomorrow")
    checklist = Checklist.from_config(config, clock=clock, state=state, operator="ana", launch_at=start)
    await checklist.refresh()
    await checklist.tick(checklist.tasks[0].id)  # 15:28: the 15:13 occurrence is done; 16:13 and 17:13 are not
    clock.advance(2 * 3600)
    notes = render(await gather(state, checklist, config.rotation, since, clock.now(), UTC), UTC)
    sections = {part.split("\n", 1)[0]: part for part in notes.split("\n## ")}
    incidents = sections["Incidents"].splitlines()
    assert incidents[2:6] == [
        "- **#2 P0 Payment System Down**: opened 2026-09-21 15:13, acknowledged 2026-09-21 15:18 by ana, "
        "still acknowledged",
        "  - last word: Identified (2026-09-21 15:18): Webhooks failing.",
        "- **#3 P1 High Error Rate**: opened 2026-09-21 15:18, resolved 2026-09-21 15:28 by ana",
        "  - last word: note (2026-09-21 15:18, ana): rolled back v1.4.3",
    ]
    assert "Elevated Error Rate" not in notes
    assert "- Slow Response Time until 2026-09-21 19:28 by ana: known slow search, fix tomorrow" in notes
    assert sections["Checklist"].splitlines()[2:] == [
        "- overdue: Check /api/health endpoint status (by 3m00s)",
        "- missed: Check /api/health endpoint status (due 2026-09-21 16:13)",
        "- missed: Check /api/health endpoint status (due 2026-09-21 17:13)",
    ]
    assert sections["On call"].splitlines()[2:5] == [
        "- now: ana (secondary ben) until 2026-09-21 20:00",
        "- next: ben (secondary chloe)",
        "- escalation: dana",
    ]
    # An override for the next shift ("dana covers ben tonight") names who will really be paged.
    shift_end = datetime(2026, 9, 21, 20, 0, tzinfo=UTC).timestamp()
    await state.add_override(Override("dana", "ben", shift_end, shift_end + 4 * 3600, clock.now(), "ana", "box"))
    notes = render(await gather(state, checklist, config.rotation, since, clock.now(), UTC), UTC)
    on_call = notes.split("\n## On call", 1)[1].splitlines()
    assert "- next: dana (secondary chloe)" in on_call


def test_the_handoff_command_writes_a_file(tmp_path: Path) -> None:
    db_path = tmp_path / "state.db"

    async def setup() -> None:
        clock = FakeClock(datetime.now(UTC).timestamp() - 600)
        async with SqliteState(db_path, clock) as state:
            manager = IncidentManager(state, clock, IncidentSettings(), operator="ana", host="box")
            await fire(manager, state, clock, "Payment System Down", Severity.P0)

    asyncio.run(setup())
    out = tmp_path / "handoff.md"
    assert main(["handoff", "--since", "1h", "-o", str(out), "--state", str(db_path)]) == 0
    assert "#1 P0 Payment System Down**: opened" in out.read_text()
    with pytest.raises(SystemExit) as bad:  # argparse: one line naming the option, exit 2
        main(["handoff", "--since", "soon", "--state", str(db_path)])
    assert bad.value.code == 2
