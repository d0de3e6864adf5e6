"""``opstui incident open`` and ``opstui incident severity`` on a real state file."""

from __future__ import annotations

from pathlib import Path

import pytest

from opstui.cli import main
from opstui.incidents.model import EventKind, IncidentState
from tests.commands.test_incidents_commands import stored


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "opstui.yaml"
    path.write_text("operator: dana\n")
    return path


def test_open_then_raise_the_severity(tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "state.db"
    argv = ["--config", str(config), "--state", str(db)]
    title = "Customers report missing order emails"
    assert main(["incident", "open", "--severity", "P2", "--title", title, "--summary", "3 tickets", *argv]) == 0
    assert capsys.readouterr().out == f"#1 P2 opened by dana: {title}\n"
    assert main(["incident", "severity", "1", "P1", *argv]) == 0
    assert capsys.readouterr().out == f"#1 P2 -> P1: {title}\n"
    incident, events = stored(db, 1)
    assert (incident.state, incident.severity.value, incident.manual) == (IncidentState.TRIGGERED, "P1", True)
    assert [(e.kind, e.actor) for e in events] == [
        (EventKind.TRIGGERED, "dana"),
        (EventKind.SEVERITY_CHANGED, "dana"),
    ]
    assert main(["incident", "severity", "7", "P0", *argv]) == 1
    assert capsys.readouterr().err == "opstui: there is no incident #7\n"
    assert main(["incident", "open", "--severity", "P2", "--title", " ", *argv]) == 1
    assert capsys.readouterr().err == "opstui: an incident needs a title\n"


def test_escalate_unack_and_reassign_from_a_shell(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "opstui.yaml"
    db = tmp_path / "state.db"
    config.write_text(
        f"operator: dana\nstate: {{path: '{db}'}}\n"
        "rotation:\n  people: [ana, ben]\n  start: 2026-09-21T09:00:00+00:00\n  manager: carla\n"
    )
    argv = ["--config", str(config), "--state", str(db)]
    assert main(["incident", "open", "--severity", "P1", "--title", "Checkout slow", *argv]) == 0
    capsys.readouterr()
    assert main(["incident", "escalate", "1", *argv]) == 0
    assert capsys.readouterr().out.startswith("#1 escalated by hand by dana to ")
    assert main(["incident", "unack", "1", *argv]) == 1
    assert capsys.readouterr().err == "opstui: incident #1 is not acknowledged\n"
    assert main(["ack", "1", *argv]) == 0
    capsys.readouterr()
    assert main(["incident", "unack", "1", *argv]) == 0
    assert "acknowledgement by dana taken back by dana: triggered again" in capsys.readouterr().out
    assert main(["incident", "reassign", "1", "--to", "zoe", *argv]) == 1
    assert capsys.readouterr().err == "opstui: 'zoe' is not a person of the rotation or people: (ana, ben, carla)\n"
    assert main(["incident", "reassign", "1", "--to", "carla", *argv]) == 0
    assert capsys.readouterr().out.startswith("#1 reassigned by dana from ")
    incident, events = stored(db, 1)
    assert (incident.state, incident.assignee) == (IncidentState.TRIGGERED, "carla")
    assert [e.kind for e in events][1:] == [
        EventKind.ESCALATED,
        EventKind.ACKNOWLEDGED,
        EventKind.UNACKNOWLEDGED,
        EventKind.REASSIGNED,
    ]
    assert all(e.actor == "dana" for e in events)
    assert main(["audit", "--config", str(config)]) == 0
    audit = capsys.readouterr().out
    assert "incident unacknowledged" in audit and "incident reassigned" in audit


def test_merge_one_into_another(tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "state.db"
    argv = ["--config", str(config), "--state", str(db)]
    assert main(["incident", "open", "--severity", "P2", "--title", "Emails missing", *argv]) == 0
    assert main(["incident", "open", "--severity", "P1", "--title", "Mail provider down", *argv]) == 0
    capsys.readouterr()
    assert main(["incident", "merge", "1", "2", *argv]) == 0
    assert capsys.readouterr().out == "#1 merged into #2 by dana: #2 P1 Mail provider down\n"
    merged, events = stored(db, 1)
    assert (merged.state, merged.merged_into, merged.resolved_by) == (IncidentState.RESOLVED, 2, "dana")
    assert (events[-1].kind, events[-1].text) == (EventKind.RESOLVED, "merged into #2 Mail provider down by dana")
    assert main(["incidents", "--all", *argv]) == 0
    assert "merged into #2" in capsys.readouterr().out
    assert main(["incident", "merge", "2", "1", *argv]) == 1
    assert capsys.readouterr().err == "opstui: incident #1 was merged into #2; merge into that\n"
