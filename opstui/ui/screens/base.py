"""The base every console screen shares: header on top, footer at the bottom, a body in between.

A screen reads the core in :meth:`ConsoleScreen.refresh_from_core`, which the app calls on the
active screen only, at ``ui.refresh`` (1 Hz by default) and once right after the screen is shown.
It must stay synchronous and cheap (update what changed, skip what is hidden); a screen that needs
the async state store starts its own ``self.run_worker(..., exclusive=True, exit_on_error=False)``
from there, so a slow database never stalls the redraw. When the shared state changes, the active
screen also gets a :class:`~opstui.ui.messages.StateChanged` message and its
:meth:`ConsoleScreen.reload_shared_state` runs, so an acknowledgement from another console shows
without waiting for the next tick.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.screen import Screen

from opstui.ui.messages import StateChanged
from opstui.ui.widgets.footer import StableFooter
from opstui.ui.widgets.header import ConsoleHeader

if TYPE_CHECKING:
    from opstui.core import Core
    from opstui.monitor import Snapshot


class ConsoleScreen(Screen[None]):
    """Header + ``compose_body()`` + Footer, with ``self.core`` and a 1 Hz ``refresh_from_core``."""

    HELP: ClassVar[str] = ""
    """Markdown shown at the top of the help screen (``?``) when this screen is active."""
    TITLE_TEXT: ClassVar[str] = ""
    """The screen's name as the help screen and the command palette show it."""

    @property
    def core(self) -> Core:
        """The app's core (the one object every screen reads and commands)."""
        return self.app.core  # type: ignore[attr-defined, no-any-return]

    @property
    def demo(self) -> bool:
        return bool(getattr(self.app, "demo", False))

    _header: ConsoleHeader | None = None
    """Kept from compose so a redraw never queries for it (a tick can land mid-mount or mid-teardown)."""

    def compose(self) -> ComposeResult:
        self._header = ConsoleHeader(
            demo=self.demo,
            speed=float(getattr(self.app, "speed", 1.0)),
            read_only=bool(getattr(self.app, "read_only", False)),
        )
        yield self._header
        yield from self.compose_body()
        # The palette hint would push `q Quit` off an 80-column footer; ctrl+p is listed in `?` instead.
        yield StableFooter(show_command_palette=False, compact=True)

    def compose_body(self) -> ComposeResult:
        """The screen's own widgets, between the header and the footer; subclasses override this."""
        yield from ()

    def refresh_header(self, snapshot: Snapshot | None = None) -> None:
        """Redraw the shared header from the core."""
        if self._header is not None:
            self._header.update_from(self.core, snapshot)

    def refresh_from_core(self) -> None:
        """Read the core and update the body; sync and cheap (called every ``ui.refresh``)."""

    _ready: bool = False
    """Set after the first repaint, when every nested widget is mounted; before that nothing draws."""

    @property
    def live(self) -> bool:
        """Attached, and the app is not quitting: only then may a redraw query this screen's widgets."""
        return self.is_attached and bool(getattr(self.app, "live", True))

    _snapshot: Snapshot | None = None

    def snapshot(self) -> Snapshot:
        """The monitor's snapshot of this draw: taken once, read by the header and the body alike."""
        return self._snapshot if self._snapshot is not None else self.core.monitor.snapshot()

    def draw(self) -> None:
        """Header and body from the core: what the app's refresh timer calls on the active screen."""
        if self._ready and self.live:
            self._snapshot = self.core.monitor.snapshot()
            try:
                self.refresh_header(self._snapshot)
                self.refresh_from_core()
            finally:
                self._snapshot = None

    def on_mount(self) -> None:
        self.call_after_refresh(self._first_draw)

    def _first_draw(self) -> None:
        self._ready = True
        self.draw()

    async def on_state_changed(self, message: StateChanged) -> None:
        """The shared state moved: the body reads again now (the header follows at the next redraw)."""
        if self._ready and self.live:
            await self.reload_shared_state()

    async def reload_shared_state(self) -> None:
        """Read again what this screen shows from the state store; the default waits for the next redraw.

        Awaited in the message handler rather than started as an exclusive worker, so a change never
        cancels a read in flight; the screen's own reads decide which result is newest.
        """

    def on_screen_resume(self) -> None:
        # Shown again after a mode switch: draw now rather than up to a second later.
        self.call_after_refresh(self.draw)
