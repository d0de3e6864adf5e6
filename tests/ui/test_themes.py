"""Themes are data: shipped YAML files, checked colours, bad files skipped, unknown names refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.color import Color

from opstui.cli import main
from opstui.clock import FakeClock
from opstui.config.models import Config, UiSettings
from opstui.core import Core
from opstui.ui import theming
from opstui.ui.app import OpstuiApp
from opstui.ui.theming import STATUS_VARIABLES, ThemeMemory, load_themes, parse_theme, unknown_theme


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
        "magenta, status-nodata: grey}\n"
    )
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


MINE = (
    "name: mine\nprimary: '#112233'\nvariables: {status-ok: blue, status-warn: yellow, status-crit: magenta, "
    "status-nodata: grey}\n"
)


def test_theme_memory_round_trip_and_bad_files(tmp_path: Path) -> None:
    memory = ThemeMemory(tmp_path / "state" / "ui.json")
    assert memory.recall() is None  # nothing yet
    assert memory.remember("opstui-light") is None
    assert memory.recall() == "opstui-light"
    memory.path.write_text("{not json")
    assert memory.recall() is None
    memory.path.write_text('{"theme": 3}')
    assert memory.recall() is None
    blocked = ThemeMemory(tmp_path / "file" / "ui.json")
    (tmp_path / "file").write_text("a file where the folder should be")
    problem = blocked.remember("opstui-light")
    assert problem is not None and "could not remember the theme" in problem and "\n" not in problem


async def test_theme_chosen_with_t_is_used_next_start(core: Core, tmp_path: Path) -> None:
    memory = ThemeMemory(tmp_path / "ui.json")
    app = make_app_with(core, memory)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.theme == "opstui-dark"
        assert memory.recall() is None  # starting is not choosing
        await pilot.press("t")
        await pilot.pause()
        chosen = app.theme
    assert chosen != "opstui-dark" and memory.recall() == chosen
    again = make_app_with(core, memory)
    async with again.run_test() as pilot:
        await pilot.pause()
        assert again.theme == chosen


async def test_theme_argument_and_config_beat_the_remembered_theme(
    ui_config: Config, clock: FakeClock, tmp_path: Path
) -> None:
    memory = ThemeMemory(tmp_path / "ui.json")
    memory.remember("opstui-light")
    plain = Core(ui_config, clock, state_path=str(tmp_path / "a.db"))
    app = OpstuiApp(plain, theme="opstui-colorblind", memory=memory)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.theme == "opstui-colorblind"
    assert memory.recall() == "opstui-light"  # --theme is for this run only
    configured = ui_config.model_copy(update={"ui": UiSettings.model_validate({"theme": "opstui-colorblind"})})
    app = OpstuiApp(Core(configured, clock, state_path=str(tmp_path / "b.db")), memory=memory)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.theme == "opstui-colorblind"


async def test_user_theme_dir_loaded_and_bad_file_notified(
    core: Core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mine.yaml").write_text(MINE)
    (tmp_path / "broken.yaml").write_text("name: broken\nprimary: not-a-colour\n")
    monkeypatch.setattr(theming, "user_theme_dir", lambda: tmp_path)
    memory = ThemeMemory(tmp_path / "ui.json")
    memory.remember("mine")
    app = make_app_with(core, memory)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert "mine" in app.theme_names and "broken" not in app.theme_names
        assert app.theme == "mine"
        assert any("broken.yaml" in m and "not a colour" in m for m in app.notes)  # type: ignore[attr-defined]


async def test_remembered_theme_that_is_gone_falls_back_to_default(core: Core, tmp_path: Path) -> None:
    memory = ThemeMemory(tmp_path / "ui.json")
    memory.remember("deleted-since")
    app = make_app_with(core, memory)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.theme == "opstui-dark"
        assert any("deleted-since" in m for m in app.notes)  # type: ignore[attr-defined]


def make_app_with(core: Core, memory: ThemeMemory) -> OpstuiApp:
    """The app with ``memory``, its notifications recorded in ``app.notes`` (their text only)."""
    app = OpstuiApp(core, memory=memory)
    notes: list[str] = []
    notify = app.notify

    def record(message: str, **options: Any) -> None:
        notes.append(message)
        notify(message, **options)

    app.notify = record  # type: ignore[method-assign]
    app.notes = notes  # type: ignore[attr-defined]
    return app
