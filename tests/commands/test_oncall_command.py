"""``opstui oncall`` lists who is on call with overrides applied; ``opstui oncall override`` stores one (shared by
every console of the store) and ``opstui oncall end`` ends it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opstui.cli import main


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "opstui.yaml"
    path.write_text(
        f"operator: dana\nstate: {{path: '{tmp_path / 'state.db'}'}}\n"
        "rotation:\n  people: [ana, ben]\n  start: 2020-01-06T09:00:00+00:00\n  shift: 3650d\n  manager: carla\n"
    )
    return path


def test_an_override_changes_who_is_on_call_and_ends(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--config", str(config)]
    assert main(["oncall", *argv]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == ["primary    ana", "secondary  ben", "manager    carla"]

    assert main(["oncall", "override", "--who", "carla", "--for", "ana", "--to", "+4h", *argv]) == 0
    made = capsys.readouterr().out
    assert made.startswith("override #1: carla covers ana from ") and made.rstrip().endswith("by dana")
    assert main(["oncall", "--json", *argv]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["primary"], document["secondary"]) == ("carla", "ben")
    assert [(o["id"], o["who"], o["covers"]) for o in document["overrides"]] == [(1, "carla", "ana")]

    assert main(["oncall", "override", "--who", "zoe", "--for", "ana", "--to", "+1h", *argv]) == 1
    assert capsys.readouterr().err == "opstui: 'zoe' is not a person of the rotation or people: (ana, ben, carla)\n"
    assert main(["oncall", "override", "--who", "ben", "--for", "ana", "--to", "soon", *argv]) == 1
    assert "override not made: 'soon' is not a time" in capsys.readouterr().err

    assert main(["oncall", "end", "1", *argv]) == 0
    assert capsys.readouterr().out == "override #1 ended\n"
    assert main(["oncall", *argv]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "primary    ana"
