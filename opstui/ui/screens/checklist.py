"""The Checklist screen: the first-48-hours tasks and the daily / weekly / monthly ones (a stub until it is built)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from opstui.ui.screens.base import ConsoleScreen


class ChecklistScreen(ConsoleScreen):
    """Checklist: the first-48-hours tasks and the daily / weekly / monthly ones."""

    TITLE_TEXT = "Checklist"
    HELP = "## Checklist\n\nThis screen is not built yet."

    def compose_body(self) -> ComposeResult:
        yield Static("Checklist: not built yet", classes="placeholder")
