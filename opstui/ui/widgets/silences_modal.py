"""The silences, listed from the On-call screen (``S``): opstui's own and every Alertmanager's, in one table.

opstui's own come first (pending and active, then those over in the last day), then the config's maintenance
windows (open now, or next), then Alertmanager's in force.
``x`` expires the selected one after a yes / no: opstui's in the state store, Alertmanager's in Alertmanager
(when it silenced an incident's alert, that incident's timeline records who expired it). ``c`` makes a new
silence of opstui's own: matchers (pre-filled from the incident selected on the On-call screen), a start
(now, ``+2h``, ``23:00``), a length and why. The list is read afresh when the dialog opens and after each change:
the state store and Alertmanager are the truth about their silences, not a copy here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, Static

from opstui.clock import zone
from opstui.config.durations import parse_duration
from opstui.incidents.matchers import ALERTNAME, Matcher, MatcherError, Op, matchers_text, parse_matchers
from opstui.incidents.model import Silence, SilenceState
from opstui.incidents.moments import parse_moment
from opstui.ui.plain import plain, plain_text
from opstui.ui.widgets.incident_modals import ONCALL_CSS, ConfirmModal, run_action

if TYPE_CHECKING:
    from opstui.core import Core
    from opstui.sources.alertmanager import AmSilence

COLUMNS = ("Source", "ID", "State", "Matchers", "By", "Starts", "Ends", "Why")


class SilencesModal(ModalScreen[None]):
    """Every silence, opstui's and Alertmanager's; ``x`` expires the selected one, ``c`` makes one."""

    CSS_PATH = ONCALL_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "create", "New", id="silences.create"),
        Binding("x", "expire", "Expire", id="silences.expire"),
        Binding("escape", "close", "Close", id="silences.close"),
    ]

    def __init__(self, core: Core, suggestion: str = "") -> None:
        super().__init__(classes="incident-modal")
        self.core = core
        self.suggestion = suggestion
        """Matchers for ``c`` to start from (the incident selected on the On-call screen)."""
        self.own: list[Silence] = []
        self.silences: list[AmSilence] = []
        """Alertmanager's, in the order listed (after opstui's own)."""
        self.rows: list[Silence | AmSilence | MaintenanceRow] = []
        """What each table row is, top to bottom."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="silences-dialog"):
            yield Label("Silences", classes="dialog-title")
            yield Static("Reading silences...", id="silences-status")
            yield DataTable(id="silences-table", cursor_type="row", zebra_stripes=True)
            yield Label("c: new silence   x: expire the selected one   escape: close", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*COLUMNS)
        self.reload()

    @work(exclusive=True, group="silences-read", exit_on_error=False)
    async def reload(self) -> None:
        problems: list[str] = []
        own: list[Silence] = []
        if self.core.incidents is not None:
            try:
                own = await self.core.incidents.all_silences()
            except Exception as exc:  # noqa: BLE001 - a slow or broken store is shown, not raised
                problems.append(f"opstui: {exc}")
        else:
            problems.append(f"opstui: {self.core.state_error or 'the state store is not open'}")
        silences, am_problems = await self.core.alertmanager_silences()
        problems += am_problems
        self.own, self.silences = own, silences
        self.rows = [*own, *self._windows(), *silences]
        tz = zone(self.core.config.timezone)
        now = self.core.clock.now()

        def at(moment: float) -> str:
            return datetime.fromtimestamp(moment, tz).strftime("%m-%d %H:%M")

        table = self.query_one(DataTable)
        table.clear()
        for silence in own:
            state = silence.state(now)
            ends = at(silence.ended_at if silence.ended_at is not None else silence.until)
            if silence.end_reason == "cancelled":
                ends += f" (early, {silence.ended_by})"
            cells: tuple[str, ...] = ("opstui", f"#{silence.id}", state.value, silence.matcher, silence.created_by)
            cells += (at(silence.start), ends, silence.reason)
            table.add_row(*(plain_text(cell) for cell in cells), key=f"opstui:{silence.id}")
        windows = self.core.incidents.maintenance.upcoming(now) if self.core.incidents is not None else []
        for opening in windows:
            opens = "active" if opening.start <= now else "pending"
            cells = ("maintenance", "-", opens, opening.window.matchers, "config", at(opening.start), at(opening.end))
            cells += (opening.window.name,)
            table.add_row(*(plain_text(cell) for cell in cells), key=f"maintenance:{opening.window.name}")
        for am in silences:
            cells = (am.source, am.id[:8], am.state, am.matchers, am.created_by, "", at(am.ends_at), am.comment)
            table.add_row(*(plain_text(cell) for cell in cells), key=f"{am.source}:{am.id}")
        counts = {state: sum(1 for s in own if s.state(now) is state) for state in SilenceState}
        status = (
            f"opstui: {counts[SilenceState.ACTIVE]} active, {counts[SilenceState.PENDING]} pending, "
            f"{counts[SilenceState.EXPIRED]} over in the last day"
        )
        if self.core.alertmanagers:
            status += f" · Alertmanager: {len(silences)} in force"
        if problems:
            status += f"; not read: {'; '.join(problems)}"
        self.query_one("#silences-status", Static).update(plain(status))

    def _windows(self) -> list[MaintenanceRow]:
        if self.core.incidents is None:
            return []
        return [MaintenanceRow(o.window.name) for o in self.core.incidents.maintenance.upcoming(self.core.clock.now())]

    def selected(self) -> Silence | AmSilence | MaintenanceRow | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row < 0 or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def action_expire(self) -> None:
        silence = self.selected()
        if silence is None:
            return
        if isinstance(silence, MaintenanceRow):
            self.notify(f"maintenance window {silence.name!r} is in the config: change it there", severity="warning")
            return
        if isinstance(silence, Silence):
            if silence.state(self.core.clock.now()) is SilenceState.EXPIRED:
                self.notify(f"silence #{silence.id} is already over", severity="warning")
                return
            question = f"Expire silence #{silence.id} by {silence.created_by} on {silence.matcher}?"
        else:
            question = f"Expire silence {silence.id[:8]} by {silence.created_by} on {silence.matchers}?"

        def answered(yes: bool | None) -> None:
            if yes:
                self._expire(silence)

        self.app.push_screen(ConfirmModal(question), answered)

    @work(group="silences-action", exit_on_error=False)
    async def _expire(self, silence: Silence | AmSilence) -> None:
        if isinstance(silence, Silence):
            manager = self.core.incidents
            if manager is not None:
                await run_action(
                    self, manager.expire_silence(silence.id), lambda s: f"silence #{s.id} expired by {s.ended_by}"
                )
        else:
            await run_action(
                self, self.core.expire_alertmanager_silence(silence), lambda _: f"silence {silence.id[:8]} expired"
            )
        self.reload()

    def action_create(self) -> None:
        def made(_: Silence | None) -> None:
            self.reload()

        self.app.push_screen(NewSilenceModal(self.core, self.suggestion), made)

    def action_close(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True, slots=True)
class MaintenanceRow:
    """A maintenance window's line: it lives in the config, so it is listed but not expired from here."""

    name: str


@dataclass(frozen=True, slots=True)
class SilenceRequest:
    """What the new-silence dialog asks for, checked as far as the dialog can."""

    matchers: str
    starts_at: float
    duration: float
    reason: str


class NewSilenceModal(ModalScreen[Silence | None]):
    """Matchers, a start, a length and why; ``enter`` on the last field makes the silence."""

    CSS_PATH = ONCALL_CSS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="silence.cancel")]
    FIELDS = ("matchers", "start", "duration", "reason")

    def __init__(self, core: Core, suggestion: str = "") -> None:
        super().__init__(classes="incident-modal")
        self.core = core
        self.suggestion = suggestion

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="new-silence-dialog"):
            yield Label("New silence", classes="dialog-title")
            yield Input(
                value=self.suggestion,
                placeholder='matchers: alertname="Service Down", service=~"api|web"',
                max_length=1000,
                id="matchers",
            )
            yield Input(value="now", placeholder="start: now, +2h, 23:00, 2026-12-24 18:00", id="start")
            yield Input(value="2h", placeholder="length: 30m, 2h, 1d", id="duration")
            yield Input(placeholder="why (required)", max_length=500, id="reason")
            yield Label("enter: next field, then silence   escape: cancel", classes="dialog-hint")

    def request(self) -> SilenceRequest | str:
        """The dialog's answer, or what is wrong with it (one line, naming the field)."""
        values = {name: self.query_one(f"#{name}", Input).value.strip() for name in self.FIELDS}
        try:
            parse_matchers(values["matchers"])
        except MatcherError as exc:
            return f"matchers: {exc}"
        now = self.core.clock.now()
        try:
            start = parse_moment(values["start"], now, zone(self.core.config.timezone))
        except ValueError as exc:
            return f"start: {exc}"
        try:
            duration = parse_duration(values["duration"])
        except ValueError as exc:
            return f"length: {exc}"
        if duration <= 0:
            return "length: must be more than zero"
        if not values["reason"]:
            return "why: say why (the reason is required)"
        return SilenceRequest(values["matchers"], start, duration, values["reason"])

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        field = event.input.id or ""
        if field != "reason" and field in self.FIELDS:
            self.query_one(f"#{self.FIELDS[self.FIELDS.index(field) + 1]}", Input).focus()
            return
        answer = self.request()
        if isinstance(answer, str):
            self.notify(answer, title="not done", severity="error")
            self.query_one(f"#{_field_of(answer)}", Input).focus()
            return
        self._make(answer)

    @work(group="silence-make", exit_on_error=False)
    async def _make(self, answer: SilenceRequest) -> None:
        manager = self.core.incidents
        if manager is None:
            self.notify("the state store is not open", title="not done", severity="error")
            return
        tz = zone(self.core.config.timezone)

        def done(silence: Silence) -> str:
            until = datetime.fromtimestamp(silence.until, tz).strftime("%m-%d %H:%M")
            return f"silence #{silence.id} ({silence.state(self.core.clock.now()).value}) until {until}"

        made = await run_action(
            self,
            manager.silence(answer.matchers, answer.reason, starts_at=answer.starts_at, duration=answer.duration),
            done,
        )
        if made is not None:
            self.dismiss(made)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _field_of(problem: str) -> str:
    """The input a problem line is about (``length: ...`` is the duration field)."""
    name = problem.split(":", 1)[0]
    return {"length": "duration", "why": "reason"}.get(name, name)


def suggested_matchers(rule: str, labels: tuple[tuple[str, str], ...]) -> str:
    """``alertname="High Error Rate", service="api"``: the matchers that cover exactly this incident's alert."""
    return matchers_text([Matcher(ALERTNAME, Op.EQUAL, rule), *(Matcher(k, Op.EQUAL, v) for k, v in labels)])
