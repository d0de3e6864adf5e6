"""``opstui init``: the example config written where the user asks, valid as written, never over a file."""

from __future__ import annotations

from pathlib import Path

import pytest

from opstui.cli import main
from opstui.shipped import example_config


def test_init_writes_the_example_and_it_validates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OPSTUI_CONFIG", raising=False)
    assert main(["init"]) == 0
    written = tmp_path / "opstui.yaml"
    assert written.read_text(encoding="utf-8") == example_config().read_text(encoding="utf-8")
    out = capsys.readouterr().out
    assert out.startswith("wrote opstui.yaml: the example config")
    assert "opstui validate   (" in out  # found by the lookup: no --config to type
    assert main(["validate"]) == 0  # the lookup finds ./opstui.yaml, and the example is valid as written
    assert "opstui.yaml: valid" in capsys.readouterr().out


def test_init_into_a_folder_or_a_new_path_names_it_in_the_next_steps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path)]) == 0
    assert (tmp_path / "opstui.yaml").is_file()
    capsys.readouterr()
    nested = tmp_path / "team" / "console.yaml"
    assert main(["init", str(nested)]) == 0
    assert f"opstui validate --config {nested}" in capsys.readouterr().out
    assert main(["validate", "--config", str(nested)]) == 0


def test_init_never_overwrites_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "opstui.yaml"
    target.write_text("environment: mine\n", encoding="utf-8")
    assert main(["init", str(target)]) == 1
    err = capsys.readouterr().err
    assert err == f"opstui: {target} exists; edit it, pass --force to replace it, or name another PATH\n"
    assert target.read_text(encoding="utf-8") == "environment: mine\n"
    assert main(["init", str(target), "--force"]) == 0
    assert target.read_text(encoding="utf-8") == example_config().read_text(encoding="utf-8")


def test_no_config_points_at_init_with_one_prefix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OPSTUI_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert main(["validate"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("opstui: no config found (")
    assert err.count("opstui:") == 1
    assert "'opstui init' writes a commented one to ./opstui.yaml" in err
