"""The header every screen shares: where we are, how it is going, and what needs a human now."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Static

from opstui.core import Core
from opstui.monitor import Snapshot
from opstui.status import Status
from opstui.ui.plain import plain
from opstui.ui.widgets.formatting import clock_time

STATUS_CLASS = {
    Status.OK: "-ok",
    Status.WARNING: "-warning",
    Status.CRITICAL: "-critical",
    Status.UNKNOWN: "-unknown",
}
STATUS_ICON = {Status.OK: "●", Status.WARNING: "▲", Status.CRITICAL: "✖", Status.UNKNOWN: "?"}
"""A shape as well as a colour, so status reads without colour (NO_COLOR, colour blindness)."""


WIDE_ONCALL = 100
"""Below this many columns the header names who is on call in its short form (``ana/ben →Mon``)."""

FIELD_PADDING = 2
"""A header field's left + right padding (header.tcss), counted when the line is fitted to the width."""


def since_launch(seconds: float) -> str:
    """``T+hh:mm`` (hours grow past 99), or ``T-hh:mm`` before the launch."""
    sign = "+" if seconds >= 0 else "-"
    minutes = int(abs(seconds) // 60)
    return f"T{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def data_age(seconds: float | None) -> str:
    """How old the newest data is, short: ``2s``, ``3m``, ``1h``; ``no data`` before the first."""
    if seconds is None:
        return "no data"
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds // 60:.0f}m"
    return f"{seconds // 3600:.0f}h"


def pages_failing(count: int) -> str:
    """``1 page failing``, ``2 pages failing``: pages the outbox could not deliver (shown only when > 0)."""
    return f"{count} page{'' if count == 1 else 's'} failing"


def mute_text(until: float, zone: str) -> str:
    """``bell muted to 15:13``: the mute key's effect and when it ends, in the config's zone."""
    return f"bell muted to {clock_time(until, zone)[:5]}"


class ConsoleHeader(Widget):
    """One line of status and counts, plus a banner line and a state-error line when there is one."""

    FIELDS = (
        "hdr-mute",
        "hdr-env",
        "hdr-tplus",
        "hdr-age",
        "hdr-unacked",
        "hdr-overdue",
        "hdr-pages",
        "hdr-oncall",
    )
    """The one-line fields after the status (and the DEMO badge), left to right."""
    GIVE_UP = ("hdr-tplus", "hdr-age", "quiet:hdr-overdue", "quiet:hdr-unacked", "hdr-env", "short:hdr-oncall")
    """What a line too wide for the screen gives up, least important first: the time since launch, the data's
    age (a stale source already makes the status worse), the counts while they are zero, the environment's
    name, then the long form of who is on call. The status (the worst state), the badges, a muted bell, failing
    pages, counts above zero and who is on call are never given up: the line then ends where the screen does."""

    def __init__(self, demo: bool = False, speed: float = 1.0, read_only: bool = False) -> None:
        super().__init__(id="console-header")
        self.demo = demo
        self.speed = speed
        self.read_only = read_only
        """A console that only looks (``--read-only``) says so, and its banner names no key to press."""
        """A clock faster than real time (``--demo --speed 10``) is said in the badge: ``DEMO x10``."""
        # References kept from compose, so a redraw never queries the DOM: a tick that lands while the
        # screen is mounting or being torn down updates detached Statics instead of raising NoMatches.
        self._status = Static("?", id="hdr-status", classes="-unknown")
        self._fields = {name: Static("", id=name) for name in self.FIELDS}
        self._banner = Static("", id="hdr-banner")
        self._nag = Static("", id="hdr-update-nag")
        self._state_error = Static("", id="hdr-state-error")
        self._badge = Static("", id="hdr-badge")
        """A replay's cursor (``REPLAY 2026-11-30 02:00:00 ▶ x10``); hidden on a live console."""
        self._badge.display = False
        self._demo = Static("DEMO" if speed == 1 else f"DEMO x{speed:g}", id="hdr-demo")
        self._read_only = Static("READ-ONLY", id="hdr-read-only")
        self._why = ""
        """What the status tooltip says: the terms that made the status what it is."""
        self._wanted: dict[str, bool] = {}
        """Which fields have something to say (before fitting the line to the width)."""
        self._quiet: set[str] = set()
        """The count fields at zero: given up before the others."""
        self._on_call: tuple[str, str] = ("", "")
        """Who is on call, long and short: below :data:`WIDE_ONCALL` columns, or when the line is too wide, the
        short one."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="header-line"):
            yield self._status
            if self.demo:
                yield self._demo
            if self.read_only:
                yield self._read_only
            yield self._badge
            yield from self._fields.values()
        yield self._banner
        yield self._nag
        yield self._state_error

    def update_from(self, core: Core, snapshot: Snapshot | None = None) -> None:
        """Redraw from the core; only the Statics whose text changed repaint."""
        if not self.is_attached:
            return  # torn down at exit, or not mounted yet: the next tick draws it
        snap = snapshot or core.monitor.snapshot()
        counts = core.header_counts()
        overall = core.overall_status(snap)
        status = self._status
        text = f"{STATUS_ICON[overall.status]} {overall.status.label}"
        if str(status.content) != text:
            status.update(text)
        why = "; ".join(overall.causes) or "nothing is wrong"
        if why != self._why:  # compared here: setting a tooltip re-renders it even when unchanged
            self._why = status.tooltip = why
        for cls in STATUS_CLASS.values():
            status.set_class(cls == STATUS_CLASS[overall.status], cls)
        narrow_replay = self.size.width < WIDE_ONCALL and core.badge() is not None
        badge_text = core.badge(short=narrow_replay) or ""
        self._set(self._badge, badge_text).display = bool(badge_text)
        self._set(self._fields["hdr-env"], snap.environment)
        # A narrow replay gives T+ and the data age's room to its cursor, so the counts stay in sight.
        self._set(self._fields["hdr-tplus"], since_launch(snap.since_launch)).display = not narrow_replay
        self._set(self._fields["hdr-age"], f"data {data_age(snap.data_age)}").display = not narrow_replay
        unacked = self._set(self._fields["hdr-unacked"], f"{counts.unacknowledged} unacked")
        unacked.set_class(counts.unacknowledged > 0, "-alert")
        # Never calm while muted: a muted bell is said first (kept at 80 columns), with when the mute ends.
        muted = core.bell.muted(core.clock.now())
        until = core.bell.muted_until
        self._set(self._fields["hdr-mute"], mute_text(until, core.config.timezone) if until else "")
        overdue = self._set(self._fields["hdr-overdue"], f"{counts.overdue_tasks} overdue")
        overdue.set_class(counts.overdue_tasks > 0, "-alert")
        failing = core.notifications_failing
        self._set(self._fields["hdr-pages"], pages_failing(failing))
        # Primary/secondary and the shift's end; a narrow screen gets the short form, so 80 columns keep it whole.
        long_form = f"on-call {counts.on_call}" if counts.on_call else ""
        short_form = counts.on_call_short or long_form
        self._on_call = (long_form, short_form)
        self._wanted = {name: True for name in self.FIELDS} | {"hdr-mute": muted, "hdr-pages": failing > 0}
        self._quiet = {
            name
            for name, count in (("hdr-unacked", counts.unacknowledged), ("hdr-overdue", counts.overdue_tasks))
            if not count
        }
        self._fit()
        # The banner names the key that acknowledges it (rebindable with ui.keys), first so 80 columns keep it.
        key = core.config.ui.keys.get("app.acknowledge_banner", "A").split(",")[0].strip()
        looking = self.read_only or core.read_only
        hint = "" if looking else f"({key} to ack) "
        banner = self._set(self._banner, f"⚠ {hint}{counts.banner}" if counts.banner else "")
        banner.display = bool(counts.banner)
        # A P0/P1 the public has heard nothing about for status_page.update_every: `u` on On-call posts one.
        nag_hint = "" if looking else "(u on On-call) "
        nag = self._set(self._nag, f"⚠ {nag_hint}{core.update_nag}" if core.update_nag else "")
        nag.display = bool(core.update_nag)
        error = self._set(self._state_error, f"⚠ {core.state_error}" if core.state_error else "")
        error.display = bool(core.state_error)

    def on_resize(self) -> None:
        if self._wanted:
            self._fit()

    def _fit(self) -> None:
        """Show the fields that have something to say, giving up what :data:`GIVE_UP` lists, in its order, while
        the line is wider than the header."""
        width = self.size.width
        long_form, short_form = self._on_call
        on_call = self._set(self._fields["hdr-oncall"], short_form if width < WIDE_ONCALL else long_form)
        shown = dict(self._wanted)

        badges = [self._status, *([self._demo] if self.demo else []), *([self._read_only] if self.read_only else [])]
        if self._badge.display:
            badges.append(self._badge)

        def used() -> int:
            fields = [self._fields[name] for name, on in shown.items() if on]
            return sum(cell_len(str(w.content)) + FIELD_PADDING for w in (*badges, *fields))

        for step in self.GIVE_UP:
            if not width or used() <= width:
                break
            how, _, name = step.rpartition(":")
            if how == "short":
                self._set(on_call, short_form)
            elif how != "quiet" or name in self._quiet:
                shown[name] = False
        for name, on in shown.items():
            self._fields[name].display = on

    @staticmethod
    def _set(widget: Static, text: str) -> Static:
        """Show ``text`` (an environment name, a banner: text from outside) as written, never as markup."""
        shown = plain(text)
        if str(widget.content) != shown.plain:
            widget.update(shown)
        return widget
