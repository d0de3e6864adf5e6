"""One incident in full: what it is, its runbook, its timeline, its metric around the start, the
deploys just before it. The detail screen gathers a :class:`DetailData` (from the state store, the
runbook library and the metric store) and this widget only shows it, in tabs so it reads at 80x24.
Every text from the state store or a runbook goes through :func:`~opstui.sanitize.clean` and into Rich ``Text``
(never markup): a title or a note may carry whatever its writer typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Markdown, Static, TabbedContent, TabPane

from opstui.config.actions import Contact
from opstui.config.durations import format_duration
from opstui.incidents.model import EventKind, Incident, IncidentEvent
from opstui.sanitize import clean
from opstui.ui.widgets.line_chart import LineChart, Series

CHART_BEFORE = 30 * 60.0
"""The chart starts this long before the incident opened (the run-up is what explains it)."""
CHART_AFTER = 15 * 60.0
"""... and ends this long after (or now, if sooner)."""
DEPLOYS_BEFORE = 2 * 3600.0
"""The seed's diagnosis step: "Review recent deployments (within last 2 hours)"."""


@dataclass(frozen=True, slots=True)
class DetailData:
    """Everything the detail view shows, gathered once by the screen."""

    incident: Incident
    events: list[IncidentEvent]
    runbook: str
    """Markdown (a runbook, or the clear 'no runbook' text)."""
    now: float
    sla: str
    tz: tzinfo
    chart: tuple[list[float], list[float]] = field(default_factory=lambda: ([], []))
    """(times, values) of the incident's metric from CHART_BEFORE before the start."""
    deploys: list[tuple[float, str]] = field(default_factory=list)
    """(time, version) of the deploys in the DEPLOYS_BEFORE before the start."""
    contacts: list[Contact] = field(default_factory=list)
    """Who to call about it (``contacts:`` that name its rule or runbook, then the general ones)."""
    actions: list[str] = field(default_factory=list)
    """The names of the runbook actions ``!`` offers on it."""


DETAIL_KEYS = "! actions  n note  m milestone  s snooze  p review  E escalate  U unack  R reassign"
"""The detail's keys the footer has no room for at 80 columns, named under the summary."""


def act_block(data: DetailData) -> Text:
    """Above the runbook: the actions ``!`` offers and who to call, so what to do and whom to ask read together."""
    text = Text("Actions (!) ", style="bold")
    text.append(clean(", ".join(data.actions)) if data.actions else "none configured (actions: in the config)")
    if data.contacts:
        text.append("\nContacts\n", style="bold")
        text.append_text(contact_lines(data.contacts))
    return text


def contact_lines(contacts: list[Contact]) -> Text:
    """One line per contact: who, what for, how to reach them, where."""
    text = Text()
    for contact in contacts:
        if text:
            text.append("\n")
        text.append(clean(contact.provider), style="bold")
        for part in (contact.covers, contact.reach, contact.url):
            if part:
                text.append(clean(f"  {part}"))
    return text


def clock_time(at: float, tz: tzinfo, day_of: float | None = None) -> str:
    moment = datetime.fromtimestamp(at, tz)
    if day_of is not None and moment.date() == datetime.fromtimestamp(day_of, tz).date():
        return moment.strftime("%H:%M:%S")
    return moment.strftime("%Y-%m-%d %H:%M")


def event_line(event: IncidentEvent, tz: tzinfo, day_of: float) -> Text:
    kind = event.milestone.value.replace("_", " ") if event.milestone else event.kind.value.replace("_", " ")
    line = Text()
    line.append(clock_time(event.at, tz, day_of), style="bold")
    line.append(f"  {kind:<22}", style="bold" if event.kind is not EventKind.NOTE else "italic")
    first, _, rest = event.text.partition("\n")
    line.append(clean(f" {first}") if first else "")
    line.append(clean(f"  ({event.actor}@{event.host})"), style="dim")
    for more in rest.splitlines():  # an action's output: indented under its line, never markup
        line.append("\n" + " " * 10 + clean(more), style="dim")
    return line


def _before(seconds: float) -> str:
    return "at the start" if seconds < 1 else f"{format_duration(seconds)} before"


class IncidentDetail(Vertical):
    """The incident's summary line over four tabs: runbook, timeline, chart, deploys."""

    def compose(self) -> ComposeResult:
        yield Static(id="detail-summary")
        with TabbedContent(id="detail-tabs"):
            with TabPane("Runbook", id="tab-runbook"), VerticalScroll():
                yield Static(id="detail-contacts")
                yield Markdown("", id="detail-runbook")
            with TabPane("Timeline", id="tab-timeline"), VerticalScroll():
                yield Static(id="detail-timeline")
            with TabPane("Chart", id="tab-chart"):
                yield LineChart(id="detail-chart")
            with TabPane("Deploys", id="tab-deploys"), VerticalScroll():
                yield Static(id="detail-deploys")

    def show(self, data: DetailData) -> None:
        incident = data.incident
        summary = Text()
        summary.append(f"#{incident.id} {incident.severity.value} ", style="bold")
        summary.append(clean(incident.title), style="bold")
        summary.append(f"\n{incident.state.value}, alert {incident.alert_state.value}")
        summary.append(f", opened {clock_time(incident.opened_at, data.tz)}")
        summary.append(f" ({format_duration(max(0.0, data.now - incident.opened_at))} ago), SLA {data.sla}")
        if incident.acknowledged_by:
            summary.append(clean(f", acknowledged by {incident.acknowledged_by}"))
        if incident.assignee:
            summary.append(clean(f", reassigned to {incident.assignee}"))
        if incident.summary:
            summary.append("\n" + clean(incident.summary), style="italic")
        summary.append("\n")
        summary.append(DETAIL_KEYS, style="dim")
        self.query_one("#detail-summary", Static).update(summary)
        self.query_one("#detail-contacts", Static).update(act_block(data))
        self.query_one("#detail-runbook", Markdown).update(clean(data.runbook, multiline=True))
        timeline = Text("\n").join(event_line(e, data.tz, incident.opened_at) for e in data.events)
        self.query_one("#detail-timeline", Static).update(timeline or Text("nothing recorded yet"))
        self._show_deploys(data)
        self._show_chart(data)

    def _show_deploys(self, data: DetailData) -> None:
        start = data.incident.opened_at
        if not data.deploys:
            text = Text(f"no deploys in the {format_duration(DEPLOYS_BEFORE)} before it opened")
        else:
            text = Text("\n").join(
                Text(clean(f"{clock_time(at, data.tz, start)}  {version}  ({_before(start - at)})"))
                for at, version in data.deploys
            )
        self.query_one("#detail-deploys", Static).update(text)

    def _show_chart(self, data: DetailData) -> None:
        chart = self.query_one("#detail-chart", LineChart)
        metric = clean(data.incident.metric or "(no metric)")
        times, values = data.chart
        start = data.incident.opened_at
        minutes = [(t - start) / 60.0 for t in times]
        span = (min(minutes), max(max(minutes), 0.0)) if minutes else (0.0, 1.0)
        chart.plot(
            [Series(metric, "status-crit", minutes, values)],
            span,
            x_label="minutes from the start, │ start",
            markers=[0.0],
            empty=f"{metric}: no history around the start",
        )
