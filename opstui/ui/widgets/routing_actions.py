"""Routing by hand: ``E`` pages the next escalation step now, ``U`` takes an acknowledgement back, ``R`` gives the
incident to a person (picked from the rotation and ``people:``, or typed when the config names nobody).

Each goes through the incident manager in a worker and says what was done only once it is stored; a console that
lost a race (another one escalated or reassigned first) is told so, and shows what the store holds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from opstui.config.routing import known_people
from opstui.incidents.manager import IncidentManager
from opstui.incidents.model import Incident
from opstui.ui.plain import plain
from opstui.ui.widgets.incident_modals import ONCALL_CSS, run_action


def _manager(screen: Screen[Any]) -> IncidentManager | None:
    manager: IncidentManager | None = screen.app.core.incidents  # type: ignore[attr-defined]
    if manager is None:
        screen.notify("the state store is not open", title="not done", severity="error")
    return manager


def escalate(screen: Screen[Any], incident: Incident, after: Callable[[Incident | None], object]) -> None:
    """Page the next step now; the step the screen showed is passed, so a stale screen pages nobody twice."""
    manager = _manager(screen)
    if manager is None:
        return

    async def run() -> None:
        stored = await run_action(
            screen,
            manager.escalate_now(incident.id, seen_level=incident.escalation_level),
            lambda i: f"#{i.id} escalated to {manager.chain(i).target(i.escalation_level)}",
        )
        after(stored)

    screen.run_worker(run(), group="incident-action", exit_on_error=False)


def unacknowledge(screen: Screen[Any], incident: Incident, after: Callable[[Incident | None], object]) -> None:
    """Take the acknowledgement back: triggered again, the first step paged."""
    manager = _manager(screen)
    if manager is None:
        return

    async def run() -> None:
        stored = await run_action(
            screen, manager.unacknowledge(incident.id), lambda i: f"#{i.id} unacknowledged: triggered again"
        )
        await screen.app.core.refresh_attention()  # type: ignore[attr-defined]  # the banner is back
        after(stored)

    screen.run_worker(run(), group="incident-action", exit_on_error=False)


class ReassignModal(ModalScreen[str | None]):
    """Who takes the incident: the rotation's and ``people:``'s names, or a typed name when there are none."""

    CSS_PATH = ONCALL_CSS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="reassign.cancel")]

    def __init__(self, incident: Incident, people: list[str]) -> None:
        super().__init__(classes="incident-modal")
        self.incident = incident
        self.people = people

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(f"Reassign #{self.incident.id} {self.incident.title} to"), classes="dialog-title")
            if self.people:
                yield OptionList(*(Option(name, id=name) for name in self.people), id="people")
            else:
                yield Input(placeholder="a person's name", max_length=80, id="person")
            yield Label("enter: reassign (they are paged now)   escape: cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        (self.query_one(OptionList) if self.people else self.query_one(Input)).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = event.value.strip()
        if name:
            self.dismiss(name)

    def action_cancel(self) -> None:
        self.dismiss(None)


def ask_reassign(screen: Screen[Any], incident: Incident, after: Callable[[Incident | None], object]) -> None:
    """The dialog, then the incident given to that person (paged through their methods) and ``after`` told."""
    manager = _manager(screen)
    if manager is None:
        return
    people = sorted(known_people(screen.app.core.config))  # type: ignore[attr-defined]

    async def give(person: str) -> None:
        stored = await run_action(
            screen,
            manager.reassign(incident.id, person, seen_revision=incident.revision),
            lambda i: f"#{i.id} reassigned to {i.assignee}",
        )
        await screen.app.core.refresh_attention()  # type: ignore[attr-defined]
        after(stored)

    def answered(person: str | None) -> None:
        if person is not None:
            screen.run_worker(give(person), group="incident-action", exit_on_error=False)

    screen.app.push_screen(ReassignModal(incident, people), answered)
