"""Incidents by hand: ``c`` opens one (a problem users report that no rule sees), ``v`` changes a severity.

The dialogs only ask; the flows below store the answer through the incident manager in a worker and say what
was done once it is durable, as every On-call action does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from opstui.alerts.model import Severity
from opstui.incidents.manager import IncidentManager
from opstui.incidents.model import Incident
from opstui.ui.plain import plain
from opstui.ui.widgets.incident_modals import ONCALL_CSS, run_action

SEVERITY_LABELS = {
    Severity.P0: "P0: critical, respond within 15 minutes",
    Severity.P1: "P1: high, within 1 hour",
    Severity.P2: "P2: medium, within 4 hours",
    Severity.P3: "P3: low, within 24 hours",
}
"""The seeds' severities and response times, as the dialogs offer them."""


@dataclass(frozen=True, slots=True)
class NewIncident:
    title: str
    severity: Severity
    summary: str


class NewIncidentModal(ModalScreen[NewIncident | None]):
    """A title, a severity (P2 unless chosen) and, optionally, more about it."""

    CSS_PATH = ONCALL_CSS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="new_incident.cancel")]

    def __init__(self) -> None:
        super().__init__(classes="incident-modal")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Open an incident by hand", classes="dialog-title")
            yield Input(placeholder="title: what is wrong, in a line", max_length=200, id="title")
            yield OptionList(
                *(Option(label, id=severity.value) for severity, label in SEVERITY_LABELS.items()), id="severity"
            )
            yield Input(placeholder="summary (optional): who reported it, what they see", max_length=500, id="summary")
            yield Label("enter: next, then open   escape: cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#severity", OptionList).highlighted = 2  # P2 unless chosen
        self.query_one("#title", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "title":
            self.query_one("#severity", OptionList).focus()
            return
        self._answer()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.query_one("#summary", Input).focus()

    def _answer(self) -> None:
        title = self.query_one("#title", Input).value.strip()
        if not title:
            self.notify("title: say what is wrong", title="not done", severity="error")
            self.query_one("#title", Input).focus()
            return
        options = self.query_one("#severity", OptionList)
        index = options.highlighted if options.highlighted is not None else 2
        option_id = options.get_option_at_index(index).id
        assert option_id is not None
        self.dismiss(NewIncident(title, Severity(option_id), self.query_one("#summary", Input).value.strip()))

    def action_cancel(self) -> None:
        self.dismiss(None)


class SeverityModal(ModalScreen[Severity | None]):
    """P0 .. P3 for one incident, the current one highlighted."""

    CSS_PATH = ONCALL_CSS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="severity.cancel")]

    def __init__(self, incident: Incident) -> None:
        super().__init__(classes="incident-modal")
        self.incident = incident

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(f"Severity of #{self.incident.id} {self.incident.title}"), classes="dialog-title")
            yield OptionList(
                *(Option(label, id=severity.value) for severity, label in SEVERITY_LABELS.items()), id="severity"
            )
            yield Label("enter: change   escape: cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = list(Severity).index(self.incident.severity)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        assert event.option.id is not None
        self.dismiss(Severity(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)


def _manager(screen: Screen[Any]) -> IncidentManager | None:
    manager: IncidentManager | None = screen.app.core.incidents  # type: ignore[attr-defined]
    if manager is None:
        screen.notify("the state store is not open", title="not done", severity="error")
    return manager


def ask_new_incident(screen: Screen[Any], after: Callable[[Incident | None], object]) -> None:
    """The dialog, then the incident opened (paged like the others) and ``after`` told of it."""
    manager = _manager(screen)
    if manager is None:
        return

    async def open_it(answer: NewIncident) -> None:
        made = await run_action(
            screen,
            manager.open_manual(answer.title, answer.severity, summary=answer.summary),
            lambda i: f"#{i.id} {i.severity.value} {i.title} opened",
        )
        await screen.app.core.refresh_attention()  # type: ignore[attr-defined]
        after(made)

    def answered(answer: NewIncident | None) -> None:
        if answer is not None:
            screen.run_worker(open_it(answer), group="incident-action", exit_on_error=False)

    screen.app.push_screen(NewIncidentModal(), answered)


def ask_severity(screen: Screen[Any], incident: Incident, after: Callable[[Incident | None], object]) -> None:
    """The severity dialog, then the change stored (and notified) and ``after`` told of it."""
    manager = _manager(screen)
    if manager is None:
        return

    async def change(severity: Severity) -> None:
        changed = await run_action(
            screen,
            manager.change_severity(incident.id, severity),
            lambda i: f"#{i.id} is {i.severity.value} now",
        )
        await screen.app.core.refresh_attention()  # type: ignore[attr-defined]
        after(changed)

    def answered(severity: Severity | None) -> None:
        if severity is not None and severity is not incident.severity:
            screen.run_worker(change(severity), group="incident-action", exit_on_error=False)

    screen.app.push_screen(SeverityModal(incident), answered)
