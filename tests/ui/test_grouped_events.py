"""The grouped event tail: a repeated error is one row with its count; enter shows it whole; / filters."""

from __future__ import annotations

from textual.widgets import Input, Static

from opstui.clock import FakeClock
from opstui.core import Core
from opstui.sources.events import ErrorEvent
from opstui.ui.widgets.event_tail import EventTail, GroupDetail, split_row
from tests.ui.conftest import make_app


def rows(app: object) -> list[list[str]]:
    tail = app.screen.query_one(EventTail)  # type: ignore[attr-defined]
    return [split_row(str(tail.table.get_row_at(i)[0]), tail.widths) for i in range(tail.table.row_count)]


async def test_repeated_errors_are_one_row_and_enter_shows_the_latest_whole(quiet_core: Core, clock: FakeClock) -> None:
    now = clock.now()
    events = [ErrorEvent(now - 200 + i, "error", f"timeout after {3000 + i} ms (order {i:08x})") for i in range(40)]
    events.append(ErrorEvent(now - 5, "critical", "PrismaClientKnownRequestError: connection pool exhausted"))
    quiet_core.monitor.ingest(events)
    app = make_app(quiet_core)
    async with app.run_test(size=(140, 36)) as pilot:
        app.tick()
        await pilot.pause()
        shown = rows(app)
        assert len(shown) == 2
        assert shown[0][2:4] == ["app", "1"] and "connection pool exhausted" in shown[0][5]
        assert shown[1][3] == "40" and shown[1][5] == "new · timeout after 3039 ms (order 00000027)"
        assert shown[1][4].strip() != ""  # the sparkline has bars

        app.screen.query_one(EventTail).table.focus()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, GroupDetail)
        text = str(app.screen.query_one("#group-detail", Static).render())
        assert "timeout after 3039 ms (order 00000027)" in text
        assert "count    40 (40 in the last 15 minutes)" in text
        assert "grouped  timeout after # ms (order #)" in text
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("slash")
        await pilot.pause()
        box = app.screen.query_one("#event-filter", Input)
        assert box.has_focus
        await pilot.press(*"pool")
        await pilot.pause()
        assert [r[5] for r in rows(app)] == ["new · PrismaClientKnownRequestError: connection pool exhausted"]
        assert "filter 'pool': 1 of 2" in str(app.screen.query_one(EventTail).border_title)
        await pilot.press("enter", "escape")
        await pilot.pause()
        assert len(rows(app)) == 2

        clock.advance(10 * 60)  # no longer new
        app.tick()
        await pilot.pause()
        assert not rows(app)[1][5].startswith("new")
