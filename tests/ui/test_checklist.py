"""The Checklist screen: `4`, move, `space` ticks durably (still done after a restart), `x` skips with a
reason, `n` notes, `u` undoes, `/` filters, and the overdue count reaches the header."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from opstui.checklist.model import TaskStatus
from opstui.clock import FakeClock
from opstui.config.models import Config
from opstui.core import Core
from opstui.state import TickKind
from opstui.ui.app import OpstuiApp
from opstui.ui.screens.checklist import ChecklistScreen
from opstui.ui.widgets.checklist_modals import ChecklistTextModal
from opstui.ui.widgets.checklist_progress import GroupBar
from opstui.ui.widgets.checklist_table import ChecklistTable
from tests.ui.conftest import make_app

SIZE = (120, 36)


async def settle(app: OpstuiApp, pilot: Pilot[int]) -> None:
    """Let the workers (state store calls on a thread) finish and the screen repaint."""
    await app.workers.wait_for_complete()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def open_checklist(app: OpstuiApp, pilot: Pilot[int]) -> ChecklistTable:
    await pilot.press("4")
    await app.core.refresh_checklist()
    app.tick()
    await settle(app, pilot)
    assert isinstance(app.screen, ChecklistScreen)
    return app.screen.query_one(ChecklistTable)


def status_of(table: ChecklistTable, task_id: str) -> TaskStatus:
    row = table.row_for(task_id)
    assert row is not None
    return row.status


async def test_4_move_space_ticks_and_it_is_still_done_after_a_restart(
    core: Core, ui_config: Config, clock: FakeClock, tmp_path: Path
) -> None:
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        table = await open_checklist(app, pilot)
        first = table.selected_id
        assert first is not None and status_of(table, first) is TaskStatus.OVERDUE  # overdue float up
        await pilot.press("j")
        target = table.selected_id
        assert target is not None and target != first
        await pilot.press("space")
        await settle(app, pilot)
        assert status_of(table, target) is TaskStatus.DONE
        assert table.cursor_row == 1 and table.selected_id != target  # the cursor stays on the next thing to do
        assert core.state is not None
        stored = await core.state.last_tick(target)
        assert stored is not None and stored.kind is TickKind.DONE and stored.actor == core.operator
        await pilot.press("q")

    again = Core(ui_config, clock, state_path=str(tmp_path / "state.db"))
    app = make_app(again)
    async with app.run_test(size=SIZE) as pilot:
        table = await open_checklist(app, pilot)
        assert status_of(table, target) is TaskStatus.DONE


async def test_the_overdue_count_reaches_the_header(core: Core, clock: FakeClock) -> None:
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        await open_checklist(app, pilot)
        assert core.checklist is not None
        overdue = core.checklist.overdue
        assert overdue > 0
        assert str(app.screen.query_one("#hdr-overdue").content) == f"{overdue} overdue"  # type: ignore[attr-defined]
        await pilot.press("space")
        await settle(app, pilot)
        app.tick()
        await pilot.pause()
        assert str(app.screen.query_one("#hdr-overdue").content) == f"{overdue - 1} overdue"  # type: ignore[attr-defined]


async def test_x_skips_with_a_reason_and_u_undoes(core: Core) -> None:
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        table = await open_checklist(app, pilot)
        target = table.selected_id
        assert target is not None
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ChecklistTextModal)
        await pilot.press(*"maintenance", "enter")
        await settle(app, pilot)
        assert status_of(table, target) is TaskStatus.SKIPPED
        await pilot.press("u")
        await settle(app, pilot)
        assert status_of(table, target) is TaskStatus.OVERDUE


async def test_n_adds_a_note_without_changing_the_status(core: Core) -> None:
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        table = await open_checklist(app, pilot)
        target = table.selected_id
        assert target is not None
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"all green", "enter")
        await settle(app, pilot)
        assert core.state is not None
        note = await core.state.last_tick(target)
        assert note is not None and note.kind is TickKind.NOTE and note.note == "all green"
        assert status_of(table, target) is TaskStatus.OVERDUE


async def test_slash_filters_and_escape_clears(core: Core) -> None:
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        table = await open_checklist(app, pilot)
        everything = len(table.task_ids)
        await pilot.press("slash", *"monthly")
        await pilot.pause()
        assert 0 < len(table.task_ids) < everything
        assert all(row.cadence.startswith("monthly") for row in table._shown)
        await pilot.press("enter", "escape")
        await pilot.pause()
        assert len(table.task_ids) == everything


async def test_a_progress_bar_per_group(core: Core) -> None:
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        await open_checklist(app, pilot)
        app.tick()
        await pilot.pause()
        groups = [bar.group for bar in app.screen.query(GroupBar)]
        assert groups == ["First 48 hours", "Daily", "Weekly", "Monthly"]


async def test_the_screen_reads_at_80x24(core: Core) -> None:
    app = make_app(core)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_checklist(app, pilot)
        assert table.size.height >= 8
        assert table.region.width <= 80
