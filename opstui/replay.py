"""A console over the past: ``opstui replay`` plays the history on disk back through the same screens.

:class:`ReplayCore` is a :class:`~opstui.core.Core` that starts no source, opens no state store and runs none
of the core's loops (no rule is evaluated, no incident opened, nothing written): its metric store is kept at
the replay clock's cursor by a :class:`~opstui.metrics.replay.Replayer` reading the history file (read-only,
so a running console's file is safe). The screens read it as they read a live core; the header shows the
cursor. See docs/history.md.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from opstui.clock import zone
from opstui.config.models import Config
from opstui.core import Core
from opstui.metrics.history_file import HistoryFile, HistoryTables
from opstui.metrics.replay import ReplayClock, Replayer
from opstui.monitor import LogEntry

PACE = 0.25
"""Wall seconds between two advances of the store while playing (the screen redraws at its own 1 Hz)."""


class ReplayCore(Core):
    """The core of a replaying console: read-only, driven by the replay clock."""

    def __init__(self, config: Config, clock: ReplayClock, history: Path | Callable[[], HistoryTables]) -> None:
        super().__init__(config, clock)
        self.replay_clock = clock
        self.open_history: Callable[[], HistoryTables] = (
            (lambda: HistoryFile(history, read_only=True)) if isinstance(history, Path) else history
        )
        """Opens the history read-only: a file, or the team's PostgreSQL (see opstui.metrics.history_open)."""
        self.replayer: Replayer | None = None

    async def start(self) -> None:
        """Read the history file (raises HistoryError, one line) and fill the store up to the cursor."""

        def read() -> Replayer:
            file = self.open_history()
            try:
                return Replayer(
                    file,
                    self.monitor.store,
                    self.replay_clock,
                    on_event=lambda line: self.monitor.log_entry(LogEntry(*line)),
                    forget_events=self.monitor.clear_events,
                )
            finally:
                file.close()

        self.replayer = await asyncio.to_thread(read)
        self.replayer.advance()
        self.spawn(self._replay_loop(), "replay")

    async def _replay_loop(self) -> None:
        while True:
            if self.replay_clock.playing and self.replayer is not None:
                self.replayer.advance()
            await asyncio.sleep(PACE)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()

    def move(self, seconds: float) -> None:
        """A step or a jump of the cursor (negative: back), shown at once."""
        self.replay_clock.jump(seconds)
        if self.replayer is not None:
            self.replayer.advance()

    def toggle(self) -> None:
        """Pause or play."""
        self.replay_clock.toggle()

    def badge(self) -> str | None:
        clock = self.replay_clock
        moment = datetime.fromtimestamp(clock.now(), zone(self.config.timezone))
        state = f"▶ x{clock.speed:g}" if clock.playing else "❚❚ paused"
        return f"REPLAY {moment:%Y-%m-%d %H:%M:%S} {state}"
