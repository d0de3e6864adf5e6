"""The console in replay (``opstui replay``): the same screens over a :class:`~opstui.replay.ReplayCore`, with
the keys that move its time cursor. Read-only: no key here changes anything but the cursor."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from opstui.replay import ReplayCore
from opstui.ui.app import OpstuiApp

STEP = 60.0
"""``left`` / ``right``: one minute."""
JUMP = 3600.0
"""``shift+left`` / ``shift+right``: one hour."""


class ReplayApp(OpstuiApp):
    """:class:`OpstuiApp` over a replay core, plus pause, step and jump keys."""

    # priority: a focused table has its own left / right; in a replay they move the cursor in time.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "space", "toggle_replay", "Play/pause", id="replay.pause", tooltip="Pause or play the replay", priority=True
        ),
        Binding("left", "step(-1)", "-1m", id="replay.back", tooltip="One minute back", priority=True),
        Binding("right", "step(1)", "+1m", id="replay.forward", tooltip="One minute on", priority=True),
        Binding(
            "shift+left", "jump(-1)", "-1h", id="replay.jump_back", show=False, tooltip="One hour back", priority=True
        ),
        Binding(
            "shift+right", "jump(1)", "+1h", id="replay.jump_forward", show=False, tooltip="One hour on", priority=True
        ),
    ]

    def __init__(self, core: ReplayCore, theme: str | None = None) -> None:
        super().__init__(core, theme=theme)
        self.replay = core

    def action_toggle_replay(self) -> None:
        self.replay.toggle()
        self.tick()

    def action_step(self, minutes: int) -> None:
        self.replay.move(minutes * STEP)
        self.tick()

    def action_jump(self, hours: int) -> None:
        self.replay.move(hours * JUMP)
        self.tick()
