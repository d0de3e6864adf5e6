"""The On-call screen (key ``2``): the open incidents, most urgent first, handled from the keyboard.

Every action goes to ``core.incidents`` in a worker; the table changes only after the state store
has committed it (the manager returns the stored snapshot), so what the screen shows as
acknowledged survives a ``kill -9``. A failing action is a notification, never a crash. ``enter``
opens :class:`IncidentDetailScreen`: the runbook, the timeline, the metric around the start, the
deploys before it, and ``p`` for the post-incident review.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import tzinfo
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.widgets import DataTable, Static

from opstui import handoff
from opstui.actions.match import actions_for, contacts_for
from opstui.clock import zone
from opstui.files import write_atomically
from opstui.incidents.manager import IncidentManager
from opstui.incidents.model import Incident, IncidentState
from opstui.incidents.review import render_review, review_path
from opstui.runbooks import RunbookLibrary, load_runbooks
from opstui.ui.plain import plain
from opstui.ui.screens.base import ConsoleScreen
from opstui.ui.widgets.action_modals import ask_action
from opstui.ui.widgets.components_line import ComponentsLine
from opstui.ui.widgets.incident_actions import acknowledge, ask_resolve, ask_snooze, named
from opstui.ui.widgets.incident_detail import (
    CHART_AFTER,
    CHART_BEFORE,
    DEPLOYS_BEFORE,
    DetailData,
    IncidentDetail,
)
from opstui.ui.widgets.incident_feed import IncidentFeed
from opstui.ui.widgets.incident_modals import ONCALL_CSS, ConfirmModal, ask_milestone, ask_note, run_action
from opstui.ui.widgets.incident_table import IncidentTable, incident_rows, sla_text
from opstui.ui.widgets.manual_incident import ask_new_incident, ask_severity
from opstui.ui.widgets.page_trouble import PageTrouble
from opstui.ui.widgets.routing_actions import ask_override, ask_reassign, escalate, unacknowledge
from opstui.ui.widgets.silences_modal import SilencesModal, suggested_matchers
from opstui.ui.widgets.update_modal import ask_update

HELP = """\
## On-call

The open incidents, most urgent first: unacknowledged, then by severity, then by the least time
left to respond (the **SLA** column turns red once the response time is missed).

When a new incident arrived since you last looked, `2` puts the cursor on the most urgent
unacknowledged one; it never moves while you are on the screen. `home` / `end` go to the first / last.

- `a` acknowledge: you take it; escalation stops. Recorded with your name and host; the notice names
  the incident (`#7 P0 Payment System Down acknowledged`). `A` (any screen) acknowledges the banner's.
- `r` resolve (asks first, and says so when its alert is still firing). `n` add a note. `m` mark
  a milestone (root cause identified, fix deployed, service restored). `s` snooze the incident's
  rule for a while, with a reason.
- `J` merges two incidents (the same problem seen twice): `J` on the one to close marks it, then `J` on
  the one it joins asks and merges (`escape` cancels the mark). The marked one is resolved as merged, pointing
  at the other; its timeline and its alert join the other, which takes the worse severity.
- `c` open an incident by hand (a title, a severity, what users report): paged and escalated like the
  others. `v` change the selected incident's severity (its response time follows; recorded and notified).
- `E` escalate now: page the next step of the incident's path without waiting (its timetable still counts
  from the trigger). `U` take an acknowledgement back: triggered again, the first step paged. `R` reassign
  to a person (from the rotation and `people:`): triggered for them and paged through their methods.
  `O` an on-call override: who covers whom, from and to when (the header shows it; every console pages them).
- `!` the incident's runbook actions (commands and HTTP requests from `actions:` in the config):
  pick one, confirm it (type its name for a dangerous one), watch its output; who ran it, when,
  its exit status and its output (secrets redacted) go on the timeline and in the audit.
- `u` a public status update with the seed's template (status Investigating / Identified /
  Monitoring / Resolved, affected services, message), pre-filled from the incident; `ctrl+s`
  posts it to the timeline, and `opstui status-page export` publishes it.
- `H` writes the end-of-shift handoff (the last 12 hours: incidents and their last update, silences,
  missed checklist tasks, who is on call next) into `handoffs/` beside the state database.
- `enter` the detail: runbook and contacts, timeline, the metric around the start, deploys before
  it; `p` there writes the post-incident review.
- `S` lists the silences, opstui's own (pending, active, over in the last day) and Alertmanager's (who,
  from and until when, on what, why); `c` there makes one (matchers such as `service=~"api|web"`, a start
  that may be later, a length of at most `incidents.max_silence`, and why), `x` expires one early.
- `L` the alerts: every rule's state (inactive, pending, firing, resolved, silenced), value, since
  when, labels and last evaluation error; `/` filters.
- With an `alertmanager` source: `a` also silences the alert in Alertmanager and `r` expires that
  silence.

Every action is saved in the state store before the screen shows it. Pages that could not be
delivered show under the incident count (`opstui notifications` lists every page).
"""


VIEWS_GROUP = Binding.Group("Views", compact=True)
"""``S`` (silences) and ``L`` (alerts) share one footer label ("SL Views"), so 80 columns keep ``q Quit``."""

ACTIONS_TIP = "Run one of the incident's runbook actions (from the config)"
HANDOFF_TIP = "Write the end-of-shift handoff notes (the last 12 hours) beside the state database"
HANDOFF_SHIFT = 12 * 3600.0
ESCALATE_TIP = "Page the next step of the incident's escalation path now"
UNACK_TIP = "Take the acknowledgement back: triggered again, paged again"
REASSIGN_TIP = "Give the incident to a person (paged now through their methods)"
OVERRIDE_TIP = "Someone covers someone on call for a while (stored for the whole team)"
MERGE_TIP = "Mark the selected incident to merge, then J on the one it joins (escape cancels)"
UPDATE_TIP = "Post a status update (the seed's template: status, affected services, message)"
MORE_KEYS = (
    "   u update  n note  m milestone  s snooze  v severity  E escalate  U unack  R reassign  O override"
    "  J merge  enter detail  H handoff"
)
"""The list's keys the footer has no room for at 80 columns, named in the status line."""
LOOKING_KEYS = "   enter detail  S silences  L alerts"
"""The same on a console that only looks (a replay, ``--read-only``): the keys that act are refused there."""


class OnCallScreen(ConsoleScreen):
    """On-call: the incident list and the keys that handle incidents."""

    TITLE_TEXT = "On-call"
    HELP = HELP
    CSS_PATH = ONCALL_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "acknowledge", "Ack", id="oncall.acknowledge", tooltip="Acknowledge the selected incident"),
        Binding("r", "resolve", "Resolve", id="oncall.resolve", tooltip="Resolve the selected incident"),
        Binding("exclamation_mark", "actions", "Act", id="oncall.run_action", key_display="!", tooltip=ACTIONS_TIP),
        Binding("u", "update", "Update", id="oncall.update", tooltip=UPDATE_TIP, show=False),
        # Named in the status line instead of the footer, which keeps `q Quit` in sight at 80 columns.
        Binding(
            "s", "snooze", "Snooze", id="oncall.snooze", tooltip="Silence the incident's rule for a while", show=False
        ),
        Binding("n", "note", "Note", id="oncall.note", tooltip="Add a note to the incident's timeline", show=False),
        Binding("m", "milestone", "Milestone", id="oncall.milestone", tooltip="Mark a review milestone", show=False),
        Binding("H", "handoff", "Handoff", id="oncall.handoff", tooltip=HANDOFF_TIP, show=False),
        Binding(
            "enter", "detail", "Detail", id="oncall.detail", tooltip="Runbook, timeline, chart, deploys", show=False
        ),
        Binding("c", "create", "New", id="oncall.create", tooltip="Open an incident by hand"),
        Binding("v", "severity", "Severity", id="oncall.severity", tooltip="Change the severity", show=False),
        Binding("E", "escalate", "Escalate", id="oncall.escalate", tooltip=ESCALATE_TIP, show=False),
        Binding("U", "unacknowledge", "Unack", id="oncall.unacknowledge", tooltip=UNACK_TIP, show=False),
        Binding("R", "reassign", "Reassign", id="oncall.reassign", tooltip=REASSIGN_TIP, show=False),
        Binding("O", "override", "Override", id="oncall.override", tooltip=OVERRIDE_TIP, show=False),
        Binding("J", "merge", "Merge", id="oncall.merge", tooltip=MERGE_TIP, show=False),
        Binding("escape", "cancel_merge", "Cancel merge", id="oncall.cancel_merge", show=False),
        Binding(
            "S",
            "silences",
            "Silences",
            id="oncall.silences",
            tooltip="Silences (opstui's and Alertmanager's)",
            group=VIEWS_GROUP,
        ),
        Binding("L", "alerts", "Alerts", id="oncall.alerts", tooltip="Every rule's state", group=VIEWS_GROUP),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._runbooks: RunbookLibrary | None = None
        self._incidents: dict[int, Incident] = {}
        self._reads = 0
        self._known: set[int] = set()
        """The incidents listed when the screen was last left: one not among them is new."""
        self._place = True
        """Set when the screen is shown; the first list read after it places the cursor (once)."""
        self.merging: Incident | None = None
        """The incident ``J`` marked to be merged into the next one ``J`` is pressed on."""
        self.last_handoff: Path | None = None
        """Where ``H`` last wrote the handoff (tests and the notice read it)."""
        self._fresh = asyncio.Event()
        """Set once the list read after the screen was shown is on screen: a key pressed right after
        ``2`` waits for it, so it acts on the incident the cursor was placed on, never on the old row."""

    def on_screen_resume(self) -> None:
        self._place = True
        self._fresh.clear()
        super().on_screen_resume()

    def on_screen_suspend(self) -> None:
        self._known = set(self._incidents)

    def compose_body(self) -> ComposeResult:
        yield Static("", id="oncall-status")
        yield ComponentsLine("", id="oncall-components")
        yield PageTrouble("", id="oncall-pages")
        yield IncidentTable(id="incidents")
        yield IncidentFeed(id="oncall-feed")

    @property
    def table(self) -> IncidentTable:
        return self.query_one(IncidentTable)

    @property
    def runbooks(self) -> RunbookLibrary:
        """Loaded on first use (a handful of small files) and kept for the session."""
        if self._runbooks is None:
            self._runbooks = load_runbooks(self.core.config.runbooks_dir)
            for problem in self._runbooks.problems:
                self.notify(problem, title="runbook skipped", severity="warning")
        return self._runbooks

    @property
    def tz(self) -> tzinfo:
        return zone(self.core.config.timezone)

    def selected(self) -> Incident | None:
        incident_id = self.table.selected_id
        return None if incident_id is None else self._incidents.get(incident_id)

    # Reading --------------------------------------------------------------------------------------

    def refresh_from_core(self) -> None:
        core = self.core
        self.query_one(IncidentFeed).show(core.monitor.deploys, core.monitor.errors, core.clock.now(), self.tz)
        self.query_one(PageTrouble).show(core.page_trouble, core.notifications_failing, self.tz)
        if self.core.incidents is None:
            reason = self.core.unavailable()
            self.query_one("#oncall-status", Static).update(plain(f"Incidents unavailable: {reason}"))
            self._fresh.set()
            return
        self.reload()

    @work(exclusive=True, group="oncall-load", exit_on_error=False)
    async def reload(self) -> None:
        """Read the open incidents (off the redraw path) and show them; the newest read wins."""
        await self._load()

    async def reload_shared_state(self) -> None:
        with contextlib.suppress(NoMatches):  # torn down meanwhile
            await self._load()

    async def _load(self) -> None:
        manager = self.core.incidents
        if manager is None:
            return
        # Reads are numbered: one started before a change and finishing after a later one is dropped.
        self._reads += 1
        mine = self._reads
        try:
            incidents = await manager.open_incidents()
        except Exception as exc:  # noqa: BLE001 - a slow or broken store is shown, not raised
            if mine == self._reads:
                self.query_one("#oncall-status", Static).update(plain(f"Incidents unavailable: {exc}"))
                self._fresh.set()  # a waiting key then acts on what is shown, and its own call fails clearly
            return
        if mine == self._reads:
            self._show(incidents, manager)
            if self._place and self.is_current:
                self._place = False
                if set(self._incidents) - self._known:
                    self.table.first_unacknowledged()
            self._fresh.set()

    def _show(self, incidents: list[Incident], manager: IncidentManager) -> None:
        self._incidents = {i.id: i for i in incidents}
        now = self.core.clock.now()
        stale = self.core.stale_alert_sources()
        self.table.show(incident_rows(incidents, manager, now, stale, self.core.alerts.stale_alerts()))
        self.query_one(ComponentsLine).show(self.core.component_states(incidents))
        waiting = sum(1 for i in incidents if i.state is IncidentState.TRIGGERED)
        looking = self.core.read_only or bool(getattr(self.app, "read_only", False))
        more = LOOKING_KEYS if looking else MORE_KEYS
        status = f"{len(incidents)} open, {waiting} unacknowledged{more}" if incidents else "No open incidents."
        if self.merging is not None and self.merging.id not in self._incidents:
            self.merging = None  # resolved or merged meanwhile (here or on another console)
        if self.merging is not None:
            status = f"merging {named(self.merging)}: J on the incident it joins, escape cancels"
        self.query_one("#oncall-status", Static).update(status)
        self.refresh_bindings()

    def _stored(self, incident: Incident) -> None:
        """Show one incident as the store returned it (resolved ones leave the list)."""
        manager = self.core.incidents
        if manager is None:
            return
        incidents = dict(self._incidents)
        if incident.is_open:
            incidents[incident.id] = incident
        else:
            incidents.pop(incident.id, None)
        self._show(list(incidents.values()), manager)

    # Keys -----------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Incident keys are dimmed (shown, not usable) when no incident is selected. ``a`` stays usable
        while the list is being read after ``2`` (it waits for the read) and on an acknowledged row (it
        says so rather than doing nothing). ``escape`` is the screen's only while a merge is marked."""
        if action == "cancel_merge":
            return self._merge_marked()
        if action in {
            "acknowledge",
            "resolve",
            "note",
            "milestone",
            "snooze",
            "detail",
            "severity",
            "actions",
            "update",
            "escalate",
            "unacknowledge",
            "reassign",
            "merge",
        }:
            if action == "acknowledge" and not self._fresh.is_set():
                return True
            try:
                incident = self.selected() if self.core.incidents is not None else None
            except NoMatches:  # asked before the table is composed
                incident = None
            if incident is None:
                return None
        return True

    def _merge_marked(self) -> bool:
        return self.merging is not None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        # The table takes `enter` itself when focused; it means the same as the screen's binding.
        event.stop()
        self.action_detail()

    def action_acknowledge(self) -> None:
        self._acknowledge()

    @work(group="oncall-action", exit_on_error=False)
    async def _acknowledge(self) -> None:
        await self._fresh.wait()  # `2 a`: the fresh list, with the cursor placed, not the row it had before
        incident = self.selected()
        if incident is None:
            return
        stored = await acknowledge(self, incident.id)
        if stored is not None:
            self._stored(stored)
        else:
            self.reload()  # lost a race or failed: show what the store holds now (the winner's name)

    def action_resolve(self) -> None:
        if (incident := self.selected()) is not None:
            ask_resolve(self, incident, self._resolved)

    def _resolved(self, stored: Incident | None) -> None:
        if stored is not None:
            self._stored(stored)
        else:
            self.reload()

    def action_note(self) -> None:
        if (incident := self.selected()) is not None:
            ask_note(self, incident)

    def action_milestone(self) -> None:
        if (incident := self.selected()) is not None:
            ask_milestone(self, incident)

    def action_snooze(self) -> None:
        if (incident := self.selected()) is not None:
            ask_snooze(self, incident)

    def action_actions(self) -> None:
        if (incident := self.selected()) is not None:
            ask_action(self, incident)

    def action_update(self) -> None:
        if (incident := self.selected()) is not None:
            ask_update(self, incident)

    def action_detail(self) -> None:
        if (incident := self.selected()) is not None:
            self.app.push_screen(IncidentDetailScreen(incident.id, self.runbooks))

    def action_create(self) -> None:
        ask_new_incident(self, self._opened)

    def _opened(self, stored: Incident | None) -> None:
        if stored is not None:
            self._stored(stored)
            self.table.select(stored.id)

    def action_severity(self) -> None:
        if (incident := self.selected()) is not None:
            ask_severity(self, incident, self._resolved)

    def action_escalate(self) -> None:
        if (incident := self.selected()) is not None:
            escalate(self, incident, self._resolved)

    def action_unacknowledge(self) -> None:
        if (incident := self.selected()) is not None:
            unacknowledge(self, incident, self._resolved)

    def action_reassign(self) -> None:
        if (incident := self.selected()) is not None:
            ask_reassign(self, incident, self._resolved)

    def action_override(self) -> None:
        ask_override(self)

    def action_merge(self) -> None:
        """First ``J`` marks the selected incident; ``J`` on another asks, then merges the marked one into it."""
        incident = self.selected()
        if incident is None:
            return
        marked = self.merging
        if marked is None or marked.id == incident.id:
            self.merging = None if marked is not None else incident
            self._redraw()
            return
        question = (
            f"Merge {named(marked)} into {named(incident)}?\n\n#{marked.id} is closed as merged; its timeline and "
            f"alert join #{incident.id}."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._merge(marked.id, incident.id)

        self.app.push_screen(ConfirmModal(question), answered)

    @work(group="oncall-action", exit_on_error=False)
    async def _merge(self, incident_id: int, into_id: int) -> None:
        manager = self.core.incidents
        if manager is None:
            return
        self.merging = None
        done = await run_action(
            self, manager.merge(incident_id, into_id), lambda pair: f"#{pair[0].id} merged into {named(pair[1])}"
        )
        await self.core.refresh_attention()
        if done is not None:
            self._stored(done[0])
            self._stored(done[1])
            self.table.select(into_id)
        else:
            self.reload()

    def action_cancel_merge(self) -> None:
        self.merging = None
        self._redraw()

    def _redraw(self) -> None:
        """Show the list as last read again (the status line says what ``J`` marked)."""
        if self.core.incidents is not None:
            self._show(list(self._incidents.values()), self.core.incidents)

    def action_alerts(self) -> None:
        from opstui.ui.screens.alerts import AlertsScreen  # imported when first shown

        self.app.push_screen(AlertsScreen())

    def action_silences(self) -> None:
        incident = self.selected()
        suggestion = "" if incident is None else suggested_matchers(incident.rule, incident.labels)
        self.app.push_screen(SilencesModal(self.core, suggestion))

    def action_handoff(self) -> None:
        self.write_handoff()

    @work(group="oncall-action", exit_on_error=False)
    async def write_handoff(self) -> None:
        """The handoff of the last 12 hours, as ``opstui handoff`` writes it, into ``handoffs/`` beside the store."""
        core = self.core
        if core.state is None:
            self.notify("the state store is not open", title="handoff not written", severity="error")
            return
        now, tz = core.clock.now(), self.tz
        try:
            await core.refresh_checklist()  # under the core's lock: never two refreshes (and auto ticks) at once
            notes = await handoff.gather(
                core.state, core.checklist, core.config.rotation, now - HANDOFF_SHIFT, now, tz, refresh=False
            )
            path = handoff.handoff_path(core.state_settings.resolved_path(), now, tz)
            write_atomically(path, handoff.render(notes, tz))
        except Exception as exc:  # noqa: BLE001 - shown, not raised
            self.notify(f"{exc}", title="handoff not written", severity="error")
            return
        self.last_handoff = path
        self.notify(f"{handoff.shift_summary(notes.incidents)}: written to {path}", title="handoff", timeout=8)


class IncidentDetailScreen(ConsoleScreen):
    """One incident: runbook, timeline, the metric around the start, deploys; ``p`` writes the review.

    A console screen, so the header (unacknowledged count, the P0/P1 banner) stays in sight.
    """

    TITLE_TEXT = "Incident"
    HELP = (
        "## Incident\n\nThe incident's runbook with its contacts and actions, its timeline (who did what, when, "
        "from which host), its "
        "metric from 30 minutes before the start, and the deploys of the 2 hours before it. `p` writes the "
        "post-incident review beside the state database; `escape` goes back to the list. `a` acknowledges, "
        "`r` resolves, `n` notes, `m` marks a milestone, `s` snoozes, `!` runs a runbook action, `u` posts a "
        "status update, `E` escalates now, `U` unacknowledges and `R` reassigns this incident, as on the list."
    )
    CSS_PATH = ONCALL_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="detail.back"),
        Binding("a", "acknowledge", "Ack", id="detail.acknowledge", tooltip="Acknowledge this incident"),
        Binding("r", "resolve", "Resolve", id="detail.resolve", tooltip="Resolve this incident"),
        Binding("exclamation_mark", "actions", "Act", id="detail.run_action", key_display="!", tooltip=ACTIONS_TIP),
        Binding("u", "update", "Update", id="detail.update", tooltip=UPDATE_TIP),
        # Named in the summary instead of the footer, which keeps `q Quit` in sight at 80 columns.
        Binding("n", "note", "Note", id="detail.note", tooltip="Add a note to the timeline", show=False),
        Binding("m", "milestone", "Milestone", id="detail.milestone", tooltip="Mark a review milestone", show=False),
        Binding(
            "s", "snooze", "Snooze", id="detail.snooze", tooltip="Silence this incident's rule for a while", show=False
        ),
        Binding("p", "report", "Review", id="detail.report", tooltip="Write the post-incident review", show=False),
        Binding("E", "escalate", "Escalate", id="detail.escalate", tooltip=ESCALATE_TIP, show=False),
        Binding("U", "unacknowledge", "Unack", id="detail.unacknowledge", tooltip=UNACK_TIP, show=False),
        Binding("R", "reassign", "Reassign", id="detail.reassign", tooltip=REASSIGN_TIP, show=False),
    ]

    def __init__(self, incident_id: int, runbooks: RunbookLibrary) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.runbooks = runbooks
        self.data: DetailData | None = None
        self.last_report: Path | None = None
        """Where ``p`` last wrote the review (tests and the notification read it)."""
        self._drawn_version = -1
        """The core's ``state_version`` the detail was last read at."""

    def compose_body(self) -> ComposeResult:
        yield IncidentDetail()

    def on_mount(self) -> None:
        super().on_mount()
        self.load()

    def refresh_from_core(self) -> None:
        """Read again when the shared state moved (a note or acknowledgement from any console), at most once
        a redraw; the Markdown runbook is not re-rendered every second for nothing."""
        if self.core.state_version != self._drawn_version:
            self.load()

    @work(exclusive=True, group="detail-load", exit_on_error=False)
    async def load(self) -> None:
        """Gather the incident, its timeline, runbook, chart and deploys, then show them."""
        await self._read()

    async def reload_shared_state(self) -> None:
        with contextlib.suppress(NoMatches):  # torn down meanwhile
            await self._read()

    async def _read(self) -> None:
        self._drawn_version = self.core.state_version
        manager = self.core.incidents
        if manager is None:
            self.notify("the state store is not open", severity="error")
            return
        try:
            incident = await manager.get(self.incident_id)
            events = await manager.timeline(self.incident_id)
        except Exception as exc:  # noqa: BLE001 - shown, not raised
            self.notify(f"cannot read incident #{self.incident_id}: {exc}", severity="error")
            return
        if incident is None:
            self.notify(f"there is no incident #{self.incident_id}", severity="error")
            return
        now = self.core.clock.now()
        start = incident.opened_at
        chart: tuple[list[float], list[float]] = ([], [])
        if incident.metric:
            end = min(now, start + CHART_AFTER)
            chart = self.core.monitor.store.window(incident.metric, end - (start - CHART_BEFORE), until=end)
        deploys = [(at, v) for at, v in self.core.monitor.deploys if start - DEPLOYS_BEFORE <= at <= start]
        remaining = manager.sla_remaining(incident, now)
        self.data = DetailData(
            contacts=contacts_for(self.core.config.contacts, incident),
            actions=[action.name for action in actions_for(self.core.config.actions, incident)],
            incident=incident,
            events=events,
            runbook=self.runbooks.markdown(incident.runbook, incident.rule),
            now=now,
            sla=sla_text(remaining, incident.acknowledged_at is not None),
            tz=zone(self.core.config.timezone),
            chart=chart,
            deploys=deploys,
        )
        self.query_one(IncidentDetail).show(self.data)

    def action_acknowledge(self) -> None:
        self._acknowledge()

    @work(group="detail-action", exit_on_error=False)
    async def _acknowledge(self) -> None:
        await acknowledge(self, self.incident_id)
        self.load()

    def action_resolve(self) -> None:
        if self.data is not None:
            ask_resolve(self, self.data.incident, lambda _: self.load())

    def action_snooze(self) -> None:
        if self.data is not None:
            ask_snooze(self, self.data.incident)

    def action_note(self) -> None:
        if self.data is not None:
            ask_note(self, self.data.incident, after=lambda: self.load())

    def action_milestone(self) -> None:
        if self.data is not None:
            ask_milestone(self, self.data.incident, after=lambda: self.load())

    def action_actions(self) -> None:
        if self.data is not None:
            ask_action(self, self.data.incident, after=lambda: self.load())

    def action_update(self) -> None:
        if self.data is not None:
            ask_update(self, self.data.incident, after=lambda: self.load())

    def action_escalate(self) -> None:
        if self.data is not None:
            escalate(self, self.data.incident, lambda _: self.load())

    def action_unacknowledge(self) -> None:
        if self.data is not None:
            unacknowledge(self, self.data.incident, lambda _: self.load())

    def action_reassign(self) -> None:
        if self.data is not None:
            ask_reassign(self, self.data.incident, lambda _: self.load())

    def action_report(self) -> None:
        self.write_report()

    @work(group="detail-action", exit_on_error=False)
    async def write_report(self) -> None:
        """Render the review from a fresh read of the timeline and write it beside the state file."""
        manager = self.core.incidents
        if manager is None:
            return
        try:
            incident = await manager.get(self.incident_id)
            events = await manager.timeline(self.incident_id)
            if incident is None:
                raise LookupError(f"there is no incident #{self.incident_id}")
            path = review_path(self.core.state_settings.resolved_path(), incident.id)
            charts = await self.core.review_charts(incident)
            write_atomically(path, render_review(incident, events, zone(self.core.config.timezone), charts))
        except Exception as exc:  # noqa: BLE001 - shown, not raised
            self.notify(f"review not written: {exc}", severity="error")
            return
        self.last_report = path
        self.notify(f"review written to {path}", title="post-incident review", timeout=8)
