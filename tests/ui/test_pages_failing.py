"""Pages that could not be delivered show in every header (``2 pages failing``) and, by name, on the
On-call screen; both go away once the pages are delivered."""

from __future__ import annotations

from textual.widgets import Static

from opstui.clock import FakeClock
from opstui.core import Core
from opstui.state.protocol import Notification
from opstui.ui.widgets.page_trouble import PageTrouble, trouble_lines
from tests.ui.conftest import START, feed, make_app


def page(incident_id: int, event: str, channel: str) -> Notification:
    return Notification(channel, {"incident_id": incident_id, "event": event}, created_at=START)


async def test_failing_pages_show_in_the_header_and_on_call_until_delivered(core: Core, clock: FakeClock) -> None:
    feed(core)
    app = make_app(core)
    async with app.run_test(size=(80, 24)) as pilot:
        state = core.state
        assert state is not None
        header = app.screen.query_one("#hdr-pages", Static)
        app.tick()
        await pilot.pause()
        assert not header.display  # nothing failing: nothing said

        await state.enqueue([page(7, "escalated", "pager"), page(9, "triggered", "chat")])
        rows = await state.claim_notifications(clock.now(), 60)
        await state.mark_failed(rows[0].id, "connection refused", clock.now() + 300)
        await state.mark_failed(rows[1].id, "HTTP 404 Not Found", None)
        await core.refresh_pages()
        app.tick()
        await pilot.pause()
        assert header.display and str(header.content) == "2 pages failing"

        await pilot.press("2")
        await pilot.pause()
        app.tick()
        await pilot.pause()
        lines = str(app.screen.query_one(PageTrouble).content).splitlines()
        assert lines[0] == "⚠ 2 pages failing (opstui notifications lists them)"
        assert lines[1] == "  #9 triggered → chat: HTTP 404 Not Found (1 attempt, given up)"
        assert lines[2].startswith("  #7 escalated → pager: connection refused (1 attempt, retry ")
        assert str(app.screen.query_one("#hdr-pages", Static).content) == "2 pages failing"

        await state.mark_delivered(rows[0].id, clock.now())
        clock.advance(86400 + 1)  # the one given up on stays counted for a day after its last attempt
        await core.refresh_pages()
        app.tick()
        await pilot.pause()
        assert not app.screen.query_one(PageTrouble).display
        assert not app.screen.query_one("#hdr-pages", Static).display


def test_one_page_is_singular_and_nothing_failing_says_nothing() -> None:
    assert trouble_lines([], 0) == []
    assert trouble_lines([], 1) == ["⚠ 1 page failing (opstui notifications lists them)"]
