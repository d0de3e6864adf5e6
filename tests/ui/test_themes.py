"""Themes are data: shipped YAML files, checked colours, bad files skipped, unknown names refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.color import Color

from opstui.cli import main
from opstui.ui.theming import STATUS_VARIABLES, load_themes, parse_theme, unknown_theme


def test_three_shipped_themes_define_every_status_variable() -> None:
    found = load_themes(extra_dirs=[])
    assert found.problems == []
    assert set(found.names) == {"opstui-dark", "opstui-light", "opstui-colorblind"}
    for theme in found.themes.values():
        for variable in STATUS_VARIABLES:
            Color.parse(theme.variables[variable])
    assert not found.themes["opstui-light"].dark


def test_colorblind_theme_is_blue_and_orange_not_green_and_red() -> None:
    theme = load_themes(extra_dirs=[]).themes["opstui-colorblind"]
    ok = Color.parse(theme.variables["status-ok"])
    crit = Color.parse(theme.variables["status-crit"])
    assert ok.b > ok.g > ok.r  # blue
    assert crit.r > crit.g > crit.b and crit.g > 100  # orange, not red


def test_user_theme_added_and_bad_file_skipped_with_reason(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(
        "name: mine\nprimary: '#112233'\nvariables: {status-ok: blue, status-warn: yellow, status-crit: "
        "magenta, status-nodata: grey}\n")
    (tmp_path / "broken.yaml").write_text("name: broken\nprimary: not-a-colour\n")
    found = load_themes(extra_dirs=[tmp_path])
    assert "mine" in found.names
    assert "broken" not in found.names
    assert len(found.problems) == 1 and "not a colour" in found.problems[0] and "broken.yaml" in found.problems[0]


def test_theme_without_status_variables_is_refused() -> None:
    with pytest.raises(ValueError, match="status-ok"):
        parse_theme({"name": "x", "primary": "red"}, "x.yaml")


def test_unknown_theme_lists_the_names() -> None:
    assert unknown_theme("opstui-dark", "--theme") is None
    message = unknown_theme("solarized", "--theme")
    assert message is not None and "opstui-colorblind, opstui-dark, opstui-light" in message


def test_cli_refuses_unknown_theme_before_starting(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--demo", "--theme", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown theme 'nope'" in err


def test_cli_refuses_unknown_theme_in_config_with_file_line_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "opstui.yaml"
    config.write_text("environment: x\nui:\n  refresh: 1s\n  theme: nope\n")
    assert main(["--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert f"{config}:4: ui.theme: unknown theme 'nope'" in err
