"""The headless core the console drives: the monitor, the state store and the incident manager.

The UI holds one :class:`Core`, reads it once a second and sends it commands; it never opens a
socket or a database itself. Tests build a Core with a :class:`~opstui.clock.FakeClock` and a
temporary state file and drive it exactly as the screens do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from opstui.clock import Clock
from opstui.config.incidents import StateSettings, operator_name
from opstui.config.models import Config
from opstui.incidents.manager import IncidentManager
from opstui.monitor import Monitor
from opstui.state import StateStore, open_state

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HeaderCounts:
    """What the header of every screen shows beside the status: what needs a human now."""

    unacknowledged: int = 0
    overdue_tasks: int = 0
    banner: str | None = None
    """A new P0/P1 incident's one-line banner, shown on every screen until acknowledged."""
    on_call: str | None = None
    """Who is on call now (the rotation's primary), when a rotation is configured."""


class Core:
    """Everything the console shows and changes, without a screen."""

    def __init__(self, config: Config, clock: Clock, state_path: str | None = None) -> None:
        self.config = config
        self.clock = clock
        self.monitor = Monitor(config, clock)
        settings = config.state
        if state_path is not None:
            settings = StateSettings(backend=settings.backend, path=state_path, timeout=settings.timeout)
        self.state_settings = settings
        self.operator = operator_name(config.operator)
        self.state: StateStore | None = None
        self.incidents: IncidentManager | None = None
        self.state_error: str | None = None
        """Why the state store could not be opened; the console still shows live metrics."""
        self.unacknowledged = 0
        """Open incidents nobody has acknowledged; kept current by the alert loop."""
        self.overdue_tasks = 0
        """Checklist tasks past due; kept current by the checklist loop."""
        self.banner: str | None = None
        """Set by the alert loop when a P0/P1 opens; cleared when it is acknowledged."""
        self.on_call: str | None = None
        """Set by the rotation, when one is configured."""
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Open the state store (a failure is shown, not fatal) and start the sources."""
        try:
            self.state = await open_state(self.state_settings, self.clock)
        except Exception as exc:  # noqa: BLE001 - shown in the header; live metrics still work
            self.state_error = f"state store unavailable: {exc}"
            log.warning(self.state_error)
        if self.state is not None:
            self.incidents = IncidentManager(
                self.state,
                self.clock,
                self.config.incidents,
                self.operator,
                escalation=self.config.escalation,
            )
        await self.monitor.start()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        await self.monitor.stop()
        if self.state is not None:
            await self.state.close()
            self.state = None

    def spawn(self, loop: Coroutine[Any, Any, None], name: str) -> None:
        """Run one of the core's background loops until :meth:`stop`; a loop that dies is logged, not fatal."""
        task = asyncio.create_task(loop, name=name)
        task.add_done_callback(_log_death)
        self._tasks.append(task)

    def header_counts(self) -> HeaderCounts:
        """The counts the header shows; refreshed by the core's own loops, read without waiting."""
        return HeaderCounts(
            unacknowledged=self.unacknowledged,
            overdue_tasks=self.overdue_tasks,
            banner=self.banner,
            on_call=self.on_call,
        )


def _log_death(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("background loop %s stopped: %s", task.get_name(), task.exception())
