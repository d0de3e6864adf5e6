"""The On-call screen's context under the incident list: recent deploys and the critical errors of
the last 15 minutes (the seeds' On-Call Dashboard), read from the monitor's bounded logs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from opstui.config.durations import format_duration
from opstui.metrics.errors import ErrorGroups
from opstui.ui.plain import plain_text

ERRORS_WINDOW = 15 * 60.0
"""The seeds' "Critical errors (last 15 min)"."""
SHOWN = 5
"""Lines per pane: the incident list keeps the room."""
ERROR_LEVELS = frozenset({"critical", "error"})


def recent_deploys(deploys: Iterable[tuple[float, str]], now: float, tz: tzinfo) -> Text:
    rows = sorted(deploys, reverse=True)[:SHOWN]
    if not rows:
        return Text("no deploys seen", style="dim")
    return Text("\n").join(
        Text(f"{datetime.fromtimestamp(at, tz):%H:%M}  {version}  {format_duration(max(0.0, now - at))} ago")
        for at, version in rows
    )


def critical_errors(errors: ErrorGroups, now: float, tz: tzinfo) -> Text:
    """The error groups seen in the last 15 minutes, seen last first: ``HH:MM:SS  ×N  source: latest text``,
    N counted over the 15 minutes (the same groups as the Engineering screen's event tail)."""
    rows = [g for g in errors.groups() if g.level in ERROR_LEVELS and now - g.last <= ERRORS_WINDOW]
    if not rows:
        return Text("none in the last 15 minutes", style="dim")
    lines = [
        plain_text(f"{datetime.fromtimestamp(g.last, tz):%H:%M:%S}  ×{g.recent(now):<4,} {g.source}: {g.latest}")
        for g in rows[:SHOWN]
    ]
    if len(rows) > SHOWN:
        lines.append(Text(f"... and {len(rows) - SHOWN} more kinds", style="dim"))
    return Text("\n").join(lines)


class IncidentFeed(Horizontal):
    """Two panes side by side: what was deployed lately, and what broke in the last 15 minutes."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's own name
        super().__init__(id=id)
        self._shown: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        deploys = Static(id="feed-deploys", classes="feed-pane")
        deploys.border_title = "Recent deploys"
        errors = Static(id="feed-errors", classes="feed-pane")
        errors.border_title = "Critical errors (15 min)"
        yield deploys
        yield errors

    def show(self, deploys: Iterable[tuple[float, str]], errors: ErrorGroups, now: float, tz: tzinfo) -> None:
        """Repaint a pane only when its text changed (at 1 Hz it usually has not)."""
        for pane_id, text in (
            ("#feed-deploys", recent_deploys(deploys, now, tz)),
            ("#feed-errors", critical_errors(errors, now, tz)),
        ):
            pane = self.query_one(pane_id, Static)
            if self._shown.get(pane_id) != text.plain:
                self._shown[pane_id] = text.plain
                pane.update(text)
