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
