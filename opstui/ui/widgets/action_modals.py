"""Runbook actions on screen: ``!`` lists the incident's actions, asks as the config says, streams the output.

The flow (:func:`ask_action`): pick one of the actions that apply (:func:`opstui.actions.match.actions_for`);
a plain confirmation for ``confirm`` (the default), the action's name typed for ``dangerous``; then the output
pane opens and the run goes on in an app worker, so closing the pane (``escape``) never stops a rollback
half-way. The core checks the confirmation again (:class:`~opstui.actions.run.ActionRunner`), records the start
and the end on the timeline, and redacts and cleans every line before this pane sees it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Label, Log, OptionList
from textual.widgets.option_list import Option

from opstui.actions.match import actions_for
from opstui.actions.run import OUTPUT_LINES, ActionRefused, ActionRun, ActionRunner, describe
from opstui.config.actions import Action
from opstui.incidents.model import Incident
from opstui.ui.plain import plain
from opstui.ui.widgets.incident_modals import ONCALL_CSS, ConfirmModal


class ActionsModal(ModalScreen[Action | None]):
    """The actions that apply to one incident; ``enter`` picks one, ``escape`` cancels."""

    CSS_PATH = ONCALL_CSS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="actions.cancel")]

    def __init__(self, incident: Incident, actions: list[Action]) -> None:
        super().__init__(classes="incident-modal")
        self.incident = incident
        self.actions = actions

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(f"Actions for #{self.incident.id} {self.incident.title}"), classes="dialog-title")
            yield OptionList(*(self._option(i, action) for i, action in enumerate(self.actions)), id="actions")
            yield Label("enter: run (asks first)   escape: cancel", classes="dialog-hint")

    @staticmethod
    def _option(index: int, action: Action) -> Option:
        flag = "  [dangerous: type its name]" if action.dangerous else ""
        text = f"{action.name}{flag}\n  {action.description or describe(action)}"
        return Option(plain(text, multiline=True), id=str(index))

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.actions[int(event.option.id or 0)])

    def action_cancel(self) -> None:
        self.dismiss(None)


class TypeNameModal(ModalScreen[str | None]):
    """A dangerous action's confirmation: the operator types its name (a wrong name is refused by the core)."""

    CSS_PATH = ONCALL_CSS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="typename.cancel")]

    def __init__(self, action: Action, incident: Incident) -> None:
        super().__init__(classes="incident-modal")
        self.action = action
        self.incident = incident

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-danger"):
            yield Label(
                plain(f"Dangerous: run {self.action.name!r} on #{self.incident.id} {self.incident.title}?"),
                classes="dialog-title",
            )
            yield Label(plain(describe(self.action)), classes="dialog-command")
            yield Input(placeholder=f"type {self.action.name} to run it", max_length=200, id="typed")
            yield Label("enter: run   escape: cancel", classes="dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip() != self.action.name:
            self.notify(f"type {self.action.name} exactly to run it (escape cancels)", severity="warning")
            return
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ActionOutputModal(ModalScreen[None]):
    """The run's output as it arrives (the last lines kept, bounded), and how it ended."""

    CSS_PATH = ONCALL_CSS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close", id="output.close")]

    def __init__(self, action: Action, incident: Incident) -> None:
        super().__init__(classes="incident-modal")
        self.action = action
        self.incident = incident
        self.run: ActionRun | None = None
        """Set when the run has ended (tests and the status line read it)."""
        self._pending: list[str] = []
        self._ended = False
        self._problem: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="output-dialog"):
            yield Label(
                plain(f"{self.action.name} on #{self.incident.id}: {describe(self.action)}"), classes="dialog-title"
            )
            yield Log(max_lines=OUTPUT_LINES, highlight=False, id="action-output")
            yield Label("running…", id="action-status")
            yield Label("escape: close (a running action goes on; its end is on the timeline)", classes="dialog-hint")

    def on_mount(self) -> None:
        log = self.query_one(Log)
        for line in self._pending:
            log.write_line(line)
        self._pending.clear()
        if self._ended:  # a quick action can end before its pane is on screen
            self._show_end()

    def append(self, line: str) -> None:
        """One output line (already redacted and cleaned by the core)."""
        if not self.is_mounted:
            self._pending.append(line)
            return
        self.query_one(Log).write_line(line)

    def finish(self, run: ActionRun | None, problem: str | None = None) -> None:
        self.run = run
        self._problem = problem
        self._ended = True
        if self.is_mounted:
            self._show_end()

    def _show_end(self) -> None:
        run = self.run
        text = self._problem if run is None else f"{run.outcome}" + (" (ok)" if run.ok else "")
        status = self.query_one("#action-status", Label)
        status.update(plain(text or ""))
        status.set_class(run is None or not run.ok, "failed")

    def action_close(self) -> None:
        self.dismiss(None)


def ask_action(screen: Screen[Any], incident: Incident, after: Callable[[], object] | None = None) -> None:
    """``!``: pick an action of this incident, confirm it as its config says, run it with its output shown."""
    core = screen.app.core  # type: ignore[attr-defined]
    manager = core.incidents
    if manager is None:
        screen.notify("the state store is not open", title="not run", severity="error")
        return
    actions = actions_for(core.config.actions, incident)
    if not actions:
        screen.notify(
            f"no actions for #{incident.id} (add them under 'actions:' in the config)", title="actions", timeout=6
        )
        return
    runner = ActionRunner(manager, core.clock)

    def start(action: Action, confirmation: bool | str | None) -> None:
        pane = ActionOutputModal(action, incident)

        async def run() -> None:
            try:
                result = await runner.run(action, incident.id, confirmation, on_line=pane.append)
            except ActionRefused as refused:
                pane.finish(None, str(refused))
                screen.notify(str(refused), title="not run", severity="error")
                return
            except Exception as exc:  # noqa: BLE001 - the store failed: shown, the console carries on
                pane.finish(None, f"failed: {exc}")
                screen.notify(f"{action.name}: {exc}", title="action failed", severity="error")
                return
            pane.finish(result)
            screen.notify(
                f"{action.name} on #{incident.id}: {result.outcome}",
                severity="information" if result.ok else "error",
                timeout=8,
            )
            if after is not None:
                after()

        screen.app.push_screen(pane)
        # An app worker, not the screen's: closing the pane or leaving the screen does not stop a rollback.
        screen.app.run_worker(run(), group="runbook-action", exit_on_error=False)

    def confirmed(action: Action) -> Callable[[Any], None]:
        def answered(answer: bool | str | None) -> None:
            if answer is None or answer is False:
                return
            start(action, answer)

        return answered

    def chosen(action: Action | None) -> None:
        if action is None:
            return
        if action.dangerous:
            screen.app.push_screen(TypeNameModal(action, incident), confirmed(action))
        elif action.confirm:
            question = f"Run {action.name!r} on #{incident.id} {incident.title}?\n\n{describe(action)}"
            screen.app.push_screen(ConfirmModal(question), confirmed(action))
        else:
            start(action, None)

    screen.app.push_screen(ActionsModal(incident, actions), chosen)
