"""``opstui incidents``, ``ack``, ``resolve`` and ``report`` on a real state file: exit codes, one-line
errors, and the same recording (who, when, host) as the console's keys."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import pytest

from opstui.alerts.model import AlertState, AlertTransition, Severity
from opstui.cli import main
from opstui.clock import SystemClock
from opstui.config.incidents import IncidentSettings
from opstui.incidents.manager import IncidentManager
from opstui.incidents.model import EventKind, Incident, IncidentEvent, IncidentState
from opstui.state import SqliteState


def fire(db: Path, rule: str = "High Error Rate", severity: Severity = Severity.P1) -> int:
    """Open an incident in the state file as the console's alert loop would; returns its id."""

    async def work() -> int:
        clock = SystemClock()
        async with SqliteState(db, clock) as state:
            manager = IncidentManager(state, clock, IncidentSettings(), operator="console")
            transition = AlertTransition(
                rule=rule,
                fingerprint=f"{rule}|",
                state=AlertState.FIRING,
                severity=severity,
                at=clock.now() - 120,
                summary=f"{rule} for 5 minutes",
                runbook="high-error-rate",
            )
            await manager.on_transitions([transition])
            latest = await state.latest_incident(f"{rule}|")
            assert latest is not None
            return latest.id

    return asyncio.run(work())


def stored(db: Path, incident_id: int) -> tuple[Incident, list[IncidentEvent]]:
    async def work() -> tuple[Incident, list[IncidentEvent]]:
        async with SqliteState(db, SystemClock()) as state:
            incident = await state.get_incident(incident_id)
            assert incident is not None
            return incident, await state.events(incident_id)

    return asyncio.run(work())


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "opstui.yaml"
    path.write_text("operator: dana\ntimezone: Europe/Paris\n")
    return path


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "state.db"


def test_incidents_lists_open_ones_with_who_acknowledged(
    db: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = fire(db)
    second = fire(db, "Payment System Down", Severity.P0)
    assert main(["ack", str(first), "--config", str(config), "--state", str(db)]) == 0
    capsys.readouterr()
    assert main(["incidents", "--config", str(config), "--state", str(db)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["ID", "SEV", "STATE", "TITLE", "OPENED", "AGE", "ACKNOWLEDGED"]
    # Unacknowledged first (the urgency order of the On-call screen).
    assert out[1].startswith(f"#{second} ") and "P0" in out[1] and "triggered" in out[1]
    assert out[2].startswith(f"#{first} ") and "acknowledged" in out[2] and "dana" in out[2]


def test_incidents_json_and_all(db: Path, config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = fire(db)
    assert main(["resolve", str(first), "--force", "--config", str(config), "--state", str(db)]) == 0
    capsys.readouterr()
    assert main(["incidents", "--json", "--config", str(config), "--state", str(db)]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["incidents", "--all", "--json", "--config", str(config), "--state", str(db)]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["id"] == first and row["state"] == "resolved" and row["resolved_by"] == "dana"
    assert row["severity"] == "P1" and row["sla_breached"] is False
    assert row["age_seconds"] >= 120


def test_top_level_state_option_is_honoured(db: Path, config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fire(db)
    assert main(["--state", str(db), "incidents", "--config", str(config)]) == 0
    assert "High Error Rate" in capsys.readouterr().out


def test_ack_records_operator_host_and_note(db: Path, config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    incident_id = fire(db)
    argv = ["ack", str(incident_id), "--note", "looking at the deploy", "--config", str(config), "--state", str(db)]
    assert main(argv) == 0
    assert capsys.readouterr().out.startswith(f"#{incident_id} acknowledged by dana")
    incident, events = stored(db, incident_id)
    assert incident.state is IncidentState.ACKNOWLEDGED and incident.acknowledged_by == "dana"
    ack = next(e for e in events if e.kind is EventKind.ACKNOWLEDGED)
    assert ack.actor == "dana" and ack.host == socket.gethostname()
    note = next(e for e in events if e.kind is EventKind.NOTE)
    assert note.text == "looking at the deploy" and note.actor == "dana"
    # Twice is fine, and says so.
    assert main(["ack", str(incident_id), "--config", str(config), "--state", str(db)]) == 0
    assert "already acknowledged by dana" in capsys.readouterr().out


def test_operator_defaults_to_the_login_without_config(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OPSTUI_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr("getpass.getuser", lambda: "login-name")
    incident_id = fire(db)
    assert main(["ack", str(incident_id), "--state", str(db)]) == 0
    incident, _ = stored(db, incident_id)
    assert incident.acknowledged_by == "login-name"


@pytest.mark.parametrize("command", ["ack", "resolve", "report"])
def test_no_such_incident_exits_1_with_one_line(
    command: str, db: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fire(db)
    assert main([command, "999", "--config", str(config), "--state", str(db)]) == 1
    err = capsys.readouterr().err
    assert err == "opstui: there is no incident #999\n"


def test_resolve_then_ack_or_resolve_again_exits_1(db: Path, config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    incident_id = fire(db)
    argv = ["--config", str(config), "--state", str(db)]
    assert main(["resolve", str(incident_id), "--note", "rolled back v2.3", "--force", *argv]) == 0
    incident, events = stored(db, incident_id)
    assert incident.resolved_by == "dana"
    assert any(e.kind is EventKind.RESOLVED and e.text == "rolled back v2.3" for e in events)
    capsys.readouterr()
    assert main(["resolve", str(incident_id), *argv]) == 1
    assert capsys.readouterr().err == f"opstui: incident #{incident_id} is already resolved (by dana)\n"
    assert main(["ack", str(incident_id), *argv]) == 1
    assert "already resolved" in capsys.readouterr().err


def test_resolve_while_the_alert_fires_is_refused_without_force(
    db: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    incident_id = fire(db)
    argv = ["--config", str(config), "--state", str(db)]
    assert main(["resolve", str(incident_id), *argv]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"opstui: incident #{incident_id} is not over: its alert 'High Error Rate' is still firing; it will reopen "
        "at the next evaluation; resolve it anyway with --force\n"
    )
    assert stored(db, incident_id)[0].state is IncidentState.TRIGGERED
    assert main(["resolve", str(incident_id), "--force", *argv]) == 0
    assert stored(db, incident_id)[0].state is IncidentState.RESOLVED


@pytest.mark.parametrize("command", [["incidents"], ["ack", "1"], ["resolve", "1"], ["report", "1"]])
def test_bad_config_exits_2_without_traceback(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("operator: dana\nincidents:\n  sla:\n    P0: soon\n")
    assert main([*command, "--config", str(bad), "--state", str(tmp_path / "s.db")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{bad}:4" in err and "Traceback" not in err


def test_unopenable_state_exits_1(tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    not_a_db = tmp_path / "state.db"
    not_a_db.write_text("this is not sqlite" * 100)
    assert main(["incidents", "--config", str(config), "--state", str(not_a_db)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("opstui: state store unavailable") and err.count("\n") == 1


def test_report_fills_the_review_template(
    db: Path, config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    incident_id = fire(db)
    argv = ["--config", str(config), "--state", str(db)]
    assert main(["ack", str(incident_id), "--note", "bad deploy v2.3 doubled the error rate", *argv]) == 0
    assert main(["resolve", str(incident_id), "--note", "rolled back to v2.2", "--force", *argv]) == 0
    out = tmp_path / "review.md"
    capsys.readouterr()
    assert main(["report", str(incident_id), "-o", str(out), *argv]) == 0
    assert capsys.readouterr().out == f"wrote the review of #{incident_id} to {out}\n"
    text = out.read_text()
    for section in (
        "### Incident Summary",
        "### Timeline",
        "### Root Cause",
        "### Resolution",
        "### Preventive Measures",
        "### Action Items",
    ):
        assert section in text
    assert "- **Severity**: P1" in text
    assert "- **Duration**: 0 hours, 2 minutes" in text
    assert "Acknowledged by dana" in text
    assert "bad deploy v2.3 doubled the error rate" in text.split("### Root Cause")[1].split("###")[0]
    assert "rolled back to v2.2" in text.split("### Resolution")[1].split("###")[0]
    assert "| Task            | Owner    | Due Date   | Status |" in text
    # Without -o the same Markdown goes to standard output.
    assert main(["report", str(incident_id), *argv]) == 0
    assert capsys.readouterr().out == text


def test_report_unwritable_output_is_one_line(
    db: Path, config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    incident_id = fire(db)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    argv = ["report", str(incident_id), "-o", str(blocker / "review.md"), "--config", str(config), "--state", str(db)]
    assert main(argv) == 1
    assert capsys.readouterr().err.startswith(f"opstui: cannot write {blocker / 'review.md'}")


@pytest.mark.parametrize("command", ["incidents", "ack", "resolve", "report"])
def test_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert f"usage: opstui {command}" in capsys.readouterr().out
