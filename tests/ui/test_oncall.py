"""The On-call screen: an incident appears, `a` acknowledges it durably, `r` resolves after a
confirmation, `n` notes, `s` snoozes, `m` marks a milestone, `enter` shows the runbook, `p` writes
the review; keys are dimmed with nothing selected and failures are notified, not raised."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from textual.message import Message
from textual.notifications import Notification, Notify
from textual.pilot import Pilot
from textual.widgets import Markdown, Static, TabbedContent

from opstui.alerts.model import AlertState, AlertTransition, Severity
from opstui.clock import FakeClock
from opstui.config.models import Config
from opstui.core import Core
from opstui.incidents.model import EventKind, IncidentState, Milestone
from opstui.ui.app import OpstuiApp
from opstui.ui.messages import StateChanged
from opstui.ui.screens.oncall import IncidentDetailScreen, OnCallScreen
from opstui.ui.widgets.incident_modals import ConfirmModal, MilestoneModal, SnoozeModal, TextModal
from opstui.ui.widgets.incident_table import IncidentTable
from opstui.ui.widgets.line_chart import LineChart
from tests.ui.conftest import feed, make_app

SIZE = (120, 36)


async def fire(
    core: Core,
    rule: str = "High Error Rate",
    severity: Severity = Severity.P1,
    runbook: str | None = "high-error-rate",
    at_offset: float = 0.0,
) -> int:
    """Open an incident exactly as the alert loop does; returns its id."""
    assert core.incidents is not None and core.state is not None
    transition = AlertTransition(
        rule=rule,
        fingerprint=f"{rule}|",
        state=AlertState.FIRING,
        severity=severity,
        at=core.clock.now() + at_offset,
        value=6.2,
        summary=f"{rule}: 6.2% for 5 minutes",
        runbook=runbook,
        metric="error_rate",
    )
    await core.incidents.on_transitions([transition])
    incident = await core.state.latest_incident(f"{rule}|")
    assert incident is not None
    return incident.id


async def settle(app: OpstuiApp, pilot: Pilot[int]) -> None:
    """Let every worker finish (state store calls run on a thread) and the screen repaint."""
    await app.workers.wait_for_complete()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def show_oncall(app: OpstuiApp, pilot: Pilot[int]) -> IncidentTable:
    await pilot.press("2")
    await settle(app, pilot)
    assert isinstance(app.screen, OnCallScreen)
    return app.screen.query_one(IncidentTable)


@asynccontextmanager
async def on_call_with_an_incident(
    core: Core, size: tuple[int, int] = SIZE
) -> AsyncIterator[tuple[OpstuiApp, Pilot[int], Notices, int]]:
    """The app on the On-call screen with one P1 fired as the alert loop fires it, its notifications collected:
    ``async with on_call_with_an_incident(core) as (app, pilot, notices, incident_id)``."""
    notices = Notices()
    app = make_app(core)
    async with app.run_test(size=size, message_hook=notices) as pilot:
        incident_id = await fire(core)
        await show_oncall(app, pilot)
        yield app, pilot, notices, incident_id


def column(table: IncidentTable, key: str) -> list[str]:
    return [str(table.get_cell(row_key, key)) for row_key in table.rows]


class Notices:
    """Collects the notifications the app posts (Textual's public Notify message)."""

    def __init__(self) -> None:
        self.seen: list[Notification] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, Notify):
            self.seen.append(message.notification)

    def errors(self) -> list[str]:
        return [n.message for n in self.seen if n.severity == "error"]

    def texts(self) -> list[str]:
        return [n.message for n in self.seen]


async def test_incident_listed_and_acknowledged_durably(
    core: Core, ui_config: Config, clock: FakeClock, tmp_path: Path
) -> None:
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        incident_id = await fire(core)
        table = await show_oncall(app, pilot)
        assert column(table, "title") == ["High Error Rate"]
        assert column(table, "state") == ["triggered"]
        assert column(table, "sla") == ["1h00m"]
        await pilot.press("a")
        await settle(app, pilot)
        assert column(table, "state") == ["acknowledged"]
        assert table.columns["state"].content_width >= len("acknowledged"), "the longer state is not cut"
        assert column(table, "ack") == [core.operator]
        assert core.state is not None
        stored = await core.state.get_incident(incident_id)
        assert stored is not None and stored.state is IncidentState.ACKNOWLEDGED
        assert stored.acknowledged_by == core.operator

    # A new console on the same state file shows the acknowledgement.
    again = Core(ui_config, clock, state_path=str(tmp_path / "state.db"))
    app2 = make_app(again)
    async with app2.run_test(size=SIZE) as pilot:
        table = await show_oncall(app2, pilot)
        assert column(table, "state") == ["acknowledged"]
        assert column(table, "ack") == [core.operator]


async def test_urgency_order_and_breached_sla(core: Core, clock: FakeClock) -> None:
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        p2 = await fire(core, "Elevated Error Rate", Severity.P2)
        p0 = await fire(core, "Payment System Down", Severity.P0, runbook="payment-system-down")
        p1 = await fire(core, "Slow Response Time", Severity.P1)
        assert core.incidents is not None
        await core.incidents.acknowledge(p1)
        table = await show_oncall(app, pilot)
        assert [int(i) for i in column(table, "id")] == [p0, p2, p1]
        clock.advance(16 * 60)
        app.tick()
        await settle(app, pilot)
        assert column(table, "sla")[0] == "late 1m00s"
        assert column(table, "sla")[2] == "met"


async def test_keys_are_dimmed_without_a_selected_incident(core: Core) -> None:
    notices = Notices()
    app = make_app(core)
    async with app.run_test(size=SIZE, message_hook=notices) as pilot:
        await show_oncall(app, pilot)
        screen = app.screen
        for action in ("acknowledge", "resolve", "note", "milestone", "snooze", "detail"):
            assert screen.check_action(action, ()) is None
        await pilot.press("a", "r", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, OnCallScreen)
        assert notices.errors() == []
        await fire(core)
        app.tick()
        await settle(app, pilot)
        assert screen.check_action("acknowledge", ()) is True
        assert "No open" not in str(screen.query_one("#oncall-status").render())


async def test_resolve_asks_first(core: Core) -> None:
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        incident_id = await fire(core)
        table = await show_oncall(app, pilot)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        await settle(app, pilot)
        assert column(table, "state") == ["triggered"]
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        assert isinstance(app.screen, OnCallScreen)
        assert column(table, "id") == []
        assert core.incidents is not None
        stored = await core.incidents.get(incident_id)
        assert stored is not None and stored.state is IncidentState.RESOLVED
        assert stored.resolved_by == core.operator


async def test_note_milestone_and_snooze(core: Core) -> None:
    async with on_call_with_an_incident(core) as (app, pilot, notices, incident_id):
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, TextModal)
        await pilot.press(*"deploy v2 doubled errors", "enter")
        await settle(app, pilot)
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, MilestoneModal)
        await pilot.press("down", "enter")  # the second: fix deployed
        await settle(app, pilot)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SnoozeModal)
        await pilot.press("enter", *"known, rollback running", "enter")  # keeps the default 1h
        await settle(app, pilot)
        assert isinstance(app.screen, OnCallScreen)
        assert core.incidents is not None
        events = await core.incidents.timeline(incident_id)
        note = next(e for e in events if e.kind is EventKind.NOTE)
        assert note.text == "deploy v2 doubled errors" and note.actor == core.operator
        assert any(e.milestone is Milestone.FIX_DEPLOYED for e in events)
        [silence] = await core.incidents.silences()
        assert silence.matcher == "High Error Rate" and silence.reason == "known, rollback running"
        assert silence.until - silence.created_at == 3600
        assert notices.errors() == []
        assert any("snoozed" in text for text in notices.texts())


async def test_failed_action_is_notified_not_raised(core: Core) -> None:
    notices = Notices()
    app = make_app(core)
    async with app.run_test(size=SIZE, message_hook=notices) as pilot:
        incident_id = await fire(core)
        table = await show_oncall(app, pilot)
        assert core.incidents is not None
        # Someone else resolves it (another console, or `opstui resolve`) before our `a` lands.
        await core.incidents.resolve(incident_id, by="bob")
        await pilot.press("a")
        await settle(app, pilot)
        [lost] = notices.errors()  # who was first, and when (HH:MM in the console's zone)
        assert lost.startswith(f"incident #{incident_id} is already resolved by bob at ")
        assert isinstance(app.screen, OnCallScreen)
        app.tick()
        await settle(app, pilot)
        assert column(table, "id") == []


async def test_detail_shows_runbook_timeline_and_writes_the_review(core: Core, tmp_path: Path) -> None:
    feed(core, {"error_rate": 6.2})
    async with on_call_with_an_incident(core, size=(80, 24)) as (app, pilot, notices, incident_id):
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, IncidentDetailScreen)
        runbook = screen.query_one("#detail-runbook", Markdown).source
        assert "Check error logs for common patterns" in runbook
        assert screen.data is not None
        assert [e.kind for e in screen.data.events] == [EventKind.TRIGGERED]
        assert screen.data.deploys and screen.data.deploys[0][1] == "v1.4.2"
        assert len(screen.data.chart[1]) > 100, "the metric's history before the start"
        screen.query_one("#detail-tabs", TabbedContent).active = "tab-chart"
        await settle(app, pilot)
        chart = screen.query_one("#detail-chart", LineChart).text.splitlines()
        assert chart[0].startswith("━ error_rate") and chart[1].startswith("10┤")  # 6.2 % on a 0-10 scale
        assert sum(line.endswith("│") for line in chart[1:-1]) >= 8, "the start marked at 0, the right edge"
        assert chart[-1].split()[-1] == "0"
        await pilot.press("p")
        await settle(app, pilot)
        expected = tmp_path / "reviews" / f"incident-{incident_id}-review.md"
        assert screen.last_report == expected
        review = expected.read_text()
        assert "### Incident Summary" in review
        # The metrics around it, from the history on disk (flushed for the review): error_rate first.
        charts = review.split("### Metrics around the incident", 1)[1].split("###", 1)[0]
        assert charts.split("```text\n", 1)[1].startswith("error_rate (min ")
        assert any(str(expected) in text for text in notices.texts())
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, OnCallScreen)


async def test_unknown_runbook_is_a_clear_text(core: Core) -> None:
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        await fire(core, "Disk Full", Severity.P2, runbook="disk-full")
        await show_oncall(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert "No runbook 'disk-full'" in app.screen.query_one("#detail-runbook", Markdown).source


async def test_recent_deploys_and_critical_errors_under_the_list(core: Core, clock: FakeClock) -> None:
    feed(core)
    app = make_app(core)
    async with app.run_test(size=(80, 24)) as pilot:
        await show_oncall(app, pilot)
        deploys = str(app.screen.query_one("#feed-deploys", Static).render())
        errors = str(app.screen.query_one("#feed-errors", Static).render())
        assert "v1.4.2  10m00s ago" in deploys
        assert "app: payment gateway 502" in errors
        clock.advance(11 * 60)  # the error is now older than 15 minutes
        app.tick()
        await settle(app, pilot)
        assert "none in the last 15 minutes" in str(app.screen.query_one("#feed-errors", Static).render())


async def test_open_detail_follows_changes_made_elsewhere(core: Core) -> None:
    """A note added by another console (here: straight through the core) reaches an open detail view when
    the shared state moves, without leaving and re-entering it."""
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        incident_id = await fire(core)
        await show_oncall(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, IncidentDetailScreen) and screen.data is not None
        assert [e.kind for e in screen.data.events] == [EventKind.TRIGGERED]
        assert core.incidents is not None
        await core.incidents.add_note(incident_id, "rolled back v1.4.2", by="bob")
        core.note_change()  # what the change feed does when the note's row is committed
        app.tick()
        await settle(app, pilot)
        assert [e.kind for e in screen.data.events] == [EventKind.TRIGGERED, EventKind.NOTE]
        assert screen.data.events[-1].actor == "bob"


async def test_a_change_reaches_the_screen_in_front_as_one_message(core: Core) -> None:
    """The core's change signal becomes one ``StateChanged`` message (not a shared flag), and the screen in
    front redraws on it: no ``app.tick()`` here."""
    seen: list[int] = []

    def hook(message: Message) -> None:
        if isinstance(message, StateChanged):
            seen.append(message.version)

    app = make_app(core)
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        incident_id = await fire(core)
        await show_oncall(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, IncidentDetailScreen) and screen.data is not None
        assert core.incidents is not None
        await core.incidents.add_note(incident_id, "failed over to the replica", by="bob")
        seen.clear()
        core.note_change()
        await settle(app, pilot)
        assert seen == [core.state_version]
        assert [e.kind for e in screen.data.events] == [EventKind.TRIGGERED, EventKind.NOTE]
