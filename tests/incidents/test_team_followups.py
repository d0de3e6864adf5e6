"""Team-mode promises on a SQLite file: the console that loses a race is told who won, escalation pages
people named by the rotation, and ``--state`` means a SQLite file even when the config says PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from opstui.cli import main
from opstui.clock import FakeClock, SystemClock
from opstui.config.incidents import EscalationSettings, IncidentSettings
from opstui.config.rotation import Rotation
from opstui.incidents.manager import IncidentManager
from opstui.incidents.model import EventKind
from opstui.state import SqliteState
from tests.commands.test_incidents_commands import fire, stored
from tests.incidents.conftest import START
from tests.incidents.test_manager import open_one


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "opstui.yaml"
    path.write_text("operator: dana\ntimezone: Europe/Paris\n")
    return path


def acknowledge_as(db: Path, incident_id: int, who: str) -> float:
    """Another console (or engineer) acknowledges first; returns when."""

    async def work() -> float:
        clock = SystemClock()
        async with SqliteState(db, clock) as state:
            manager = IncidentManager(state, clock, IncidentSettings(), operator=who)
            incident = await manager.acknowledge(incident_id)
            assert incident.acknowledged_at is not None
            return incident.acknowledged_at

    return asyncio.run(work())


def test_ack_after_someone_else_exits_1_saying_who_and_when(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "state.db"
    incident_id = fire(db)
    at = acknowledge_as(db, incident_id, "bob")
    assert main(["ack", str(incident_id), "--config", str(config), "--state", str(db)]) == 1
    hhmm = datetime.fromtimestamp(at, UTC).astimezone(ZoneInfo("Europe/Paris")).strftime("%H:%M")
    captured = capsys.readouterr()
    assert captured.err == f"opstui: incident #{incident_id} is already acknowledged by bob at {hhmm}\n"
    assert captured.out == ""
    incident, events = stored(db, incident_id)
    assert incident.acknowledged_by == "bob"
    assert [e.actor for e in events if e.kind is EventKind.ACKNOWLEDGED] == ["bob"]


async def test_escalation_pages_the_people_on_call_not_roles(state: SqliteState, clock: FakeClock) -> None:
    rotation = Rotation(people=["ana", "ben", "cleo"], start=datetime.fromtimestamp(START - 3600, UTC), manager="maya")
    manager = IncidentManager(
        state,
        clock,
        IncidentSettings(),
        operator="alice",
        host="oncall-box",
        escalation=EscalationSettings(),
        on_call=lambda: rotation.who_is_on_call(clock.now()),
    )
    incident = await open_one(manager)
    clock.advance(15 * 60)
    await manager.tick()
    clock.advance(15 * 60)
    await manager.tick()
    escalations = [e.text for e in await manager.timeline(incident.id) if e.kind is EventKind.ESCALATED]
    assert [text.split(":")[0] for text in escalations] == [
        "escalated to ben (secondary)",
        "escalated to maya (manager)",
    ]
    rows = await state.pending_notifications(clock.now())
    assert [(r.payload["event"], r.payload["target"], r.payload["role"]) for r in rows] == [
        ("triggered", "ana", "primary"),
        ("escalated", "ben", "secondary"),
        ("escalated", "maya", "manager"),
    ]


async def test_without_a_rotation_escalation_names_the_roles(
    manager: IncidentManager, state: SqliteState, clock: FakeClock
) -> None:
    incident = await open_one(manager)
    clock.advance(15 * 60)
    await manager.tick()
    [escalated] = [e for e in await manager.timeline(incident.id) if e.kind is EventKind.ESCALATED]
    assert escalated.text.startswith("escalated to secondary: ")
    rows = await state.pending_notifications(clock.now())
    assert [r.payload["target"] for r in rows] == ["primary", "secondary"]


@pytest.mark.parametrize("command", ["incidents", "ack", "resolve"])
def test_state_flag_is_a_sqlite_file_even_with_a_postgres_config(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The DSN points at a closed port: if --state were ignored (or the DSN dropped), this would fail.
    config = tmp_path / "team.yaml"
    config.write_text(
        "operator: dana\nstate:\n  backend: postgres\n  dsn: postgresql://nobody@127.0.0.1:9/nowhere\n  timeout: 1s\n"
    )
    db = tmp_path / "laptop.db"
    incident_id = fire(db)
    argv = [command] if command == "incidents" else [command, str(incident_id)]
    argv += ["--force"] if command == "resolve" else []  # its alert still fires: resolving it must be forced
    assert main([*argv, "--config", str(config), "--state", str(db)]) == 0, capsys.readouterr().err
    assert "High Error Rate" in capsys.readouterr().out
