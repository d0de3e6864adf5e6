"""Maintenance windows on a fake clock: a weekly window in wall-clock time across both daylight-saving changes,
a one-off window, the alerts they silence while open, and ``opstui maintenance``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from opstui.cli import main
from opstui.clock import FakeClock
from opstui.config.incidents import EscalationSettings, IncidentSettings
from opstui.config.maintenance import MaintenanceWindow
from opstui.incidents.maintenance import MAINTENANCE, Maintenance
from opstui.incidents.manager import IncidentManager
from opstui.state.protocol import StateStore
from tests.incidents.test_silences import fired, opened


def utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def window(**fields: object) -> MaintenanceWindow:
    return MaintenanceWindow.model_validate({"name": "db", "matchers": 'alertname="Database Down"', **fields})


def test_a_weekly_window_stays_at_local_time_across_daylight_saving() -> None:
    weekly = Maintenance([window(every="sun 02:00-04:00")], "Europe/Berlin")
    # Summer (CEST, +2): 02:00-04:00 local is 00:00-02:00 UTC.
    (summer,) = weekly.openings(utc("2026-10-17T00:00"), utc("2026-10-19T00:00"))
    assert (summer.start, summer.end) == (utc("2026-10-18T00:00"), utc("2026-10-18T02:00"))
    # 25 October 2026: clocks go back at 03:00 CEST; 02:00 (first time, CEST) to 04:00 CET is three hours.
    (back,) = weekly.openings(utc("2026-10-24T00:00"), utc("2026-10-26T00:00"))
    assert (back.start, back.end) == (utc("2026-10-25T00:00"), utc("2026-10-25T03:00"))
    # Winter (CET, +1): 01:00-03:00 UTC.
    (winter,) = weekly.openings(utc("2026-10-31T00:00"), utc("2026-11-02T00:00"))
    assert (winter.start, winter.end) == (utc("2026-11-01T01:00"), utc("2026-11-01T03:00"))
    # 29 March 2026: 02:00 does not exist (clocks jump to 03:00); the window runs from the jump to 04:00 CEST.
    (forward,) = weekly.openings(utc("2026-03-28T00:00"), utc("2026-03-30T00:00"))
    assert (forward.start, forward.end) == (utc("2026-03-29T01:00"), utc("2026-03-29T02:00"))
    assert [o.start for o in weekly.open_at(utc("2026-10-25T02:59"))] == [utc("2026-10-25T00:00")]
    assert weekly.open_at(utc("2026-10-25T03:00")) == []


def test_daily_windows_may_cross_midnight_and_one_offs_take_the_zone() -> None:
    nightly = Maintenance([window(every="daily 23:30-00:30")], "UTC")
    assert [o.start for o in nightly.open_at(utc("2026-12-02T00:10"))] == [utc("2026-12-01T23:30")]
    once = Maintenance([window(**{"from": "2026-12-03T22:00", "to": "2026-12-03T23:30"})], "Europe/Berlin")
    (drill,) = once.upcoming(utc("2026-12-01T00:00"))
    assert (drill.start, drill.end) == (utc("2026-12-03T21:00"), utc("2026-12-03T22:30"))
    for bad, why in (
        ({"every": "sunday 02:00-04:00"}, "write it like"),
        ({"every": "sun 25:00-26:00"}, "not a time of day"),
        ({}, "either every"),
        ({"every": "sun 02:00-04:00", "from": "2026-12-03T22:00", "to": "2026-12-03T23:00"}, "either every"),
        ({"from": "2026-12-03T22:00", "to": "2026-12-03T21:00"}, "after from"),
        ({"every": "sun 02:00-04:00", "matchers": 'x=~"("'}, "bad regex"),
    ):
        with pytest.raises(ValueError, match=why):
            window(**bad)


async def test_an_open_window_silences_what_it_matches(state: StateStore, clock: FakeClock) -> None:
    start = clock.now() + 3600
    drill = window(
        name="rollback drill",
        matchers='alertname=~"Service Down|High Error Rate", source="api"',
        **{"from": datetime.fromtimestamp(start, UTC).isoformat(), "to": datetime.fromtimestamp(start + 5400, UTC)},
    )
    manager = IncidentManager(
        state,
        clock,
        IncidentSettings(),
        "alice",
        "h",
        escalation=EscalationSettings(),
        maintenance=Maintenance([drill], "UTC"),
    )
    clock.set(start)
    await manager.on_transitions(
        [fired("Service Down", start, source="api"), fired("Service Down", start, source="web")]
    )
    assert await opened(manager) == {"Service Down|source=web"}
    (silence,) = [s for s in await manager.silences() if s.created_by == MAINTENANCE]
    assert (silence.until, silence.reason) == (start + 5400, "maintenance window: rollback drill")
    clock.set(start + 5400)  # closed: the drill's alert, still firing, opens its incident
    await manager.on_transitions([fired("Service Down", clock.now(), source="api")])
    assert await opened(manager) == {"Service Down|source=web", "Service Down|source=api"}


def test_opstui_maintenance_lists_the_next_windows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "opstui.yaml"
    config.write_text(
        "timezone: Europe/Berlin\nmaintenance:\n"
        "  - {name: weekly DB maintenance, matchers: 'alertname=\"Database Connection Lost\"', "
        'every: "sun 02:00-04:00"}\n'
    )
    assert main(["maintenance", "--config", str(config)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["WINDOW", "STATE", "STARTS", "ENDS", "LENGTH", "SILENCES"]
    assert lines[1].startswith("weekly DB maintenance  next") and "02:00" in lines[1] and "2h00m" in lines[1]
    empty = tmp_path / "empty.yaml"
    empty.write_text("operator: a\n")
    assert main(["maintenance", "--config", str(empty)]) == 0
    assert capsys.readouterr().out == "no maintenance windows (maintenance: in the config)\n"


def test_the_examples_commented_windows_are_valid() -> None:
    import yaml

    from opstui.config.models import Config

    text = (Path(__file__).resolve().parents[2] / "config.example.yaml").read_text()
    block = text.split("maintenance: []\n", 1)[1].split("\n\n", 1)[0]
    uncommented = "maintenance:\n" + "\n".join(line.replace("# ", "", 1) for line in block.splitlines())
    config = Config.model_validate(yaml.safe_load(uncommented))
    assert [w.name for w in config.maintenance] == ["weekly database maintenance", "rollback drill"]


def test_spans_by_source_merge_overlapping_windows_and_clip_to_the_range() -> None:
    """What uptime leaves out: per source, when a window took it down, two windows on one source counted once."""
    nightly = window(name="nightly db", every="daily 02:00-03:00", sources=["db"])
    upgrade = window(
        name="db upgrade",
        matchers='source=~"db|queue"',
        **{"from": "2026-11-30T02:30:00+00:00", "to": "2026-11-30T04:00:00+00:00"},
    )
    windows = Maintenance([nightly, upgrade], "UTC")
    spans = windows.spans_by_source(utc("2026-11-29T02:30"), utc("2026-11-30T12:00"), ["api", "db", "queue"])
    assert spans == {
        "db": [
            (utc("2026-11-29T02:30"), utc("2026-11-29T03:00")),  # the range starts mid-window
            (utc("2026-11-30T02:00"), utc("2026-11-30T04:00")),  # nightly and the upgrade, merged
        ],
        "queue": [(utc("2026-11-30T02:30"), utc("2026-11-30T04:00"))],
    }
    assert windows.spans_by_source(utc("2026-11-30T05:00"), utc("2026-11-30T12:00"), ["db", "queue"]) == {}
