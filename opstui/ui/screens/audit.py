"""The Audit screen (key ``5``): every action on the shared state, newest first: who, when, from which host, what.

It reads ``StateStore.audit(since)`` (the same read as ``opstui audit``) in an exclusive worker, so a slow
store never stalls the redraw, and only when ``core.state_version`` moved since the last read (an
acknowledgement from another console bumps it through the change feed), the window changed (``w``) or the
screen was shown again: the 1 Hz redraw otherwise costs nothing. At most the newest :data:`MAX_ROWS`
entries are kept, and the title says so when the window held more. ``/`` filters the kept rows in memory.

``s`` switches to the *service's* admin actions: the ``audit`` events of the event stream (who refunded an
order, who changed a price), as the monitor keeps them (the newest ``MAX_ADMIN_ACTIONS``, 1,000), newest
first, filtered by the same ``/``; ``s`` again goes back to the console's trail.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType

from opstui.monitor import MAX_ADMIN_ACTIONS
from opstui.sources.events import AuditEvent
from opstui.state.audit import AUDIT_LIMIT, AuditEntry
from opstui.ui.plain import plain_text
from opstui.ui.screens.filtered import CELL_PADDING, FilteredTableScreen, clip, when_text

MAX_ROWS = 2_000
"""Most entries the screen keeps (the newest): a busy week's trail cannot fill memory or slow the table."""

WINDOWS: tuple[tuple[str, float | None], ...] = (("1h", 3600.0), ("24h", 86_400.0), ("7d", 7 * 86_400.0), ("all", None))
"""What ``w`` cycles through: a label and how far back it reads (``None``: everything)."""
DEFAULT_WINDOW = 1
"""24h, as ``opstui audit`` defaults to."""

HELP = """\
## Audit

Every action on the shared state, newest first: **when** (in the config's time zone; the date when not
today), **who@host**, the **action** (`incident acknowledged`, `tick done`, `snooze` ...), what it was done
to, and its text. The same trail as `opstui audit`; other consoles' actions appear within a second.

- `w` the window: last hour, 24 hours, 7 days, or everything.
- `/` filter by who, action or subject (`escape` clears it).
- `s` the service's admin actions instead (the event stream's `audit` events: who refunded an order, who
  changed a price), newest first, the newest 1,000 kept; `/` filters them too; `s` again comes back.

At most the newest 2,000 actions are listed; the title says so when the window holds more.
"""


def entry_matches(item: AuditEntry, needle: str) -> bool:
    """The ``/`` filter: a case-insensitive substring of the actor, the action or the subject."""
    if not needle:
        return True
    needle = needle.casefold()
    return any(needle in part.casefold() for part in (item.actor, item.action, item.subject))


def column_widths(width: int) -> tuple[int, int, int, int, int]:
    """Time, who, action, subject and text widths for a screen ``width`` wide: the text gets what is left."""
    if width >= 120:
        who, action, subject = 24, 24, 22
    elif width >= 100:
        who, action, subject = 20, 22, 16
    else:
        who, action, subject = 14, 18, 12
    fixed = 11 + who + action + subject + 5 * CELL_PADDING + 2  # + a scrollbar
    return 11, who, action, subject, max(10, width - fixed)


class AuditScreen(FilteredTableScreen):
    """Audit: who did what, when, from which host, read from the state store."""

    TITLE_TEXT = "Audit"
    HELP = HELP
    CSS_PATH = ["../styles/filtered.tcss", "../styles/audit.tcss"]
    PREFIX = "audit"
    FILTER_PLACEHOLDER = "filter: who, action or subject"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "cycle_window", "Window", id="audit.window", tooltip="Last hour, 24 hours, 7 days or all"),
        Binding("s", "toggle_service", "Service", id="audit.service", tooltip="The service's admin actions"),
        Binding("slash", "filter", "Filter", id="audit.filter", tooltip="Filter by who, action or subject"),
        Binding(
            "escape", "clear_filter", "Clear filter", id="audit.clear_filter", show=False, tooltip="Clear the filter"
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.window = DEFAULT_WINDOW
        """Index into :data:`WINDOWS`."""
        self.entries: list[AuditEntry] = []
        """The kept entries, newest first (at most :data:`MAX_ROWS`)."""
        self.total = 0
        """How many the last read returned before the cut."""
        self.error: str | None = None
        self.service = False
        """Showing the service's admin actions (``s``) instead of the console's trail."""
        self._service_shown: tuple[int, AuditEvent | None] | None = None
        """How many actions and the newest one at the last service redraw (redraw only when it moved)."""
        self._read_version: int | None = None
        """The ``state_version`` and window of the last read started; None forces the next redraw to read."""
        self._read_window = -1
        self._width = 0

    @property
    def window_label(self) -> str:
        return WINDOWS[self.window][0]

    # Reading --------------------------------------------------------------------------------------

    def on_screen_resume(self) -> None:
        self._read_version = None  # shown again: read once, whatever moved while hidden
        super().on_screen_resume()

    def refresh_from_core(self) -> None:
        core = self.core
        if self.service:
            actions = core.monitor.admin_actions
            seen = (len(actions), actions[-1] if actions else None)
            if seen != self._service_shown or self.size.width != self._width:
                self._service_shown = seen
                self._show()
            return
        if core.state is None:
            reason = core.unavailable()
            self.set_title(f"Audit unavailable: {reason}")
            return
        if core.state_version != self._read_version or self.window != self._read_window:
            self._read_version, self._read_window = core.state_version, self.window
            self.reload()
        elif self.size.width != self._width:
            self._show()

    @work(exclusive=True, group="audit-load", exit_on_error=False)
    async def reload(self) -> None:
        """Read the window's entries (off the redraw path), keep the newest, show them."""
        state = self.core.state
        if state is None:
            return
        seconds = WINDOWS[self.window][1]
        since = 0.0 if seconds is None else self.core.clock.now() - seconds
        try:
            found = await state.audit(since)
        except Exception as exc:  # noqa: BLE001 - a slow or broken store is shown, the last rows stay
            self.error = str(exc) or type(exc).__name__
            self._read_version = None  # try again at the next redraw
        else:
            self.error = None
            self.total = len(found)
            self.entries = list(reversed(found[-MAX_ROWS:]))
        if self.live:
            self._show()

    def _service_entries(self) -> list[AuditEntry]:
        """The service's admin actions as entries, newest first."""
        return [
            AuditEntry(item.ts, item.actor, "", item.action, item.subject)
            for item in reversed(self.core.monitor.admin_actions)
        ]

    def _show(self) -> None:
        """Fill the table from the kept entries and the filter, and say what is shown in the title."""
        entries = self._service_entries() if self.service else self.entries
        rows = [item for item in entries if entry_matches(item, self.query_text)]
        self._width = self.size.width
        widths = column_widths(self._width)
        headings = ("When", "Who", "Action", "Subject", "Text")
        now = self.core.clock.now()
        tz = self.tz
        self.fill_table(
            [(label, width, label.lower()) for label, width in zip(headings, widths, strict=True)],
            (self._cells(item, now, tz, widths) for item in rows),
        )
        title = self._service_title(len(rows), len(entries)) if self.service else self._title(len(rows))
        self.set_title(title, error=self.error is not None)

    @staticmethod
    def _cells(item: AuditEntry, now: float, tz: tzinfo, widths: Sequence[int]) -> tuple[Text, ...]:
        """Plain text cells: who did what, and their text, as written (never markup, never a control)."""
        who = f"{item.actor}@{item.host}" if item.host else item.actor
        return (
            plain_text(when_text(item.at, now, tz)),
            plain_text(clip(who, widths[1])),
            plain_text(clip(item.action, widths[2])),
            plain_text(clip(item.subject, widths[3])),
            plain_text(clip(item.text, widths[4])),
        )

    def _service_title(self, shown: int, kept: int) -> str:
        parts = [
            f"Service admin actions · {shown} action{'s' if shown != 1 else ''} · newest {MAX_ADMIN_ACTIONS:,} kept"
        ]
        if self.query_text:
            parts.append(f"filter '{self.query_text}': {shown} of {kept}")
        parts.append("s: the console's trail")
        return " · ".join(parts)

    def _title(self, shown: int) -> str:
        window = "everything" if WINDOWS[self.window][1] is None else f"last {self.window_label}"
        parts = [f"Audit · {window} · {shown} action{'s' if shown != 1 else ''}"]
        if self.total > MAX_ROWS:
            more = "+" if self.total >= AUDIT_LIMIT else ""
            parts.append(f"newest {MAX_ROWS:,} of {self.total:,}{more}")
        if self.query_text:
            parts.append(f"filter '{self.query_text}': {shown} of {len(self.entries)}")
        if self.error:
            parts.append(f"not refreshed: {self.error}")
        return " · ".join(parts)

    # Keys -----------------------------------------------------------------------------------------

    def action_toggle_service(self) -> None:
        self.service = not self.service
        self._service_shown = None
        self._read_version = None
        self.notify("the service's admin actions" if self.service else "the console's audit trail", timeout=2)
        self.refresh_from_core()

    def action_cycle_window(self) -> None:
        self.window = (self.window + 1) % len(WINDOWS)
        self.notify(f"audit window: {self.window_label}", timeout=2)
        self.refresh_from_core()

    def filter_changed(self) -> None:
        self._show()
