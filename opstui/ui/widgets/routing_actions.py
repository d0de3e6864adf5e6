"""Routing by hand: ``E`` pages the next escalation step now, ``U`` takes an acknowledgement back, ``R`` gives the
incident to a person (picked from the rotation and ``people:``, or typed when the config names nobody), ``O``
stores an on-call override ("ana covers ben from 18:00 to 22:00") for the whole team.

Each goes through the incident manager in a worker and says what was done only once it is stored; a console that
lost a race (another one escalated or reassigned first) is told so, and shows what the store holds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from opstui.clock import zone
from opstui.config.routing import known_people
from opstui.incidents.manager import IncidentManager
from opstui.incidents.model import Incident
from opstui.incidents.moments import parse_span
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


class OverrideModal(ModalScreen[tuple[str, str, str, str] | None]):
    """Who covers whom, from and to when ("ana covers ben from 18:00 to 22:00"); stored for the whole team."""

    CSS_PATH = ONCALL_CSS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="override.cancel")]
    FIELDS = ("who", "covers", "start", "end")

    def __init__(self, covers: str = "") -> None:
        super().__init__(classes="incident-modal")
        self.covers = covers

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Override: someone covers someone on call", classes="dialog-title")
            yield Input(placeholder="who covers (a name)", max_length=80, id="who")
            yield Input(value=self.covers, placeholder="for whom (a name)", max_length=80, id="covers")
            yield Input(value="now", placeholder="from: now, +1h, 18:00, 2026-12-24 18:00", id="start")
            yield Input(value="+4h", placeholder="to: 22:00, +4h, 2026-12-24 22:00", id="end")
            yield Label("enter: next field, then store it   escape: cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#who", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        field = event.input.id or ""
        if field in self.FIELDS[:-1]:
            self.query_one(f"#{self.FIELDS[self.FIELDS.index(field) + 1]}", Input).focus()
            return
        who, covers, start, end = (self.query_one(f"#{name}", Input).value.strip() for name in self.FIELDS)
        self.dismiss((who, covers, start, end))

    def action_cancel(self) -> None:
        self.dismiss(None)


def ask_override(screen: Screen[Any]) -> None:
    """The dialog (``for`` starts as the primary now), then the override stored and the header told."""
    manager = _manager(screen)
    if manager is None:
        return
    core = screen.app.core  # type: ignore[attr-defined]
    on_call = core.rotation_now
    known = known_people(core.config)

    async def store(answer: tuple[str, str, str, str]) -> None:
        who, covers, start, end = answer
        unknown = [name for name in (who, covers) if known and name not in known]
        if unknown:
            screen.notify(
                f"{unknown[0]!r} is not a person of the rotation or people", title="not done", severity="error"
            )
            return
        tz = zone(core.config.timezone)
        try:
            begins, ends = parse_span(start or "now", end, core.clock.now(), tz)
        except ValueError as exc:
            screen.notify(f"override not made: {exc}", title="not done", severity="error")
            return
        until = datetime.fromtimestamp(ends, tz).strftime("%a %H:%M")
        made = await run_action(
            screen,
            manager.add_override(who, covers, begins, ends),
            lambda o: f"override #{o.id}: {o.who} covers {o.covers} until {until}",
        )
        if made is not None:
            await core.refresh_overrides()

    def answered(answer: tuple[str, str, str, str] | None) -> None:
        if answer is not None:
            screen.run_worker(store(answer), group="incident-action", exit_on_error=False)

    screen.app.push_screen(OverrideModal(on_call.primary if on_call is not None else ""), answered)
