"""The Engineering screen: KPI tiles, the health-check table, the latency chart, the event tail."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from opstui.ui.screens.base import ConsoleScreen


class EngineeringScreen(ConsoleScreen):
    """The default screen: is the service healthy, and if not, where does it hurt."""

    TITLE_TEXT = "Engineering"
    HELP = "## Engineering\n\nKPI tiles, health checks, latency and the event tail."

    def compose_body(self) -> ComposeResult:
        yield Static("Engineering", classes="placeholder")
