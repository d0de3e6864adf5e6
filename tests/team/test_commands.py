"""``opstui state migrate``, ``opstui state copy`` and ``opstui audit`` from the command line."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from opstui.alerts.model import AlertState
from opstui.cli import main
from opstui.clock import SystemClock
from opstui.config.incidents import IncidentSettings
from opstui.incidents.manager import IncidentManager
from opstui.state import SqliteState
from opstui.state.migrations_pg import LATEST_VERSION
from tests.incidents.conftest import alert


def config_file(tmp_path: Path, state: str) -> Path:
    path = tmp_path / "opstui.yaml"
    path.write_text(f"state:\n{state}")
    return path


def test_state_migrate_sets_up_the_team_schema(
    tmp_path: Path, pg_dsn: str, schema: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = config_file(tmp_path, f"  backend: postgres\n  dsn: {pg_dsn}\n  schema: {schema}\n")
    assert main(["state", "migrate", "--config", str(config)]) == 0
    assert f"schema version {LATEST_VERSION}" in capsys.readouterr().out


def test_state_migrate_without_postgres_is_one_line_without_the_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = config_file(tmp_path, "  backend: postgres\n  dsn: postgresql://u:hunter2@127.0.0.1:1/x\n  timeout: 1s\n")
    assert main(["state", "migrate", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "hunter2" not in err
    assert err.count("\n") == 1


def test_postgres_without_a_dsn_is_a_config_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = config_file(tmp_path, "  backend: postgres\n")
    assert main(["state", "migrate", "--config", str(config)]) == 2
    assert "needs a dsn" in capsys.readouterr().err


async def _laptop_state(path: Path) -> None:
    clock = SystemClock()
    async with SqliteState(path, clock) as state:
        manager = IncidentManager(state, clock, IncidentSettings(), operator="alice", host="laptop")
        await manager.on_transitions([alert(AlertState.FIRING, clock.now())])
        (incident,) = await manager.open_incidents()
        await manager.acknowledge(incident.id)


async def test_state_copy_and_audit_from_the_command_line(
    tmp_path: Path, pg_dsn: str, schema: str, capsys: pytest.CaptureFixture[str]
) -> None:
    laptop = tmp_path / "laptop.db"
    await _laptop_state(laptop)
    args = ["state", "copy", "--from", f"sqlite:{laptop}", "--to", f"postgres:{pg_dsn}", "--schema", schema]
    # main() runs its own event loop, as it does from the shell.
    assert await asyncio.to_thread(main, args) == 0
    assert "1 incidents, 2 incident_events" in capsys.readouterr().out
    config = config_file(tmp_path, f"  backend: postgres\n  dsn: {pg_dsn}\n  schema: {schema}\n")
    assert await asyncio.to_thread(main, ["audit", "--since", "1h", "--json", "--config", str(config)]) == 0
    entries = json.loads(capsys.readouterr().out)["entries"]
    assert [(e["actor"], e["host"], e["action"]) for e in entries][-1] == ("alice", "laptop", "incident acknowledged")
    assert await asyncio.to_thread(main, ["audit", "--config", str(config)]) == 0
    assert "alice@laptop" in capsys.readouterr().out


def test_a_bad_endpoint_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["state", "copy", "--from", "mysql://x", "--to", "sqlite:/tmp/x.db"]) == 2
    assert "expected sqlite:PATH or postgres:DSN" in capsys.readouterr().err
