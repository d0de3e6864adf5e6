"""The checklist's one dialog: a line of text (why a task is skipped, a note), returned via ``dismiss``."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from opstui.ui.plain import plain

CHECKLIST_CSS = "../styles/checklist.tcss"
"""Relative to this module (and to the screen's), so screen and dialog share one stylesheet."""


class ChecklistTextModal(ModalScreen[str | None]):
    """Asks for one line: ``enter`` answers, ``escape`` cancels (None); an empty answer is refused."""

    CSS_PATH = CHECKLIST_CSS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="checklist-text.cancel")]

    def __init__(self, title: str, placeholder: str = "") -> None:
        super().__init__(classes="checklist-modal")
        self.title_text = title
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(self.title_text), classes="dialog-title")
            yield Input(placeholder=self.placeholder, max_length=2000, id="answer")
            yield Label("enter: save   escape: cancel", classes="dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self.notify("type something first (escape cancels)", severity="warning")
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)
