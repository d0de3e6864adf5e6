"""The messages the UI layer posts to its screens.

The core knows no Textual; it tells its listeners about changes (see :mod:`opstui.core`). The app turns
that signal into a :class:`StateChanged` message for the screen in front, so each screen handles it in
its own handler, as Textual's own widgets do, instead of sharing a flag someone has to clear.
"""

from __future__ import annotations

from textual.message import Message


class StateChanged(Message, bubble=False):
    """The shared state moved (an acknowledgement, a note, a tick: this console's or another's).

    Posted by the app to the active screen when the core calls its change listener. The screen awaits
    its ``reload_shared_state()`` (see :class:`~opstui.ui.screens.base.ConsoleScreen`),
    so an acknowledgement from another console shows now rather than at the next refresh. A screen that
    is hidden gets none and reads on being shown again (it compares ``core.state_version`` to what it
    last read). Pending ones coalesce, so a burst of changes costs one reload; it does not bubble to the
    app.
    """

    def __init__(self, version: int) -> None:
        super().__init__()
        self.version = version
        """The core's ``state_version`` after the change."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StateChanged)
