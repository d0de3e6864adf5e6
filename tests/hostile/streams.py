"""A real websocket stream into a monitor, for the hostile tests that send it what a border must refuse."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from opstui.clock import FakeClock
from opstui.config.models import WebsocketSource
from opstui.monitor import Monitor
from opstui.sources.websocket import WebsocketStream
from tests.sources.conftest import Script, WsServer, parked


async def stream_to_monitor(
    server: WsServer, script: Script, clock: FakeClock, monitor: Monitor, arrived: Callable[[], bool], rejected: int
) -> None:
    """Run the ``shop`` websocket source against ``script`` until ``arrived()`` says its messages are in, let the
    watchdog publish the counters (one second on the fake clock), wait for ``rejected`` on the source's row,
    then stop the source. Real network I/O, so the loop polls; no time passes on the clock but that second."""
    server.scripts = [script]
    cfg = WebsocketSource.model_validate({"name": "shop", "type": "websocket", "url": server.url})
    source = WebsocketStream(cfg, clock, monitor)
    task = asyncio.create_task(source.run())
    try:
        for _ in range(500):
            if arrived():
                break
            await asyncio.sleep(0.01)
        await parked(clock, 1)
        clock.advance(1.0)  # the watchdog publishes the counters
        for _ in range(500):
            if monitor.statuses["shop"].rejected == rejected:
                break
            await asyncio.sleep(0.01)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
