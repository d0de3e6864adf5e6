"""The header every screen shares: where we are, how it is going, and what needs a human now."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Static

from opstui.core import Core
from opstui.monitor import Snapshot
from opstui.status import Status

STATUS_CLASS = {
    Status.OK: "-ok",
    Status.WARNING: "-warning",
    Status.CRITICAL: "-critical",
    Status.UNKNOWN: "-unknown",
}
STATUS_ICON = {Status.OK: "●", Status.WARNING: "▲", Status.CRITICAL: "✖", Status.UNKNOWN: "?"}
"""A shape as well as a colour, so status reads without colour (NO_COLOR, colour blindness)."""


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


class ConsoleHeader(Widget):
    """One line of status and counts, plus a banner line and a state-error line when there is one."""

    def __init__(self, demo: bool = False) -> None:
        super().__init__(id="console-header")
        self.demo = demo

    def compose(self) -> ComposeResult:
        with Horizontal(id="header-line"):
            yield Static("?", id="hdr-status", classes="-unknown")
            if self.demo:
                yield Static("DEMO", id="hdr-demo")
            yield Static("", id="hdr-env")
            yield Static("", id="hdr-tplus")
            yield Static("", id="hdr-age")
            yield Static("", id="hdr-unacked")
            yield Static("", id="hdr-overdue")
            yield Static("", id="hdr-oncall")
        yield Static("", id="hdr-banner")
        yield Static("", id="hdr-state-error")

    def update_from(self, core: Core, snapshot: Snapshot | None = None) -> None:
        """Redraw from the core; only the Statics whose text changed repaint."""
        if not self.query("#hdr-status"):
            return  # not composed yet, or being torn down at exit: the next tick draws it
        snap = snapshot or core.monitor.snapshot()
        counts = core.header_counts()
        status = self.query_one("#hdr-status", Static)
        status.update(f"{STATUS_ICON[snap.status]} {snap.status.label}")
        for cls in STATUS_CLASS.values():
            status.set_class(cls == STATUS_CLASS[snap.status], cls)
        self._set("#hdr-env", snap.environment)
        self._set("#hdr-tplus", since_launch(snap.since_launch))
        self._set("#hdr-age", f"data {data_age(snap.data_age)}")
        unacked = self._set("#hdr-unacked", f"{counts.unacknowledged} unacked")
        unacked.set_class(counts.unacknowledged > 0, "-alert")
        overdue = self._set("#hdr-overdue", f"{counts.overdue_tasks} overdue")
        overdue.set_class(counts.overdue_tasks > 0, "-alert")
        self._set("#hdr-oncall", f"on-call {counts.on_call}" if counts.on_call else "")
        banner = self._set("#hdr-banner", f"⚠ {counts.banner}" if counts.banner else "")
        banner.display = bool(counts.banner)
        error = self._set("#hdr-state-error", f"⚠ {core.state_error}" if core.state_error else "")
        error.display = bool(core.state_error)

    def _set(self, selector: str, text: str) -> Static:
        widget = self.query_one(selector, Static)
        if str(widget.content) != text:
            widget.update(text)
        return widget
