"""The header at narrow widths: the least important parts go first, the worst state and who is on call stay."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from opstui.clock import FakeClock
from opstui.config.models import Config
from opstui.config.rotation import Rotation
from opstui.core import Core
from opstui.ui.app import OpstuiApp
from opstui.ui.widgets.header import ConsoleHeader
from tests.ui.conftest import START, make_app


@pytest.fixture
def on_call_core(ui_config: Config, clock: FakeClock, tmp_path: object) -> Core:
    rotation = Rotation(people=["ana", "ben"], start=datetime.fromtimestamp(START - 3600, UTC))
    config = ui_config.model_copy(update={"rotation": rotation, "environment": "production-eu-west"})
    return Core(config, clock, state_path=f"{tmp_path}/state.db")


def header_line(app: OpstuiApp) -> str:
    """The header's first line as the terminal shows it: each shown field where it is drawn, cut at the edge."""
    width = app.size.width
    line = [" "] * width
    for field in app.screen.query_one(ConsoleHeader).query("#header-line > Static").results(Static):
        if not field.display:
            continue
        region = field.content_region
        text = str(field.content)
        for offset, char in enumerate(text[: region.width]):
            if 0 <= region.x + offset < width:
                line[region.x + offset] = char
    return "".join(line).rstrip()


async def press_and_draw(app: OpstuiApp, pilot: Pilot[None], key: str) -> str:
    """Press ``key`` (``M`` mutes and unmutes the bell), redraw, and return the header's line."""
    await pilot.press(key)
    app.tick()
    await pilot.pause()
    return header_line(app)


def shown(app: OpstuiApp, field: str) -> bool:
    widget = app.screen.query_one(f"#{field}", Static)
    return widget.display and widget.region.right <= app.size.width


async def test_at_80_columns_with_the_bell_muted_the_on_call_name_stays(on_call_core: Core) -> None:
    core = on_call_core
    app = make_app(core)
    async with app.run_test(size=(80, 24)) as pilot:
        line = await press_and_draw(app, pilot, "M")
        assert "bell muted to 15:13" in line
        assert core.on_call_short is not None and core.on_call_short in line, line
        assert shown(app, "hdr-status") and shown(app, "hdr-oncall")
        # What went: the time since launch and the data's age first, then the counts at zero.
        assert not shown(app, "hdr-tplus") and not shown(app, "hdr-age")
        assert len(line) <= 80


async def test_at_120_columns_only_the_time_since_launch_gives_way(on_call_core: Core) -> None:
    core = on_call_core
    app = make_app(core)
    async with app.run_test(size=(120, 40)) as pilot:
        line = await press_and_draw(app, pilot, "M")
        assert core.on_call is not None and line.endswith(f"on-call {core.on_call}"), line
        for field in ("hdr-mute", "hdr-env", "hdr-age", "hdr-unacked", "hdr-overdue", "hdr-oncall"):
            assert shown(app, field), field
        assert not shown(app, "hdr-tplus")  # the long environment name and 6 overdue tasks leave no room for it
        await press_and_draw(app, pilot, "M")  # unmuted: room again
        assert shown(app, "hdr-tplus") and not shown(app, "hdr-mute")
