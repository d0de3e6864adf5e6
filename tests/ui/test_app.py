"""The console shell: modes, help, themes, header, and the core's lifetime."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from opstui.cli import main
from opstui.clock import FakeClock
from opstui.config.models import Config, UiSettings
from opstui.core import Core
from opstui.ui.keymap import check_keys, known_binding_ids
from opstui.ui.screens.audit import AuditScreen
from opstui.ui.screens.checklist import ChecklistScreen
from opstui.ui.screens.engineering import EngineeringScreen
from opstui.ui.screens.executive import ExecutiveScreen
from opstui.ui.screens.help import HelpScreen
from opstui.ui.screens.oncall import OnCallScreen
from opstui.ui.widgets.header import ConsoleHeader
from tests.ui.conftest import feed, make_app


async def test_keys_1_to_5_switch_screens(core: Core) -> None:
    app = make_app(core)
    async with app.run_test(size=(100, 30)) as pilot:
        assert isinstance(app.screen, EngineeringScreen)
        for key, screen in (
            ("2", OnCallScreen),
            ("3", ExecutiveScreen),
            ("4", ChecklistScreen),
            ("5", AuditScreen),
            ("1", EngineeringScreen),
        ):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, screen)


async def test_help_lists_every_binding(core: Core) -> None:
    app = make_app(core)
    async with app.run_test(size=(120, 40)) as pilot:
        expected = {active.binding.description for active in app.active_bindings.values()}
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.query_one("#help-text").source  # type: ignore[attr-defined]
        for description in expected:
            assert description in text
        for key in ("1", "2", "3", "4", "5", "?", "t", "q"):
            assert f"`{key}`" in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, EngineeringScreen)


async def test_help_lists_the_screens_own_keys_first_and_textuals_last(core: Core) -> None:
    app = make_app(core)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        rows = app.binding_rows()
        keys = [key for key, _, _ in rows]
        assert keys[:5] == ["space", "x", "n", "u", "/"], keys
        wheres = [where for _, _, where in rows]
        first_app_row = wheres.index("everywhere")
        assert all(where == "Checklist" for where in wheres[:first_app_row])
        last_app_row = max(i for i, where in enumerate(wheres) if where == "everywhere")
        focus_next = next(i for i, (_, description, _) in enumerate(rows) if description.startswith("Focus Next"))
        assert focus_next > last_app_row, "Textual's own keys (focus, copy) come after the app's"


async def test_t_cycles_themes(core: Core) -> None:
    app = make_app(core)
    async with app.run_test() as pilot:
        assert app.theme == "opstui-dark"
        seen = [app.theme]
        for _ in app.theme_names:
            await pilot.press("t")
            seen.append(app.theme)
        assert set(seen) == {"opstui-dark", "opstui-light", "opstui-colorblind"}
        assert seen[-1] == "opstui-dark"


async def test_theme_argument_chooses_theme(core: Core) -> None:
    app = make_app(core, theme="opstui-colorblind")
    async with app.run_test():
        assert app.theme == "opstui-colorblind"


async def test_header_shows_launch_status_counts_and_banner(core: Core, clock: FakeClock) -> None:
    feed(core)
    app = make_app(core, demo=True)
    async with app.run_test(size=(160, 30)) as pilot:
        core.unacknowledged = 2
        core.overdue_tasks = 1
        core.on_call = "alice"
        core.banner = "P1 High Error Rate: error rate 6.2% > 5%"
        app.tick()
        app.tick()
        await pilot.pause()

        def text(selector: str) -> str:
            return str(app.screen.query_one(selector).content)  # type: ignore[attr-defined]

        assert text("#hdr-env") == "test"
        assert text("#hdr-tplus") == "T+02:15"
        assert "CRITICAL" in text("#hdr-status")  # payments is down
        assert text("#hdr-unacked") == "2 unacked"
        assert text("#hdr-overdue") == "1 overdue"
        assert text("#hdr-oncall") == "on-call alice"
        assert "High Error Rate" in text("#hdr-banner")
        assert text("#hdr-demo") == "DEMO"
        clock.advance(120)
        app.tick()
        await pilot.pause()
        assert text("#hdr-tplus") == "T+02:17"


async def test_core_started_and_stopped(core: Core) -> None:
    app = make_app(core)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert core.state is not None
        assert core.state_error is None
        await pilot.press("q")
    assert core.state is None


async def test_palette_offers_every_screen_and_theme(core: Core) -> None:
    app = make_app(core)
    async with app.run_test():
        titles = {command.title for command in app.get_system_commands(app.screen)}
        for title in (
            "Screen: Engineering",
            "Screen: On-call",
            "Screen: Executive",
            "Screen: Checklist",
            "Cycle theme",
            "Keys and help",
        ):
            assert title in titles


async def test_state_store_failure_shown_in_header(ui_config: Config, clock: FakeClock, tmp_path: Path) -> None:
    broken = Core(ui_config, clock, state_path=str(tmp_path))  # a directory is no SQLite file
    app = make_app(broken)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        app.tick()
        await pilot.pause()
        assert broken.state_error is not None
        error = app.screen.query_one("#hdr-state-error")
        assert error.display
        assert "state store unavailable" in str(error.content)  # type: ignore[attr-defined]


async def test_header_draw_survives_a_tick_while_mounting_or_torn_down(core: Core) -> None:
    """A tick can land between a header's mount and its compose, or after its removal: never NoMatches."""
    feed(core)
    app = make_app(core)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        header = app.screen.query_one("#console-header", ConsoleHeader)
        await header.remove()
        app.tick()  # the screen's own header is gone: the tick skips it
        header.update_from(core)
        early = ConsoleHeader()
        early.update_from(core)  # not mounted at all
        app.screen.mount(early)
        early.update_from(core)  # attached, children not composed yet
        await pilot.pause()
        assert str(early.query_one("#hdr-env", Static).content) == "test"


async def test_quit_while_redraws_keep_coming_never_races_the_teardown(core: Core) -> None:
    """``q`` while the refresh timer and every screen's redraw keep firing: no NoMatches, a clean exit."""
    import asyncio

    from opstui.ui.screens.base import ConsoleScreen

    feed(core)
    app = make_app(core)
    redraws = 0

    async def hammer(screens: list[ConsoleScreen]) -> None:
        nonlocal redraws
        while True:  # as often as the loop allows: each turn of the teardown sees a redraw
            app.tick()
            for screen in screens:
                screen.draw()
            redraws += 1
            await asyncio.sleep(0)

    async with app.run_test(size=(120, 36)) as pilot:
        for key in "23451":
            await pilot.press(key)
            await pilot.pause()
        screens = [s for stack in app._screen_stacks.values() for s in stack if isinstance(s, ConsoleScreen)]
        assert len(screens) == 5
        task = asyncio.create_task(hammer(screens))
        await pilot.pause()
        await pilot.press("q")
    for _ in range(3):
        await asyncio.sleep(0)
    task.cancel()
    assert redraws > 2 and not app.live
    assert app.return_code == 0


async def test_quit_stays_in_the_footer_at_80_columns_on_every_screen(core: Core) -> None:
    app = make_app(core)
    async with app.run_test(size=(80, 24)) as pilot:
        for key in ("1", "2", "3", "4"):
            await pilot.press(key)
            await pilot.pause()
            keys = {getattr(k, "description", ""): k for k in app.screen.query("FooterKey")}
            quit_key = keys["Quit"]
            assert quit_key.region.width > 0 and quit_key.region.right <= 80, key
        await pilot.press("question_mark")
        await pilot.pause()
        text = app.screen.query_one("#help-text").source  # type: ignore[attr-defined]
        assert "`^p`" in text and "Command palette" in text  # not in the footer, so in `?`


async def test_user_keys_rebind_by_id(ui_config: Config, clock: FakeClock, tmp_path: Path) -> None:
    config = ui_config.model_copy(update={"ui": UiSettings.model_validate({"keys": {"app.theme": "y"}})})
    app = make_app(Core(config, clock, state_path=str(tmp_path / "s.db")))
    async with app.run_test() as pilot:
        await pilot.press("t")
        assert app.theme == "opstui-dark"  # t is no longer the theme key
        await pilot.press("y")
        assert app.theme != "opstui-dark"
        rows = {description: key for key, description, _ in app.binding_rows()}
        assert rows["Theme · `app.theme`"] == "y"


def test_every_binding_has_an_id() -> None:
    known = known_binding_ids()
    assert {"app.quit", "app.theme", "mode.oncall", "help.close"} <= set(known)
    from textual.binding import Binding
    from textual.dom import DOMNode

    pending: list[type[DOMNode]] = [DOMNode]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("opstui."):
            for binding in cls.__dict__.get("BINDINGS", []):
                assert isinstance(binding, Binding) and binding.id, f"{cls.__name__}: {binding!r} has no id"


def test_unknown_binding_id_is_a_config_error_with_file_line_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "opstui.yaml"
    config.write_text("environment: x\nui:\n  keys:\n    app.quit: ctrl+q\n    oncall.ack: A\n")
    assert main(["--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"{config}:5: ui.keys.oncall.ack: no key binding has the id 'oncall.ack'" in err
    assert "did you mean 'oncall.acknowledge'" in err


def test_valid_keys_pass_the_check(tmp_path: Path) -> None:
    assert check_keys({"app.quit": "ctrl+q", "oncall.acknowledge": "A"}) is None
    problem = check_keys({"app.quit": " "}, "x.yaml")
    assert problem is not None and problem.path == "ui.keys.app.quit"
