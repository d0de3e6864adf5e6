"""Alertmanager's silences in force, listed from the On-call screen (``S``): who made each, until when, on what.

``x`` expires the selected one in Alertmanager, after a yes / no; when it silenced an incident's alert, that
incident's timeline (and so the audit) records who expired it. The list is read from Alertmanager each time
the dialog opens and after each expiry: Alertmanager is the truth about its silences, not a copy here.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from opstui.clock import zone
from opstui.ui.plain import plain, plain_text
from opstui.ui.widgets.incident_modals import ONCALL_CSS, ConfirmModal, run_action

if TYPE_CHECKING:
    from opstui.core import Core
    from opstui.sources.alertmanager import AmSilence

COLUMNS = ("Source", "ID", "Matchers", "By", "Until", "Comment")


class SilencesModal(ModalScreen[None]):
    """The silences of every Alertmanager source; ``x`` expires the selected one, ``escape`` closes."""

    CSS_PATH = ONCALL_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "expire", "Expire", id="silences.expire"),
        Binding("escape", "close", "Close", id="silences.close"),
    ]

    def __init__(self, core: Core) -> None:
        super().__init__(classes="incident-modal")
        self.core = core
        self.silences: list[AmSilence] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="silences-dialog"):
            yield Label("Alertmanager silences", classes="dialog-title")
            yield Static("Reading Alertmanager...", id="silences-status")
            yield DataTable(id="silences-table", cursor_type="row", zebra_stripes=True)
            yield Label("x: expire the selected silence   escape: close", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*COLUMNS)
        self.reload()

    @work(exclusive=True, group="silences-read", exit_on_error=False)
    async def reload(self) -> None:
        silences, problems = await self.core.alertmanager_silences()
        self.silences = silences
        tz = zone(self.core.config.timezone)
        table = self.query_one(DataTable)
        table.clear()
        for silence in silences:
            until = datetime.fromtimestamp(silence.ends_at, tz).strftime("%Y-%m-%d %H:%M")
            cells = (silence.source, silence.id[:8], silence.matchers, silence.created_by, until, silence.comment)
            table.add_row(*(plain_text(cell) for cell in cells), key=silence.id)
        status = f"{len(silences)} in force" + (f"; not read: {'; '.join(problems)}" if problems else "")
        self.query_one("#silences-status", Static).update(plain(status))

    def selected(self) -> AmSilence | None:
        table = self.query_one(DataTable)
        if not self.silences or table.cursor_row < 0 or table.cursor_row >= len(self.silences):
            return None
        return self.silences[table.cursor_row]

    def action_expire(self) -> None:
        silence = self.selected()
        if silence is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._expire(silence)

        question = f"Expire silence {silence.id[:8]} by {silence.created_by} on {silence.matchers}?"
        self.app.push_screen(ConfirmModal(question), answered)

    @work(group="silences-action", exit_on_error=False)
    async def _expire(self, silence: AmSilence) -> None:
        await run_action(
            self, self.core.expire_alertmanager_silence(silence), lambda _: f"silence {silence.id[:8]} expired"
        )
        self.reload()

    def action_close(self) -> None:
        self.dismiss(None)
