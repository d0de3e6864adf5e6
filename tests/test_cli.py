"""The command line contract: exit statuses and one-line errors, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from opstui import __version__
from opstui.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_example_config_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--config", str(ROOT / "config.example.yaml")]) == 0
    assert "valid" in capsys.readouterr().out


def test_validate_bad_config_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - name: api\n    type: http\n    url: x\n    interval: soon\n")
    assert main(["validate", "--config", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert f"{bad}:5: sources[0].interval:" in err


def test_check_bad_config_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kpis: [\n")
    assert main(["check", "--config", str(bad)]) == 3
    assert "YAML syntax" in capsys.readouterr().err


def test_no_config_found_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OPSTUI_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert main(["validate"]) == 2
    assert "opstui --demo" in capsys.readouterr().err


def test_config_from_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = tmp_path / "c.yaml"
    good.write_text("environment: staging\n")
    monkeypatch.setenv("OPSTUI_CONFIG", str(good))
    assert main(["validate"]) == 0


@pytest.mark.parametrize("args", [["--help"], ["validate", "--help"], ["check", "--help"], ["demo-server", "--help"]])
def test_help_on_every_command(args: list[str]) -> None:
    result = subprocess.run([sys.executable, "-m", "opstui", *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "usage: opstui" in result.stdout


def test_version() -> None:
    result = subprocess.run([sys.executable, "-m", "opstui", "--version"], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == f"opstui {__version__}"
