"""Run the demo shop on its own thread and event loop, so ``opstui --demo`` is one command.

The shop stands in for a remote service: it gets its own loop, so the console talks to it over
real sockets exactly as it would to production, and nothing in the UI opens a socket itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

from opstui.clock import Clock
from opstui.demo.shop import DemoShop


class BackgroundShop:
    """The demo shop on a daemon thread; :meth:`start` returns its base URL once it listens."""

    def __init__(self, port: int = 0, clock: Clock | None = None) -> None:
        self.port = port
        self.clock = clock
        """The console's own clock (``--speed``: both sides warped alike), or the shop's real one."""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="opstui-demo-shop", daemon=True)
        self._shop: DemoShop | None = None

    def start(self, timeout: float = 10.0) -> str:
        self._thread.start()
        self._shop = DemoShop(port=self.port, clock=self.clock)
        future = asyncio.run_coroutine_threadsafe(self._shop.start(), self._loop)
        future.result(timeout)
        return self._shop.base_url

    def stop(self, timeout: float = 5.0) -> None:
        if self._shop is not None and self._loop.is_running():
            future = asyncio.run_coroutine_threadsafe(self._shop.stop(), self._loop)
            # Shutting down: a shop that will not stop dies with the process.
            with contextlib.suppress(Exception):
                future.result(timeout)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
