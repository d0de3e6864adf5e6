"""The event tail: deploys, errors and sources going down or coming back, newest first by time.

Entries arrive in the order the sources deliver them, which is not time order (a deploy webhook
lands seconds after the error lines it caused), so the tail sorts by timestamp: the newest line is
always the top one, the way an on-call engineer reads it. Redrawn only when a new entry arrived
(compared by the newest entry and the count), and only as many lines as fit.
"""

from __future__ import annotations

import heapq
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


def newest_first(events: Sequence[LogEntry], limit: int) -> list[LogEntry]:
    """The ``limit`` newest entries by timestamp, newest first; equal times keep the later arrival first."""
    indexes = heapq.nlargest(limit, range(len(events)), key=lambda i: (events[i].ts, i))
    return [events[i] for i in indexes]


class EventTail(Static):
    """The newest events that fit the pane, newest at the top."""

    TITLE = "Events · newest first"

    def __init__(self) -> None:
        super().__init__("no events yet", id="event-tail")
        self.border_title = self.TITLE
        self._key: object = None

    def show(self, events: Sequence[LogEntry], zone: str) -> None:
        lines = max(1, self.content_size.height or self.size.height or 10)
        key = (len(events), events[-1] if events else None, lines)
        if key == self._key:
            return
        self._key = key
        shown = newest_first(events, lines)
        if not shown:
            self.update("no events yet")
            return
        self.update(Content("\n").join(entry_line(entry, zone) for entry in shown))
