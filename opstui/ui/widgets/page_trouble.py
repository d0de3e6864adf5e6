"""The On-call screen's pages line: which pages could not be delivered, where, and why.

Shown only while there is trouble, under the incident count: the header says how many pages are failing,
this says which (the newest first, as many as fit) and points at ``opstui notifications`` for the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from textual.widgets import Static

from opstui.state.protocol import DeliveryState, Notification
from opstui.ui.plain import plain

SHOWN = 2
"""Pages listed by name; the layout stays readable at 80x24."""


def trouble_lines(items: Sequence[Notification], failing: int, tz: tzinfo | None = None) -> list[str]:
    """``⚠ 2 pages failing (opstui notifications lists them)`` then one line per page, or nothing."""
    if failing <= 0 and not items:
        return []
    count = max(failing, len(items))
    lines = [f"⚠ {count} page{'' if count == 1 else 's'} failing (opstui notifications lists them)"]
    for item in items[:SHOWN]:
        incident = f"#{item.incident_id}" if item.incident_id is not None else "-"
        event = str(item.payload.get("event") or "page")
        if item.state is DeliveryState.FAILED:
            when = "given up"
        elif item.next_attempt_at is not None:
            when = f"retry {datetime.fromtimestamp(item.next_attempt_at, tz):%H:%M:%S}"
        else:
            when = "retrying"
        attempts = f"{item.attempts} attempt{'' if item.attempts == 1 else 's'}"
        lines.append(f"  {incident} {event} → {item.channel}: {item.last_error or '?'} ({attempts}, {when})")
    return lines


class PageTrouble(Static):
    """The pages line; hidden while every page is delivered."""

    def show(self, items: Sequence[Notification], failing: int, tz: tzinfo | None = None) -> None:
        """Redraw from the core's reading of the outbox (only when the text changed)."""
        text = "\n".join(trouble_lines(items, failing, tz))
        if str(self.content) != text:
            self.update(plain(text, multiline=True))
        self.display = bool(text)
