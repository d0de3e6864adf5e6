"""The event tail: deploys, errors and sources going down or coming back, newest at the bottom.

Redrawn only when a new entry arrived (compared by the newest entry and the count), and only as
many lines as fit.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widgets import Static

from opstui.monitor import LogEntry
from opstui.ui.widgets.formatting import clock_time

LEVEL_STYLE = {
    "critical": ("✖", "$status-crit"),
    "error": ("✖", "$status-crit"),
    "warning": ("▲", "$status-warn"),
    "deploy": ("⇡", "$accent"),
    "info": ("●", "$status-ok"),
}


def entry_line(entry: LogEntry, zone: str) -> Content:
    """One line: time, level shape and word in its colour, source, message."""
    icon, style = LEVEL_STYLE.get(entry.level, ("·", "$text-muted"))
    return Content.assemble(
        (clock_time(entry.ts, zone), "$text-muted"),
        " ",
        (f"{icon} {entry.level:<8}", style),
        " ",
        (f"{entry.source:<12}", "bold"),
        " ",
        entry.message,
    )


class EventTail(Static):
    """The last events that fit the pane."""

    def __init__(self) -> None:
        super().__init__("no events yet", id="event-tail")
        self.border_title = "Events"
        self._key: object = None

    def show(self, events: Sequence[LogEntry], zone: str) -> None:
        lines = max(1, self.content_size.height or self.size.height or 10)
        key = (len(events), events[-1] if events else None, lines)
        if key == self._key:
            return
        self._key = key
        shown = list(events)[-lines:]
        if not shown:
            self.update("no events yet")
            return
        self.update(Content("\n").join(entry_line(entry, zone) for entry in shown))
