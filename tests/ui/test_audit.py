"""The Audit screen (key 5): an acknowledgement and a tick show with who@host, newest first; a new action
shows after ``core.note_change()``; ``/`` narrows the rows; ``w`` changes the window; no store says why."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from opstui.alerts.model import Severity
from opstui.clock import FakeClock
from opstui.core import Core
from opstui.state.audit import AuditEntry
from opstui.ui.app import OpstuiApp
from opstui.ui.screens.audit import MAX_ROWS, AuditScreen, clip, column_widths, entry_matches, when_text
from tests.ui.conftest import make_app
from tests.ui.test_oncall import fire, settle

SIZE = (120, 36)


async def show_audit(app: OpstuiApp, pilot: Pilot[int]) -> AuditScreen:
    await pilot.press("5")
    await settle(app, pilot)
    app.tick()
    await settle(app, pilot)
    assert isinstance(app.screen, AuditScreen)
    return app.screen


def rows(screen: AuditScreen) -> list[list[str]]:
    table: DataTable[object] = screen.query_one("#audit-table", DataTable)
    return [[str(cell) for cell in table.get_row(key)] for key in table.rows]


def title(screen: AuditScreen) -> str:
    return str(screen.query_one("#audit-title", Static).content)


async def test_acknowledgement_and_tick_show_with_actor_and_host(core: Core, clock: FakeClock) -> None:
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        assert core.incidents is not None and core.checklist is not None
        incident_id = await fire(core)
        clock.advance(60)
        await core.incidents.acknowledge(incident_id, by="alice")
        clock.advance(60)
        task = core.checklist.tasks[0]
        await core.checklist.tick(task.id)
        core.note_change()
        screen = await show_audit(app, pilot)
        shown = rows(screen)
        checklist = core.checklist
        who = clip(f"{checklist.operator}@{checklist.host}", 24)
        assert shown[0][1:4] == [who, "tick done", clip(task.id, 22)], shown
        acked = [r for r in shown if r[2] == "incident acknowledged"]
        assert acked and acked[0][1] == clip(f"alice@{core.incidents.host}", 24), shown
        assert acked[0][3] == f"incident #{incident_id}"
        assert [r[2] for r in shown][:2] == ["tick done", "incident acknowledged"], "newest first"
        assert "Audit · last 24h" in title(screen)

        # A new action appears once the shared state moves (as the change feed reports it). Whether a redraw
        # before that reads again is not asserted: advancing the fake clock also wakes SQLite's polling feed.
        clock.advance(30)
        await core.incidents.add_note(incident_id, "rolled back v1.4.2", by="bob")
        core.note_change()
        app.tick()
        await settle(app, pilot)
        assert rows(screen)[0][2] == "incident note"
        assert rows(screen)[0][4] == "rolled back v1.4.2"


async def test_filter_narrows_rows(core: Core, clock: FakeClock) -> None:
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        assert core.incidents is not None
        incident_id = await fire(core)
        await core.incidents.acknowledge(incident_id, by="alice")
        await core.incidents.add_note(incident_id, "looking", by="bob")
        core.note_change()
        screen = await show_audit(app, pilot)
        everything = len(rows(screen))
        assert everything >= 3
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"bob")
        await settle(app, pilot)
        narrowed = rows(screen)
        assert len(narrowed) == 1 and narrowed[0][2] == "incident note"
        assert "filter 'bob': 1 of" in title(screen)
        await pilot.press("enter", "escape")
        await settle(app, pilot)
        assert len(rows(screen)) == everything


async def test_w_cycles_the_window(core: Core, clock: FakeClock) -> None:
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        assert core.incidents is not None
        # P2: no acknowledgement timeout, so the 3 hours below add no action of opstui's own.
        incident_id = await fire(core, severity=Severity.P2)
        await core.incidents.acknowledge(incident_id, by="alice")
        clock.advance(3 * 3600)  # the actions are 3 hours old now
        core.note_change()
        screen = await show_audit(app, pilot)
        assert len(rows(screen)) == 2  # 24h (the default)
        await pilot.press("w")  # 7d
        await settle(app, pilot)
        assert len(rows(screen)) == 2 and "last 7d" in title(screen)
        await pilot.press("w")  # all
        await settle(app, pilot)
        assert "everything" in title(screen)
        await pilot.press("w")  # 1h
        await settle(app, pilot)
        assert rows(screen) == [] and "last 1h · 0 actions" in title(screen)
        await pilot.press("w")  # back to 24h
        await settle(app, pilot)
        assert len(rows(screen)) == 2


async def test_without_a_state_store_says_why(core: Core, tmp_path: object) -> None:
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        if core.state is not None:
            await core.state.close()
        core.state = None
        core.state_error = "state store unavailable: disk full"
        screen = await show_audit(app, pilot)
        assert title(screen) == "Audit unavailable: state store unavailable: disk full"
        assert rows(screen) == []


async def test_at_80x24_the_columns_shrink_and_the_text_is_last(core: Core) -> None:
    app = make_app(core)
    async with app.run_test(size=(80, 24)) as pilot:
        assert core.incidents is not None
        await core.incidents.acknowledge(await fire(core), by="alice")
        core.note_change()
        screen = await show_audit(app, pilot)
        table: DataTable[object] = screen.query_one("#audit-table", DataTable)
        labels = [str(column.label) for column in table.columns.values()]
        assert labels == ["When", "Who", "Action", "Subject", "Text"]
        assert sum(column.get_render_width(table) for column in table.columns.values()) <= 80


def test_helpers() -> None:
    item = AuditEntry(at=0.0, actor="alice", host="laptop", action="tick done", subject="backup-check", text="ok")
    assert entry_matches(item, "ALI") and entry_matches(item, "tick") and entry_matches(item, "backup")
    assert not entry_matches(item, "laptop") and not entry_matches(item, "ok")
    from datetime import UTC

    assert when_text(3600.0, 3700.0, UTC) == "01:00:00"
    assert when_text(3600.0, 3600.0 + 86_400, UTC) == "01-01 01:00"
    assert column_widths(80)[-1] >= 10 and column_widths(160)[-1] > column_widths(80)[-1]
    assert MAX_ROWS == 2_000


async def test_bounded_to_the_newest_entries(core: Core, clock: FakeClock) -> None:
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        screen = await show_audit(app, pilot)
        many = [
            AuditEntry(at=clock.now() - 5000 + i, actor="a", host="h", action="tick done", subject=f"t{i}")
            for i in range(MAX_ROWS + 5)
        ]

        async def audit(since: float) -> list[AuditEntry]:
            return many

        assert core.state is not None
        core.state.audit = audit  # type: ignore[method-assign]
        core.note_change()
        app.tick()
        await settle(app, pilot)
        shown = rows(screen)
        assert len(shown) == MAX_ROWS
        assert shown[0][3] == f"t{MAX_ROWS + 4}"
        assert f"newest {MAX_ROWS:,} of {MAX_ROWS + 5:,}" in title(screen)


async def test_s_shows_the_services_admin_actions_and_slash_filters_them(core: Core, clock: FakeClock) -> None:
    from opstui.sources.events import AuditEvent

    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        now = clock.now()
        core.monitor.ingest(
            [
                AuditEvent(now - 120, "ana@shop", "refund issued", "order 1042"),
                AuditEvent(now - 60, "ben@shop", "price changed", "product 7"),
                AuditEvent(now - 10, "ana@shop", "role changed", "user 99"),
            ]
        )
        screen = await show_audit(app, pilot)
        await pilot.press("s")
        await settle(app, pilot)
        app.tick()
        await settle(app, pilot)
        shown = rows(screen)
        assert [r[1:4] for r in shown] == [
            ["ana@shop", "role changed", "user 99"],
            ["ben@shop", "price changed", "product 7"],
            ["ana@shop", "refund issued", "order 1042"],
        ], "newest first"
        assert title(screen).startswith("Service admin actions · 3 actions · newest 1,000 kept")
        await pilot.press("slash")
        await pilot.press(*"ana")
        await settle(app, pilot)
        assert [r[3] for r in rows(screen)] == ["user 99", "order 1042"]
        assert "filter 'ana': 2 of 3" in title(screen)
        await pilot.press("enter", "escape")
        await settle(app, pilot)
        core.monitor.ingest([AuditEvent(clock.now(), "ops-bot", "coupon created", "WINTER5")])
        app.tick()
        await settle(app, pilot)
        assert rows(screen)[0][1:4] == ["ops-bot", "coupon created", "WINTER5"], "a new action shows at the next redraw"
        await pilot.press("s")  # back to the console's trail
        await settle(app, pilot)
        app.tick()
        await settle(app, pilot)
        assert title(screen).startswith("Audit · last 24h")


def test_the_admin_actions_kept_are_bounded() -> None:
    from opstui.clock import FakeClock as Clock
    from opstui.config.models import Config
    from opstui.monitor import MAX_ADMIN_ACTIONS, Monitor
    from opstui.sources.events import AuditEvent

    clock = Clock(1_800_000_000.0)
    monitor = Monitor(Config.model_validate({"alerts": []}), clock)
    monitor.ingest([AuditEvent(clock.now(), "a", f"action {i}") for i in range(MAX_ADMIN_ACTIONS + 250)])
    assert MAX_ADMIN_ACTIONS == 1000
    assert len(monitor.admin_actions) == 1000
    assert monitor.admin_actions[0].action == "action 250" and monitor.admin_actions[-1].action == "action 1249"
