"""``opstui silences``, ``opstui silence add`` and ``opstui silence expire`` on a real state file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opstui.cli import main


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "opstui.yaml"
    path.write_text("operator: dana\ntimezone: Europe/Paris\nincidents:\n  max_silence: 2d\n")
    return path


def run(config: Path, db: Path, *argv: str) -> int:
    return main([*argv, "--config", str(config), "--state", str(db)])


def test_add_list_expire_and_json(tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "state.db"
    matchers = 'alertname="Service Down", service=~"api|web"'
    assert run(config, db, "silence", "add", matchers, "--start", "+1h", "--for", "2h", "--reason", "drill") == 0
    out = capsys.readouterr().out
    assert out.startswith(f"silence #1 pending: {matchers} from ") and out.rstrip().endswith("by dana")
    assert run(config, db, "silence", "add", 'service="api"', "--for", "1h", "--reason", "deploy 4711") == 0
    assert capsys.readouterr().out.startswith('silence #2 active: service="api"')

    assert run(config, db, "silence", "expire", "2") == 0
    assert capsys.readouterr().out == 'silence #2 expired by dana: service="api"\n'

    assert run(config, db, "silences", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(s["id"], s["state"], s["matchers"], s["reason"], s["expired_early"]) for s in listed] == [
        (1, "pending", matchers, "drill", False),
        (2, "expired", 'service="api"', "deploy 4711", True),
    ]
    assert listed[0]["ends_at"] - listed[0]["starts_at"] == pytest.approx(7200)

    assert run(config, db, "silences") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ID", "STATE", "MATCHERS", "BY", "STARTS", "ENDS", "WHY"]
    assert lines[1].startswith("#1  pending") and lines[1].endswith("drill")
    assert "(early, dana)" in lines[2]


def test_refusals_are_one_line_and_exit_1(tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "state.db"
    cases = [
        (("silence", "add", 'service="api"', "--for", "3d", "--reason", "x"), "at most 2d0h (incidents.max_silence)"),
        (("silence", "add", 'service=~"("', "--for", "1h", "--reason", "x"), "bad regex"),
        (("silence", "add", 'service!="api"', "--for", "1h", "--reason", "x"), "would silence every alert"),
        (("silence", "add", 'service="api"', "--for", "1h", "--reason", " "), "say why"),
        (("silence", "add", 'service="api"', "--until", "tomorrow", "--reason", "x"), "is not a time"),
        (("silence", "expire", "9"), "silence #9 does not exist or is already over"),
    ]
    for argv, why in cases:
        assert run(config, db, *argv) == 1, argv
        err = capsys.readouterr().err
        assert why in err and err.count("\n") == 1, (argv, err)
    assert run(config, db, "silences") == 0
    assert capsys.readouterr().out == "no silences\n"
