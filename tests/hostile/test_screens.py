"""Every hostile payload through every place it can appear on screen: the rendered segments carry no control
character, and text that looks like markup shows literally (issue 11, items 1 and 2)."""

from __future__ import annotations

import json

from textual.pilot import Pilot

from opstui.alerts.model import AlertState, AlertTransition, Severity
from opstui.clock import FakeClock
from opstui.config.models import Config, Kpi
from opstui.core import Core
from opstui.sources.base import Source, SourceState
from opstui.sources.events import parse_message
from opstui.ui.app import OpstuiApp
from tests.hostile.payloads import HOSTILE_TEXT, MARKUP, MS_TS, NEGATIVE_TS, UNSAFE, YEAR_2100, YEAR_9999
from tests.ui.conftest import make_app

SIZE = (160, 50)


class Hostile(Source):
    """A source whose server says hostile things (a websocket close reason, an error body): the real path."""

    kind = "websocket"

    async def run(self) -> None:
        """Never started: the test calls :meth:`say`."""

    def say(self, reason: str) -> None:
        self._update(state=SourceState.DOWN, reason=reason, last_check=self.clock.now())


def hostile_config(ui_config: Config) -> Config:
    kpis = [
        Kpi(metric="latency_p95", label=MARKUP[1], unit="ms"),
        Kpi(metric="error_rate", label=MARKUP[2], unit="%"),
        Kpi(metric="queue_length", label=MARKUP[3] + HOSTILE_TEXT),
        Kpi(metric="orders", label=MARKUP[4], screen="executive"),
    ]
    return ui_config.model_copy(update={"kpis": kpis, "environment": "prod " + MARKUP[0]})


def screen_text(app: OpstuiApp) -> list[str]:
    """The text of every segment the active screen renders, as the terminal would receive it."""
    return ["".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips()]


def assert_safe(app: OpstuiApp, where: str) -> str:
    lines = screen_text(app)
    for line in lines:
        assert UNSAFE.search(line) is None, f"{where}: a control character reached the screen: {line!r}"
    return "\n".join(lines)


async def settle(app: OpstuiApp, pilot: Pilot[int]) -> None:
    for _ in range(2):
        await app.workers.wait_for_complete()
        app.tick()
        await pilot.pause()


async def plant(core: Core) -> int:
    """Hostile text in every core path: events, a source's reason, an incident, a note, a table."""
    clock = core.clock
    now = clock.now()
    monitor = core.monitor
    source = Hostile("evil " + MARKUP[0], "ws://evil", clock, monitor)
    monitor.statuses[source.name] = source.status
    source.say(HOSTILE_TEXT + MARKUP[3])
    messages = [
        {"type": "error", "level": "critical", "message": HOSTILE_TEXT + MARKUP[0]},
        {"type": "deploy", "version": HOSTILE_TEXT},
        {"type": "error", "level": "critical", "message": "in ms", "ts": int((now - 60) * 1000)},
        {"type": "error", "level": "critical", "message": "issue ms", "ts": MS_TS},
        {"type": "error", "level": "critical", "message": "negative", "ts": NEGATIVE_TS},
        {"type": "metric", "name": "queue_length", "value": 1, "ts": YEAR_2100},
        {"type": "error", "level": "critical", "message": "year 9999", "ts": YEAR_9999},
    ]
    result = parse_message(json.dumps(messages), now)
    monitor.ingest(source.border.events(result.events, now))
    monitor.record("latency_p95", 420.0, now)
    monitor.set_table("top_products", ("name " + HOSTILE_TEXT, "revenue"), [(HOSTILE_TEXT + MARKUP[3], 12.0)])
    assert core.incidents is not None and core.state is not None
    rule = MARKUP[0] + " " + HOSTILE_TEXT
    await core.incidents.on_transitions(
        [
            AlertTransition(
                rule=rule,
                fingerprint=f"{rule}|",
                state=AlertState.FIRING,
                severity=Severity.P1,
                at=now,
                value=95.0,
                summary=HOSTILE_TEXT + MARKUP[3],
                runbook="# Runbook " + HOSTILE_TEXT + "\n\n" + MARKUP[0],
                metric="disk_used_pct",
            )
        ]
    )
    incident = await core.state.latest_incident(f"{rule}|")
    assert incident is not None
    await core.incidents.add_note(incident.id, HOSTILE_TEXT + MARKUP[3], by="mallory" + HOSTILE_TEXT)
    return incident.id


async def test_every_screen_shows_hostile_text_inert_and_markup_literally(
    ui_config: Config, clock: FakeClock, tmp_path: object
) -> None:
    core = Core(hostile_config(ui_config), clock, state_path=f"{tmp_path}/state.db")
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        await plant(core)
        await core.evaluate_once()
        await settle(app, pilot)
        text = assert_safe(app, "engineering")
        assert "p95 [ms]" in text and "[/]" in text
        assert "␛[2J" in text, "the sequence is shown, inert, so the operator sees that someone sent one"
        assert "year 9999" not in text and "negative" not in text, "implausible timestamps never reach the tail"
        assert "in ms" in text
        assert "Disk low [/var]" in text
        for key, name in (("2", "on-call"), ("3", "executive"), ("4", "checklist"), ("5", "audit")):
            await pilot.press(key)
            await settle(app, pilot)
            shown = assert_safe(app, name)
            if name == "on-call":
                assert "Disk low [/var]" in shown
                await pilot.press("enter")
                await settle(app, pilot)
                detail = assert_safe(app, "incident detail")
                assert "[link=https://evil.example]" in detail
                await pilot.press("escape")
                await settle(app, pilot)
        await pilot.press("question_mark")
        await settle(app, pilot)
        assert_safe(app, "help")


async def test_a_console_started_while_the_markup_incident_is_open_shows_it(
    ui_config: Config, clock: FakeClock, tmp_path: object
) -> None:
    # Issue 11: an alert named "Disk low [/var]" crashed the console when it fired and again at every start while
    # its incident was open: in team mode every console of the team, until someone resolved it from the shell.
    state_path = f"{tmp_path}/state.db"
    first = make_app(Core(hostile_config(ui_config), clock, state_path=state_path))
    async with first.run_test(size=SIZE) as pilot:
        assert first.core is not None
        await plant(first.core)
        await settle(first, pilot)
    second = make_app(Core(hostile_config(ui_config), clock, state_path=state_path))
    async with second.run_test(size=SIZE) as pilot:
        await settle(second, pilot)
        assert "Disk low [/var]" in assert_safe(second, "engineering, at start")
        await pilot.press("2")
        await settle(second, pilot)
        assert "Disk low [/var]" in assert_safe(second, "on-call, at start")
