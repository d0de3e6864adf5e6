"""The core wires the rotation into escalation (people are paged, not roles), and ``--state`` is a SQLite file."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

from opstui.alerts.model import AlertState
from opstui.clock import FakeClock
from opstui.config.models import Config
from opstui.core import Core
from opstui.incidents.model import EventKind
from tests.incidents.conftest import alert


def config(tmp_path: Path, **extra: object) -> Config:
    return Config.model_validate(
        {
            "operator": "alice",
            "alerts": [],
            "state": {"path": str(tmp_path / "state.db")},
            "rotation": {"people": ["ana", "ben"], "start": "2026-09-14T09:00:00Z", "manager": "maya"},
            **extra,
        }
    )


async def test_the_core_escalates_to_whoever_holds_the_role_now(tmp_path: Path) -> None:
    clock = FakeClock()  # 2026-09-21 14:13 UTC: the rotation's second week, so ben is primary and ana secondary
    core = Core(config(tmp_path), clock)
    await core.start()
    try:
        assert core.incidents is not None and core.state is not None
        assert core.on_call == "ben/ana to Mon 09:00"  # primary/secondary, and when the shift ends
        await core.incidents.on_transitions([alert(AlertState.FIRING, clock.now())])
        (incident,) = await core.incidents.open_incidents()
        clock.advance(15 * 60)
        await core.incidents.tick()
        [escalated] = [e for e in await core.incidents.timeline(incident.id) if e.kind is EventKind.ESCALATED]
        assert escalated.text.startswith("escalated to ana (secondary): ")
        # Every page the outbox ever held, sent or not (the core's notifier loop may have sent some already).
        with closing(sqlite3.connect(tmp_path / "state.db")) as db:
            payloads = [json.loads(row[0]) for row in db.execute("SELECT payload FROM notifications ORDER BY id")]
        assert [(p["event"], p["target"], p["role"]) for p in payloads] == [
            ("triggered", "ben", "primary"),
            ("escalated", "ana", "secondary"),
        ]
    finally:
        await core.stop()


def test_state_path_means_a_sqlite_file_even_with_a_postgres_config(tmp_path: Path) -> None:
    team = config(tmp_path, state={"backend": "postgres", "dsn": "postgresql://x@db:5432/ops", "timeout": "2s"})
    core = Core(team, FakeClock(), state_path=str(tmp_path / "laptop.db"))
    settings = core.state_settings
    assert (settings.backend, settings.path, settings.timeout) == ("sqlite", str(tmp_path / "laptop.db"), 2.0)


async def test_an_override_shows_in_the_header_and_is_paged(tmp_path: Path) -> None:
    clock = FakeClock()
    core = Core(config(tmp_path), clock)
    await core.start()
    try:
        assert core.incidents is not None and core.state is not None
        await core.incidents.add_override("maya", "ben", clock.now(), clock.now() + 3600)
        await core.refresh_overrides()
        assert core.header_counts().on_call == "maya/ana to Mon 09:00"
        await core.incidents.on_transitions([alert(AlertState.FIRING, clock.now())])
        with closing(sqlite3.connect(tmp_path / "state.db")) as db:
            payloads = [json.loads(row[0]) for row in db.execute("SELECT payload FROM notifications ORDER BY id")]
        assert [(p["event"], p["target"]) for p in payloads] == [("triggered", "maya")]
        clock.advance(3600)
        await core.refresh_overrides()
        assert core.header_counts().on_call == "ben/ana to Mon 09:00"
    finally:
        await core.stop()
