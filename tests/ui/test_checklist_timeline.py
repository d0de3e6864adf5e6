"""The Checklist screen's 48-hour timeline (the selected task's occurrences: on time / late / missed /
due / to come, binned worst-wins on a narrow pane) and its fit at 80x24 and 160x48."""

from __future__ import annotations

from collections import Counter

from opstui.checklist.model import Outcome, Task, TimelineEntry
from opstui.clock import FakeClock
from opstui.core import Core
from opstui.ui.widgets.checklist_progress import GroupBar, timeline_text
from opstui.ui.widgets.checklist_table import short_cadence, table_layout
from opstui.ui.widgets.checklist_timeline import Mark, TaskTimeline, axis_text, bin_for, task_strip
from tests.ui.conftest import LAUNCH, make_app
from tests.ui.test_checklist import SIZE, open_checklist, settle

MINUTE = 60.0


def five_minute_task(core: Core) -> Task:
    assert core.checklist is not None
    return next(task for task in core.checklist.tasks if task.cadence.period == 5 * MINUTE)


async def test_the_strip_shows_on_time_late_missed_and_due_for_ticks_at_known_times(
    core: Core, clock: FakeClock
) -> None:
    """Launch was 135 min ago, so the 5-minute check is due now (its 27th occurrence) and the 26 before
    it were missed. Ticked at once: on time; the next one ticked 3 min after it came due (grace 1 min):
    late; the one after never: missed; the one due 30 s ago: still due (open)."""
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        table = await open_checklist(app, pilot)
        checklist = core.checklist
        assert checklist is not None
        task = five_minute_task(core)
        await checklist.tick(task.id)  # T+135m, the occurrence due now: on time
        clock.advance(8 * MINUTE)
        await checklist.tick(task.id)  # T+143m, the T+140m occurrence: late
        clock.advance(7.5 * MINUTE)  # T+150.5m: T+145m missed, T+150m due within its grace
        await core.refresh_checklist()
        await pilot.press(*["k"] * 50)
        while table.selected_id != task.id:
            await pilot.press("j")
        app.tick()
        await settle(app, pilot)

        pane = app.screen.query_one(TaskTimeline)
        strip = pane.strip
        assert pane.task_id == task.id and strip is not None
        assert strip.counts == Counter({Outcome.MISSED: 27, Outcome.ON_TIME: 1, Outcome.LATE: 1, Outcome.OPEN: 1})
        assert strip.since_launch and strip.start == LAUNCH
        # 120 columns: 30-minute cells of six checks each, the worst shown.
        assert strip.bin == 30 * MINUTE and strip.binned and len(strip.marks) == 96
        assert strip.marks[4] is Mark.MISSED  # T+120..150m: missed beside the on-time and late ones
        assert strip.marks[5] is Mark.OPEN  # T+150..180m: due now, the rest to come
        assert strip.now_index == 5
        assert set(strip.marks[6:]) == {Mark.UPCOMING}

        # One cell per occurrence when the pane is wide enough: exactly what happened, in order.
        exact = task_strip(task, checklist.timeline(), checklist.launch_at, clock.now(), 576)
        assert exact.bin == 5 * MINUTE and not exact.binned
        assert exact.marks[0] is Mark.EMPTY and exact.marks[1:27] == (Mark.MISSED,) * 26  # first due at T+5m
        assert exact.marks[27:32] == (Mark.ON_TIME, Mark.LATE, Mark.MISSED, Mark.OPEN, Mark.UPCOMING)


async def test_moving_the_cursor_changes_the_timelines_task(core: Core) -> None:
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        table = await open_checklist(app, pilot)
        pane = app.screen.query_one(TaskTimeline)
        first = table.selected_id
        assert first is not None and pane.task_id == first
        await pilot.press("j")
        await pilot.pause()
        assert table.selected_id != first and pane.task_id == table.selected_id
        assert pane.strip is not None and pane.strip.task_id == table.selected_id


def entry(task_id: str, due_at: float, outcome: Outcome) -> TimelineEntry:
    return TimelineEntry(task_id, due_at, due_at + 60, outcome)


async def test_a_shared_cell_shows_the_worst_and_the_pane_says_so(core: Core) -> None:
    app = make_app(core)
    async with app.run_test(size=SIZE) as pilot:
        await open_checklist(app, pilot)
        task = five_minute_task(core)
        entries = [
            entry(task.id, LAUNCH + 5 * MINUTE, Outcome.ON_TIME),
            entry(task.id, LAUNCH + 10 * MINUTE, Outcome.LATE),
            entry("other", LAUNCH + 15 * MINUTE, Outcome.MISSED),
        ]
        strip = task_strip(task, entries, LAUNCH, LAUNCH + 12 * MINUTE, 78)
        assert strip.bin == 40 * MINUTE and strip.marks[0] is Mark.LATE  # another task's miss is not this one's
        assert strip.counts == Counter({Outcome.ON_TIME: 1, Outcome.LATE: 1})


def test_the_axis_reads_t_plus_during_the_first_48_hours_and_hours_ago_after() -> None:
    from zoneinfo import ZoneInfo

    from opstui.checklist.cadence import make_cadence

    cadence = make_cadence(every="1h", cron=None, at=None, on=None, day=None, zone=ZoneInfo("UTC"), anchor=LAUNCH)
    task = Task("t", "Hourly thing", "Daily", cadence, grace=600.0, soon=600.0, window=None)
    early = task_strip(task, [], LAUNCH, LAUNCH + 3600 * 5, 78)
    axis = axis_text(early)
    assert axis.startswith("T+0") and axis.endswith("T+48h") and "T+24h" in axis
    late = task_strip(task, [], LAUNCH, LAUNCH + 3600 * 100, 78)
    assert not late.since_launch and len(late.marks) <= 78
    axis = axis_text(late)
    assert axis.startswith("48h ago") and axis.endswith("now") and "-24h" in axis
    assert bin_for(78) == 40 * MINUTE and bin_for(158) == 20 * MINUTE


def test_the_48h_line_counts_per_group() -> None:
    entries = [entry("a", 1, Outcome.ON_TIME), entry("a", 2, Outcome.MISSED), entry("b", 3, Outcome.LATE)]
    line = timeline_text(entries, {"a": "First 48 hours", "b": "Daily", "c": "Weekly"})
    assert line == "last 48h  First 48 hours ✓1 ✖1 · Daily ▲1 · Weekly —"


def test_short_cadences_and_the_narrow_layout() -> None:
    assert [
        short_cadence(t) for t in ("every 5m", "hourly", "daily 09:00", "weekly mon 09:00", "monthly 1st 09:00")
    ] == ["5m", "1h", "daily 09:00", "mon 09:00", "1st 09:00"]
    narrow, wide = table_layout(80), table_layout(160)
    assert [key for key, _ in narrow.columns] == ["status", "task", "due", "cadence", "last"]
    assert [key for key, _ in wide.columns][-1] == "live"
    assert wide.title_width > narrow.title_width >= 20


async def test_80x24_nothing_scrolls_sideways_and_labels_fit(core: Core) -> None:
    app = make_app(core)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_checklist(app, pilot)
        app.tick()
        await pilot.pause()
        assert table.columns_shown == ["status", "task", "due", "cadence", "last"]
        assert table.virtual_size.width <= table.scrollable_content_region.width  # no sideways scroll
        assert table.size.height >= 8
        for bar in app.screen.query(GroupBar):
            label = bar.query_one(".group-label")
            assert label.content_region.width >= len(str(label.render()))  # type: ignore[attr-defined]
        pane = app.screen.query_one(TaskTimeline)
        assert pane.strip is not None and len(pane.strip.marks) <= pane.content_region.width


async def test_160x48_shows_every_column(core: Core) -> None:
    app = make_app(core)
    async with app.run_test(size=(160, 48)) as pilot:
        table = await open_checklist(app, pilot)
        assert table.columns_shown[-1] == "live"
        pane = app.screen.query_one(TaskTimeline)
        assert pane.strip is not None and pane.strip.bin == 20 * MINUTE
