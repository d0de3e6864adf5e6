"""The console in replay (``opstui replay``): the same screens over a :class:`~opstui.replay.ReplayCore`.

The app's replay keys (space, left / right, shift with them) move its time cursor; every key that acts is
refused, as in a replay shown in the live console with ``P`` (see :class:`~opstui.ui.app.OpstuiApp`)."""

from __future__ import annotations

from opstui.replay import ReplayCore
from opstui.ui.app import OpstuiApp


class ReplayApp(OpstuiApp):
    """:class:`OpstuiApp` over a replay core, and nothing live underneath."""

    def __init__(self, core: ReplayCore, theme: str | None = None) -> None:
        super().__init__(core, theme=theme)
