"""``u`` on an incident: a public status update, pre-filled from the seed's template and the incident.

The dialog offers the template's four statuses (the incident's last one, or Investigating first), the affected
components (those whose rules name the incident, editable; only the status page's components are accepted),
the title (``[Service Name] - [Issue Summary]``) and the message (the template with the issue and the start
filled in, or the last update's message to edit). ``ctrl+s`` posts it; the update is on the timeline (and so in
the review, the audit and every console of the team) before the notice says it is posted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Label, RadioButton, RadioSet, TextArea

from opstui.clock import zone
from opstui.incidents.model import Incident
from opstui.statuspage.model import (
    UpdateStatus,
    affected_components,
    default_title,
    next_status,
    template,
    updates_of,
)
from opstui.statuspage.post import post_update
from opstui.ui.plain import plain
from opstui.ui.widgets.incident_modals import ONCALL_CSS, run_action


@dataclass(frozen=True, slots=True)
class UpdateDraft:
    """What the dialog returns: the update to post."""

    status: UpdateStatus
    components: tuple[str, ...]
    title: str
    message: str


class UpdateModal(ModalScreen[UpdateDraft | None]):
    """The update form; ``ctrl+s`` posts, ``escape`` cancels."""

    CSS_PATH = ONCALL_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "post", "Post", id="update.post", priority=True),
        Binding("escape", "cancel", "Cancel", id="update.cancel"),
    ]

    def __init__(
        self,
        incident: Incident,
        status: UpdateStatus,
        components: list[str],
        title: str,
        message: str,
        known: list[str],
    ) -> None:
        super().__init__(classes="incident-modal")
        self.incident = incident
        self.status = status
        self.components = components
        self.title_text = title
        self.message = message
        self.known = known
        """The status page's components: what the components field accepts."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="update-dialog"):
            yield Label(plain(f"Status update for #{self.incident.id} {self.incident.title}"), classes="dialog-title")
            with RadioSet(id="update-status"):
                for status in UpdateStatus:
                    yield RadioButton(status.value, value=status is self.status, id=f"status-{status.name.lower()}")
            yield Input(
                self.title_text, placeholder="[Service Name] - [Issue Summary]", max_length=200, id="update-title"
            )
            yield Input(
                ", ".join(self.components),
                placeholder=f"affected: {', '.join(self.known)}",
                max_length=500,
                id="update-components",
            )
            yield TextArea(self.message, id="update-message", soft_wrap=True, show_line_numbers=False)
            yield Label("ctrl+s: post   tab: next field   escape: cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        # Field names in the borders: the form has no room for label lines at 80x24.
        self.query_one(RadioSet).border_title = "Status"
        self.query_one("#update-title", Input).border_title = "Title"
        self.query_one("#update-components", Input).border_title = "Affected services"
        self.query_one(TextArea).border_title = "Message"
        self.query_one(RadioSet).focus()

    def action_post(self) -> None:
        chosen = self.query_one(RadioSet).pressed_button
        status = UpdateStatus[chosen.id.removeprefix("status-").upper()] if chosen and chosen.id else self.status
        names = [n.strip() for n in self.query_one("#update-components", Input).value.split(",") if n.strip()]
        by_key = {name.casefold(): name for name in self.known}
        unknown = [n for n in names if n.casefold() not in by_key]
        if unknown:
            self.notify(
                f"not a component: {', '.join(unknown)} (the page has {', '.join(self.known)})", severity="error"
            )
            return
        message = self.query_one(TextArea).text.strip()
        title = self.query_one("#update-title", Input).value.strip()
        if not message or not title:
            self.notify("an update needs a title and a message", severity="warning")
            return
        self.dismiss(UpdateDraft(status, tuple(by_key[n.casefold()] for n in names), title, message))

    def action_cancel(self) -> None:
        self.dismiss(None)


def ask_update(screen: Screen[Any], incident: Incident, after: Callable[[], object] | None = None) -> None:
    """Read the incident's last update, open the pre-filled form, post what it returns."""
    core = screen.app.core  # type: ignore[attr-defined]
    manager = core.incidents
    if manager is None:
        screen.notify("the state store is not open", title="not posted", severity="error")
        return
    settings = core.config.status_page
    known = [c.name for c in settings.components]

    async def open_form() -> None:
        try:
            updates = updates_of(await manager.timeline(incident.id))
        except Exception as exc:  # noqa: BLE001 - shown, not raised
            screen.notify(str(exc), title="not posted", severity="error")
            return
        last = updates[-1] if updates else None
        components = list(last.components) if last else affected_components(settings.components, incident)
        form = UpdateModal(
            incident,
            next_status(last, incident),
            components,
            last.title if last else default_title(incident, components),
            template(incident, components, zone(core.config.timezone), last),
            known,
        )
        screen.app.push_screen(form, answered)

    async def post(draft: UpdateDraft) -> None:
        stored = await run_action(
            screen,
            post_update(
                manager, incident.id, draft.status, draft.components, draft.title, draft.message, settings=settings
            ),
            lambda u: f"#{incident.id}: status update posted ({u.status.value})",
        )
        if stored is not None and after is not None:
            after()

    def answered(draft: UpdateDraft | None) -> None:
        if draft is not None:
            screen.run_worker(post(draft), group="incident-action", exit_on_error=False)

    screen.run_worker(open_form(), group="incident-action", exit_on_error=False)
