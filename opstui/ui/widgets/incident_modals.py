"""The small dialogs of incident handling: confirm, a line of text, a snooze, a milestone.

Each is a :class:`ModalScreen` that returns its answer through ``dismiss`` (None when cancelled
with ``escape``), so the On-call screen decides what to do with it and no dialog touches the core.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Label, OptionList
from textual.widgets.option_list import Option

from opstui.clock import zone
from opstui.config.durations import parse_duration
from opstui.incidents.manager import AlreadyHandled, IncidentManager
from opstui.incidents.model import Incident, Milestone
from opstui.ui.plain import plain

log = logging.getLogger(__name__)
T = TypeVar("T")

ONCALL_CSS = "../styles/oncall.tcss"
"""Relative to this module; every dialog and screen of the On-call flow loads the same stylesheet."""

MILESTONE_LABELS: dict[Milestone, str] = {
    Milestone.ROOT_CAUSE_IDENTIFIED: "Root cause identified",
    Milestone.FIX_DEPLOYED: "Fix deployed / Rollback initiated",
    Milestone.SERVICE_RESTORED: "Service restored",
    Milestone.STATUS_PAGE_UPDATED: "Status page updated",
}
"""The review template's wording, so the timeline and the review read the same."""


class ConfirmModal(ModalScreen[bool]):
    """Yes / no for an action that cannot be taken back (resolving an incident)."""

    CSS_PATH = ONCALL_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__(classes="incident-modal")
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(self.question), classes="dialog-title")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Yes (y)", id="yes", variant="error")
                yield Button("No (n)", id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class TextModal(ModalScreen[str | None]):
    """One line of text (a note, a resolution): ``enter`` submits, ``escape`` cancels, empty is refused."""

    CSS_PATH = ONCALL_CSS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="text.cancel")]

    def __init__(self, title: str, placeholder: str = "", allow_empty: bool = False) -> None:
        super().__init__(classes="incident-modal")
        self.title_text = title
        self.placeholder = placeholder
        self.allow_empty = allow_empty

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(self.title_text), classes="dialog-title")
            yield Input(placeholder=self.placeholder, max_length=2000, id="text")
            yield Label("enter: save   escape: cancel", classes="dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text and not self.allow_empty:
            self.notify("type something first (escape cancels)", severity="warning")
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class SnoozeModal(ModalScreen[tuple[float, str] | None]):
    """How long to silence a rule (``30m``, ``2h``) and why; the reason is kept with the silence."""

    CSS_PATH = ONCALL_CSS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="snooze.cancel")]

    def __init__(self, rule: str, default: str = "1h") -> None:
        super().__init__(classes="incident-modal")
        self.rule = rule
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(f"Snooze rule '{self.rule}'"), classes="dialog-title")
            yield Input(value=self.default, placeholder="duration: 30m, 2h, 1d", id="duration")
            yield Input(placeholder="reason (kept with the silence)", max_length=500, id="reason")
            yield Label("enter: snooze   escape: cancel", classes="dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "duration":
            self.query_one("#reason", Input).focus()
            return
        raw = self.query_one("#duration", Input).value.strip()
        try:
            seconds = parse_duration(raw)
        except ValueError as exc:
            self.notify(f"duration: {exc}", severity="error")
            self.query_one("#duration", Input).focus()
            return
        if seconds <= 0:
            self.notify("duration: must be more than zero", severity="error")
            return
        self.dismiss((seconds, self.query_one("#reason", Input).value.strip()))

    def action_cancel(self) -> None:
        self.dismiss(None)


class MilestoneModal(ModalScreen[tuple[Milestone, str] | None]):
    """Pick a step of the review timeline and, optionally, say something about it."""

    CSS_PATH = ONCALL_CSS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="milestone.cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Mark a milestone", classes="dialog-title")
            yield OptionList(
                *(Option(label, id=milestone.value) for milestone, label in MILESTONE_LABELS.items()),
                id="milestones",
            )
            yield Input(placeholder="note (optional): what was found or done", max_length=2000, id="note")
            yield Label("enter: mark   escape: cancel", classes="dialog-hint")

    def __init__(self) -> None:
        super().__init__(classes="incident-modal")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    def _choose(self) -> None:
        options = self.query_one(OptionList)
        index = options.highlighted if options.highlighted is not None else 0
        option_id = options.get_option_at_index(index).id
        assert option_id is not None
        self.dismiss((Milestone(option_id), self.query_one("#note", Input).value.strip()))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._choose()

    def action_cancel(self) -> None:
        self.dismiss(None)


# The dialog flows: ask, then store through the incident manager in a worker -------------------------


async def run_action(screen: Screen[Any], action: Awaitable[T], done: Callable[[T], str]) -> T | None:
    """Await a state change; notify what was done only once it is stored, or the one-line error."""
    try:
        result = await action
    except AlreadyHandled as lost:
        # Another console won the race: say who and when, in the console's time zone.
        tz = zone(screen.app.core.config.timezone)  # type: ignore[attr-defined]
        screen.notify(lost.describe(tz), title="not done", severity="error")
        return None
    except Exception as exc:  # noqa: BLE001 - any failure is shown, the console carries on
        log.warning("incident action failed: %s", exc)
        screen.notify(str(exc) or type(exc).__name__, title="not done", severity="error")
        return None
    screen.notify(done(result), timeout=4)
    return result


def ask_note(screen: Screen[Any], incident: Incident, after: Callable[[], object] | None = None) -> None:
    """The note dialog, then the note stored (and ``after`` run once it is)."""
    manager: IncidentManager | None = screen.app.core.incidents  # type: ignore[attr-defined]

    async def save(text: str) -> None:
        assert manager is not None
        stored = await run_action(
            screen, manager.add_note(incident.id, text), lambda e: f"note added to #{e.incident_id}"
        )
        if stored is not None and after is not None:
            after()

    def answered(text: str | None) -> None:
        if text and manager is not None:
            screen.run_worker(save(text), group="oncall-action", exit_on_error=False)

    screen.app.push_screen(TextModal(f"Note for #{incident.id} {incident.title}", "what you saw or did"), answered)


def ask_milestone(screen: Screen[Any], incident: Incident, after: Callable[[], object] | None = None) -> None:
    """The milestone dialog, then the milestone stored on the timeline."""
    manager: IncidentManager | None = screen.app.core.incidents  # type: ignore[attr-defined]

    async def save(kind: Milestone, text: str) -> None:
        assert manager is not None
        stored = await run_action(
            screen, manager.milestone(incident.id, kind, text), lambda e: f"#{e.incident_id}: {MILESTONE_LABELS[kind]}"
        )
        if stored is not None and after is not None:
            after()

    def answered(answer: tuple[Milestone, str] | None) -> None:
        if answer is not None and manager is not None:
            screen.run_worker(save(*answer), group="oncall-action", exit_on_error=False)

    screen.app.push_screen(MilestoneModal(), answered)
