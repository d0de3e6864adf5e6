"""The bell by severity (``alerting.bell``): counted bells on a fake clock, and the mute key ``M`` in the header."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from opstui.alerts.bell import Bell, Waiting
from opstui.alerts.model import Severity
from opstui.clock import FakeClock
from opstui.config.bell import BellRule, BellSettings
from opstui.config.models import Config
from opstui.core import Core
from opstui.ui.app import OpstuiApp
from tests.ui.conftest import make_app


class Bells:
    """Counts the app's bells (App.bell replaced on the instance)."""

    def __init__(self, app: OpstuiApp) -> None:
        self.count = 0
        app.bell = self.ring  # type: ignore[method-assign]

    def ring(self) -> None:
        self.count += 1


async def redraw(app: OpstuiApp, pilot: Pilot[int], core: Core) -> None:
    """What the 1 Hz timer does, after the header's counts were read from the store."""
    await core.refresh_attention()
    app.tick()
    await pilot.pause()


def header(app: OpstuiApp, field: str) -> Static:
    return app.screen.query_one(f"#{field}", Static)


async def test_a_p0_rings_every_30s_until_acknowledged(core: Core, clock: FakeClock) -> None:
    app = make_app(core)
    async with app.run_test(size=(120, 36)) as pilot:
        bells = Bells(app)
        assert core.incidents is not None
        incident = await core.incidents.open_manual("Checkout down", Severity.P0)
        await redraw(app, pilot, core)
        assert bells.count == 1
        await redraw(app, pilot, core)
        assert bells.count == 1  # not once a redraw
        clock.advance(29)
        await redraw(app, pilot, core)
        assert bells.count == 1
        clock.advance(1)
        await redraw(app, pilot, core)
        assert bells.count == 2  # at the 30th second
        clock.advance(30)
        await redraw(app, pilot, core)
        assert bells.count == 3
        await core.incidents.acknowledge(incident.id)
        clock.advance(120)
        await redraw(app, pilot, core)
        assert bells.count == 3  # acknowledged: quiet


async def test_a_p1_rings_once_and_a_p2_never(core: Core, clock: FakeClock) -> None:
    app = make_app(core)
    async with app.run_test(size=(120, 36)) as pilot:
        bells = Bells(app)
        assert core.incidents is not None
        await core.incidents.open_manual("Slow search", Severity.P2)
        await redraw(app, pilot, core)
        assert bells.count == 0
        await core.incidents.open_manual("Refunds failing", Severity.P1)
        await redraw(app, pilot, core)
        assert bells.count == 1
        for _ in range(5):
            clock.advance(60)
            await redraw(app, pilot, core)
        assert bells.count == 1


async def test_m_mutes_for_an_hour_shown_in_the_header_then_the_waiting_p0_rings(core: Core, clock: FakeClock) -> None:
    app = make_app(core)
    async with app.run_test(size=(80, 24)) as pilot:
        bells = Bells(app)
        assert core.incidents is not None
        await pilot.press("M")
        await pilot.pause()
        mute = header(app, "hdr-mute")
        assert mute.display and str(mute.content) == "bell muted to 15:13"  # START is 14:13:20 UTC
        await core.incidents.open_manual("Checkout down", Severity.P0)
        for _ in range(10):
            await redraw(app, pilot, core)
            clock.advance(359)
        assert bells.count == 0  # 59 min 50 s muted
        assert header(app, "hdr-mute").display
        clock.advance(10)
        await redraw(app, pilot, core)
        assert bells.count == 1  # the mute ended; the P0 still waits
        assert not header(app, "hdr-mute").display
        await pilot.press("M")  # muted again, then unmuted: rings again 30 s after the last bell
        await pilot.press("M")
        await pilot.pause()
        assert not header(app, "hdr-mute").display
        clock.advance(30)
        await redraw(app, pilot, core)
        assert bells.count == 2


@pytest.fixture
def loud_core(ui_config: Config, clock: FakeClock, tmp_path: Path) -> Core:
    alerting = ui_config.alerting.model_copy(
        update={"bell": BellSettings.model_validate({"P0": "none", "P2": {"repeat": "10s"}, "mute_for": "5m"})}
    )
    return Core(ui_config.model_copy(update={"alerting": alerting}), clock, state_path=str(tmp_path / "state.db"))


async def test_the_configured_bell_and_mute_length(loud_core: Core, clock: FakeClock) -> None:
    core = loud_core
    app = make_app(core)
    async with app.run_test(size=(120, 36)) as pilot:
        bells = Bells(app)
        assert core.incidents is not None
        await core.incidents.open_manual("Checkout down", Severity.P0)
        await redraw(app, pilot, core)
        assert bells.count == 0
        await core.incidents.open_manual("Slow search", Severity.P2)
        await redraw(app, pilot, core)
        clock.advance(10)
        await redraw(app, pilot, core)
        assert bells.count == 2
        await pilot.press("M")
        assert str(header(app, "hdr-mute").content) == "bell muted to 14:18"
        clock.advance(299)
        await redraw(app, pilot, core)
        assert bells.count == 2
        clock.advance(1)
        await redraw(app, pilot, core)
        assert bells.count == 3


def test_an_incident_triggered_again_rings_again() -> None:
    bell = Bell(BellSettings())
    first = Waiting(1, Severity.P1, 100.0)
    assert bell.due(100.0, [first]) is True
    assert bell.due(200.0, [first]) is False
    assert bell.due(300.0, []) is False  # acknowledged
    again = Waiting(1, Severity.P1, 400.0)  # its acknowledgement timed out
    assert bell.due(400.0, [again]) is True


@pytest.mark.parametrize(
    ("written", "rule"),
    [
        ("none", BellRule()),
        ("off", BellRule()),
        (False, BellRule()),
        ("once", BellRule(mode="once")),
        ({"repeat": "30s"}, BellRule(mode="repeat", repeat=30.0)),
        ("repeat 1m", BellRule(mode="repeat", repeat=60.0)),
    ],
)
def test_bell_rules_as_written(written: object, rule: BellRule) -> None:
    assert rule == BellSettings.model_validate({"P3": written}).P3


@pytest.mark.parametrize("written", ["sometimes", {"repeat": "0s"}, {"every": "30s"}])
def test_bad_bell_rules_are_refused(written: object) -> None:
    with pytest.raises(ValueError, match=r"P3"):
        BellSettings.model_validate({"P3": written})
