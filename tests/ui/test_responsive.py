"""The mechanisms that keep keys fast under load (not timings: bench/keys.py measures those).

- A burst of events is folded in slices, and a key pressed meanwhile is handled before the burst ends.
- Only the screen on show redraws; hidden screens do no refresh work.
- A screen switch does not rebuild the footer when its keys are the same.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from textual.widgets._footer import FooterKey
from websockets.asyncio.server import ServerConnection, serve

from opstui.clock import FakeClock
from opstui.config.models import Config, WebsocketSource
from opstui.core import Core
from opstui.sources.events import Event
from opstui.ui.screens.base import ConsoleScreen
from tests.ui.conftest import feed, make_app

BURST = 100_000


async def test_a_key_is_handled_while_a_burst_of_events_is_folded(
    ui_config: Config, clock: FakeClock, tmp_path: Path
) -> None:
    burst = json.dumps(
        [{"type": "request", "route": "/api/cart", "method": "GET", "status": 200, "duration_ms": 12.5}] * BURST
    )

    async def handler(connection: ServerConnection) -> None:
        await connection.send(burst)
        await connection.wait_closed()

    async with serve(handler, "127.0.0.1", 0, max_size=None) as server:
        port = server.sockets[0].getsockname()[1]
        source = WebsocketSource(
            name="burst", type="websocket", url=f"ws://127.0.0.1:{port}", max_message_bytes=32 * 2**20
        )
        core = Core(ui_config.model_copy(update={"sources": [source]}), clock, state_path=str(tmp_path / "s.db"))
        ingested = 0
        fold = core.monitor.ingest

        def counting(events: list[Event]) -> None:
            nonlocal ingested
            fold(events)
            ingested += len(events)

        core.monitor.ingest = counting  # type: ignore[method-assign]
        app = make_app(core)
        at_key: list[int] = []
        switch = app.switch_mode

        def recording(mode: str) -> object:
            at_key.append(ingested)
            return switch(mode)

        app.switch_mode = recording  # type: ignore[method-assign]
        async with app.run_test(size=(120, 36)) as pilot:
            for _ in range(200_000):  # until the first slice is folded (the parse runs in a thread meanwhile)
                if ingested:
                    break
                await asyncio.sleep(0)
            assert 0 < ingested < BURST
            await pilot.press("2")
            for _ in range(200_000):
                if ingested == BURST:
                    break
                await asyncio.sleep(0)
            assert ingested == BURST
    assert at_key and at_key[0] < BURST, f"the key waited for the whole burst ({at_key})"


async def test_only_the_screen_on_show_redraws(core: Core) -> None:
    feed(core)
    # The 1 Hz redraw timer is real time: on a loaded machine it adds a redraw of its own while the test counts
    # the five it asks for (seen as 6 == 5 under the full suite); a minute (the most ui.refresh allows) keeps it out.
    core.config = core.config.model_copy(update={"ui": core.config.ui.model_copy(update={"refresh": 60.0})})
    app = make_app(core)
    calls: dict[str, int] = {}
    async with app.run_test(size=(120, 36)) as pilot:
        for key in "23451":  # every screen built once
            await pilot.press(key)
            await pilot.pause()
        screens = [s for stack in app._screen_stacks.values() for s in stack if isinstance(s, ConsoleScreen)]
        assert len(screens) == 5
        for screen in screens:
            name = type(screen).__name__
            calls[name] = 0

            def counted(name: str = name, original: object = screen.refresh_from_core) -> None:
                calls[name] += 1
                original()  # type: ignore[operator]

            screen.refresh_from_core = counted  # type: ignore[method-assign]
        for _ in range(5):
            app.tick()
        await pilot.pause()
    assert calls.pop("EngineeringScreen") == 5
    assert set(calls.values()) == {0}, calls


async def test_a_screen_switch_keeps_the_footer_when_its_keys_are_the_same(core: Core) -> None:
    feed(core)
    app = make_app(core)
    async with app.run_test(size=(120, 36)) as pilot:
        for key in "21":
            await pilot.press(key)
            await pilot.pause()
        keys_one = list(app.screen.query(FooterKey))
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("1")
        await pilot.pause()
        after = list(app.screen.query(FooterKey))
        assert after and [id(k) for k in after] == [id(k) for k in keys_one]  # the same widgets, not rebuilt
        shown = {k.key for k in after}
        wanted = {b.key for (_, b, _, _) in app.screen.active_bindings.values() if b.show}
        assert shown == wanted


async def test_on_call_keys_are_enabled_in_place_not_rebuilt_at_each_switch(core: Core) -> None:
    """The On-call screen's Ack is usable while its list loads and dimmed once it shows no incident: that flip
    used to remount the whole footer at every switch to it (most of the switch's time)."""
    feed(core)
    app = make_app(core)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        first = [id(k) for k in app.screen.query(FooterKey)]
        for key in "1212":
            await pilot.press(key)
            await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        keys = {k.key: k for k in app.screen.query(FooterKey)}
        assert [id(k) for k in keys.values()] == first, "the same key widgets, not remounted"
        enabled = {b.key: on for (_, b, on, _) in app.screen.active_bindings.values() if b.show}
        assert not enabled["a"] and not enabled["r"], "no incident selected: dimmed"
        assert all(keys[k].has_class("-disabled") == (not on) for k, on in enabled.items() if k in keys)
