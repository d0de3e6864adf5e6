"""The help screen (``?``): the active screen's HELP text and every binding that is live right now.

The key table is generated from ``App.active_bindings`` at the moment ``?`` is pressed, so it
lists the app's, the screen's and the focused widget's bindings and can never fall out of date.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown


def keys_markdown(bindings: list[tuple[str, str, str]]) -> str:
    """A Markdown table of ``(key, description, where)`` rows."""
    lines = ["| key | what it does | where |", "|---|---|---|"]
    for key, description, where in bindings:
        lines.append(f"| `{key}` | {description} | {where} |")
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    """A modal with the screen's help and its keys; any of escape, ``?`` or ``q`` closes it."""

    BINDINGS = [
        Binding("escape,question_mark,q", "dismiss", "Close help", id="help.close"),
    ]

    def __init__(self, help_text: str, bindings: list[tuple[str, str, str]]) -> None:
        super().__init__(id="help-screen")
        self.help_text = help_text
        self.bindings = bindings

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Markdown(f"{self.help_text}\n\n## Keys\n\n{keys_markdown(self.bindings)}", id="help-text")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
