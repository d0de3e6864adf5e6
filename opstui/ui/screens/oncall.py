"""The On-call screen: incidents, runbooks, recent deploys and critical errors (a stub until it is built)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from opstui.ui.screens.base import ConsoleScreen


class OnCallScreen(ConsoleScreen):
    """On-call: incidents, runbooks, recent deploys and critical errors."""

    TITLE_TEXT = "On-call"
    HELP = "## On-call\n\nThis screen is not built yet."

    def compose_body(self) -> ComposeResult:
        yield Static("On-call: not built yet", classes="placeholder")
