"""``o`` on the Executive screen: override a status page component's status, with a reason, optionally for a while.

The dialog only asks (component, status or "clear", why, for how long); :func:`ask_override` stores the answer
through :mod:`opstui.statuspage.overrides` in a worker and says what was done once it is durable.
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

from opstui.config.durations import parse_duration
from opstui.statuspage.derive import ComponentState
from opstui.statuspage.model import ComponentStatus
from opstui.statuspage.overrides import CLEAR, clear_override, set_override
from opstui.ui.plain import plain
from opstui.ui.widgets.incident_modals import ONCALL_CSS, run_action


@dataclass(frozen=True, slots=True)
class OverrideAnswer:
    component: str
    status: str
    """A ComponentStatus value, or :data:`CLEAR`."""
    reason: str
    duration: float | None


class OverrideModal(ModalScreen[OverrideAnswer | None]):
    """Which component, which status (or back to the derived one), why (required), for how long (optional)."""

    CSS_PATH = ONCALL_CSS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="override.cancel")]

    def __init__(self, states: list[ComponentState]) -> None:
        super().__init__(classes="incident-modal")
        self.states = states

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Override a status page component", classes="dialog-title")
            yield OptionList(
                *(
                    Option(plain(f"{s.name}: {s.status.value}" + (" (overridden)" if s.override else "")), id=s.name)
                    for s in self.states
                ),
                id="component",
            )
            yield OptionList(
                *(Option(status.value, id=status.value) for status in ComponentStatus),
                Option("clear the override (back to the derived status)", id=CLEAR),
                id="status",
            )
            yield Input(placeholder="why (required): what you know that the checks do not", max_length=300, id="reason")
            yield Input(placeholder="for how long (optional, e.g. 2h; empty: until cleared)", id="duration")
            yield Label("enter: next, then set   escape: cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#component", OptionList).highlighted = 0
        self.query_one("#status", OptionList).highlighted = 0
        self.query_one("#component", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_list.id == "component":
            self.query_one("#status", OptionList).focus()
        elif event.option.id == CLEAR:
            self._answer()  # clearing needs no reason
        else:
            self.query_one("#reason", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "reason":
            self.query_one("#duration", Input).focus()
            return
        self._answer()

    def _chosen(self, list_id: str) -> str:
        options = self.query_one(f"#{list_id}", OptionList)
        option_id = options.get_option_at_index(options.highlighted or 0).id
        assert option_id is not None
        return option_id

    def _answer(self) -> None:
        status = self._chosen("status")
        reason = self.query_one("#reason", Input).value.strip()
        if status != CLEAR and not reason:
            self.notify("why: the reason is required", title="not done", severity="error")
            self.query_one("#reason", Input).focus()
            return
        text = self.query_one("#duration", Input).value.strip()
        try:
            duration = parse_duration(text) if text else None
        except ValueError as exc:
            self.notify(str(exc), title="not done", severity="error")
            self.query_one("#duration", Input).focus()
            return
        if duration == 0:
            duration = None
        self.dismiss(OverrideAnswer(self._chosen("component"), status, reason, duration))

    def action_cancel(self) -> None:
        self.dismiss(None)


def ask_override(screen: Screen[Any], after: Callable[[], object] | None = None) -> None:
    """The dialog, then the override set (or cleared) in the state store and the components redrawn."""
    core = screen.app.core  # type: ignore[attr-defined]
    if core.state is None:
        screen.notify("the state store is not open", title="not done", severity="error")
        return
    components = core.config.status_page.components

    async def store(answer: OverrideAnswer) -> None:
        now = core.clock.now()
        if answer.status == CLEAR:
            work = clear_override(core.state, components, answer.component, by=core.operator, now=now)
            cleared = await run_action(
                screen, work, lambda name: f"{name}: override cleared, back to the derived status"
            )
            stored = cleared is not None
        else:
            until = None if answer.duration is None else now + answer.duration
            host = core.incidents.host if core.incidents is not None else ""
            setting = set_override(
                core.state,
                components,
                answer.component,
                ComponentStatus(answer.status),
                answer.reason,
                by=core.operator,
                host=host,
                now=now,
                until=until,
            )
            made = await run_action(screen, setting, lambda o: f"{o.component}: {o.status} (override: {o.reason})")
            stored = made is not None
        if stored:
            await core.refresh_component_overrides()
            if after is not None:
                after()

    def answered(answer: OverrideAnswer | None) -> None:
        if answer is not None:
            screen.run_worker(store(answer), group="override", exit_on_error=False)

    screen.app.push_screen(OverrideModal(core.component_states()), answered)
