"""The Executive screen: revenue, orders, conversion and the business KPIs (a stub until it is built)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from opstui.ui.screens.base import ConsoleScreen


class ExecutiveScreen(ConsoleScreen):
    """Executive: revenue, orders, conversion and the business KPIs."""

    TITLE_TEXT = "Executive"
    HELP = "## Executive\n\nThis screen is not built yet."

    def compose_body(self) -> ComposeResult:
        yield Static("Executive: not built yet", classes="placeholder")
