"""The checklist on a fake clock and a real state file: due, overdue, ticks, skips, undo, auto, windows."""

from __future__ import annotations

import pytest

from opstui.checklist.board import AUTO_ACTOR, UnknownTask
from opstui.checklist.model import Outcome, TaskStatus
from opstui.clock import FakeClock
from opstui.state import SqliteState, TickKind
from tests.checklist.conftest import LAUNCH, Build, Live, at

FIVE = [{"title": "Check /api/health endpoint status", "every": "5m", "grace": "1m"}]
HEALTH = "check-api-health-endpoint-status"


async def status(checklist, task_id: str = HEALTH) -> TaskStatus:  # type: ignore[no-untyped-def]
    await checklist.refresh()
    return checklist.view(task_id).status  # type: ignore[no-any-return]


async def test_a_5_minute_task_is_due_at_t_plus_5m_and_overdue_after_its_grace(build: Build, clock: FakeClock) -> None:
    checklist = build(FIVE)
    assert await status(checklist) is TaskStatus.UPCOMING
    clock.set(LAUNCH + 299)
    assert await status(checklist) is TaskStatus.DUE_SOON
    clock.set(LAUNCH + 300)
    assert await status(checklist) is TaskStatus.DUE
    assert checklist.view(HEALTH).due_at == LAUNCH + 300
    clock.set(LAUNCH + 359)
    assert await status(checklist) is TaskStatus.DUE
    assert checklist.overdue == 0
    clock.set(LAUNCH + 360)
    assert await status(checklist) is TaskStatus.OVERDUE
    assert checklist.overdue == 1
    clock.set(LAUNCH + 400)
    await checklist.refresh()
    assert checklist.view(HEALTH).overdue_by == 40


async def test_a_tick_is_done_until_the_next_period_and_survives_a_restart(
    build: Build, clock: FakeClock, state: SqliteState
) -> None:
    checklist = build(FIVE)
    clock.set(LAUNCH + 330)
    await checklist.refresh()
    tick = await checklist.tick(HEALTH)
    assert tick.id > 0 and tick.period_start == LAUNCH + 300 and tick.actor == "alice" and tick.host == "oncall-box"
    assert checklist.view(HEALTH).status is TaskStatus.DONE  # shown done right after the commit
    assert await status(build(FIVE)) is TaskStatus.DONE  # a fresh checklist reads it back from the file
    clock.set(LAUNCH + 600)
    assert await status(checklist) is TaskStatus.DUE


async def test_a_tick_while_due_soon_counts_for_the_coming_period(build: Build, clock: FakeClock) -> None:
    checklist = build(FIVE)
    clock.set(LAUNCH + 290)
    await checklist.refresh()
    tick = await checklist.tick(HEALTH)
    assert tick.period_start == LAUNCH + 300
    clock.set(LAUNCH + 310)
    assert await status(checklist) is TaskStatus.DONE


async def test_ticks_from_another_console_appear_on_the_next_refresh(
    build: Build, clock: FakeClock, state: SqliteState, db_path: object
) -> None:
    async with SqliteState(db_path, clock) as other_store:  # type: ignore[arg-type]
        mine, theirs = build(FIVE), build(FIVE, operator="bob", store=other_store)
        clock.set(LAUNCH + 310)
        await theirs.refresh()
        await theirs.tick(HEALTH)
        assert await status(mine) is TaskStatus.DONE
        assert mine.view(HEALTH).last is not None and mine.view(HEALTH).last.actor == "bob"  # type: ignore[union-attr]


async def test_the_tick_records_the_linked_metric_value(build: Build, clock: FakeClock, live: Live) -> None:
    checklist = build([{"title": "Check p95", "every": "30m", "metric": "latency_p95"}])
    live.metrics["latency_p95"] = 420.0
    clock.set(LAUNCH + 1800)
    await checklist.refresh()
    assert checklist.view("check-p95").live == "latency_p95 420"
    tick = await checklist.tick("check-p95")
    assert tick.value == "latency_p95 420"


async def test_undo_makes_the_task_due_again_and_keeps_the_audit_trail(
    build: Build, clock: FakeClock, state: SqliteState
) -> None:
    checklist = build(FIVE)
    clock.set(LAUNCH + 310)
    await checklist.refresh()
    await checklist.tick(HEALTH)
    clock.advance(5)
    undone = await checklist.undo()
    assert undone is not None and undone.task_id == HEALTH
    assert checklist.view(HEALTH).status is TaskStatus.DUE
    assert await checklist.undo() is None  # nothing of alice's left to undo
    assert await state.last_tick(HEALTH) is None


async def test_skip_holds_for_this_period_only_with_its_reason(build: Build, clock: FakeClock) -> None:
    checklist = build(FIVE)
    clock.set(LAUNCH + 400)
    await checklist.refresh()
    tick = await checklist.skip(HEALTH, "api under planned maintenance")
    assert tick.kind is TickKind.SKIP and tick.note == "api under planned maintenance"
    assert checklist.view(HEALTH).status is TaskStatus.SKIPPED
    assert checklist.overdue == 0
    clock.set(LAUNCH + 600)
    assert await status(checklist) is TaskStatus.DUE


async def test_a_note_does_not_change_the_status(build: Build, clock: FakeClock) -> None:
    checklist = build(FIVE)
    clock.set(LAUNCH + 310)
    await checklist.refresh()
    await checklist.note(HEALTH, "502s from one pod, watching")
    view = checklist.view(HEALTH)
    assert view.status is TaskStatus.DUE and view.last_note is not None
    assert view.last_note.note == "502s from one pod, watching"


async def test_unknown_task_is_a_clear_error(build: Build) -> None:
    with pytest.raises(UnknownTask, match="no checklist task 'nope'"):
        await build(FIVE).tick("nope")


async def test_a_daily_task_resets_at_the_configured_hour_in_the_zone_across_dst(
    build: Build, clock: FakeClock
) -> None:
    launch = at("2026-10-23 12:00", "Europe/Berlin")
    clock.set(launch)
    checklist = build(
        [{"title": "Review revenue", "every": "daily", "at": "09:00"}], timezone="Europe/Berlin", launch_at=launch
    )
    clock.set(at("2026-10-24 09:30", "Europe/Berlin"))  # 07:30 UTC, summer time
    assert await status(checklist, "review-revenue") is TaskStatus.DUE
    await checklist.tick("review-revenue")
    # The night of the 25th the clocks go back: 09:00 local is now 08:00 UTC, no longer 07:00.
    clock.set(at("2026-10-25 07:30"))
    assert await status(checklist, "review-revenue") is TaskStatus.DUE_SOON
    clock.set(at("2026-10-25 08:00"))
    assert await status(checklist, "review-revenue") is TaskStatus.DUE
    assert checklist.view("review-revenue").due_at == at("2026-10-25 09:00", "Europe/Berlin")
    clock.set(at("2026-10-25 12:59", "Europe/Berlin"))  # default grace for daily: 4h
    assert await status(checklist, "review-revenue") is TaskStatus.DUE
    clock.set(at("2026-10-25 13:00", "Europe/Berlin"))
    assert await status(checklist, "review-revenue") is TaskStatus.OVERDUE


async def test_the_48_hour_group_closes_at_t_plus_48h_and_says_complete(build: Build, clock: FakeClock) -> None:
    checklist = build(
        [
            {"title": "Check health", "every": "5m", "group": "First 48 hours", "first": "48h"},
            {"title": "Weekly review", "every": "weekly", "group": "Weekly"},
        ]
    )
    clock.set(LAUNCH + 48 * 3600 - 1)
    assert await status(checklist, "check-health") is TaskStatus.OVERDUE
    first = checklist.progress()[0]
    assert first.group == "First 48 hours" and not first.complete and first.total == 1
    clock.set(LAUNCH + 48 * 3600)
    assert await status(checklist, "check-health") is TaskStatus.INACTIVE
    first, weekly = checklist.progress()
    assert first.complete and first.label == "First 48 hours: complete"
    assert not weekly.complete and weekly.label == "Weekly: 0/1"
    assert checklist.overdue == (1 if checklist.view("weekly-review").status is TaskStatus.OVERDUE else 0)


async def test_nothing_is_active_before_launch(build: Build, clock: FakeClock) -> None:
    checklist = build(FIVE, launch_at=LAUNCH + 3600)
    assert await status(checklist) is TaskStatus.INACTIVE


async def test_cron_tasks_come_due_on_their_schedule(build: Build, clock: FakeClock) -> None:
    clock.set(at("2026-09-25 17:50"))  # a Friday
    checklist = build(
        [{"title": "Standup check", "cron": "0 9 * * mon-fri", "grace": "30m"}], launch_at=at("2026-09-25 17:50")
    )
    assert await status(checklist, "standup-check") is TaskStatus.UPCOMING
    assert checklist.view("standup-check").due_at == at("2026-09-28 09:00")
    clock.set(at("2026-09-28 09:10"))
    assert await status(checklist, "standup-check") is TaskStatus.DUE
    clock.set(at("2026-09-28 09:30"))
    assert await status(checklist, "standup-check") is TaskStatus.OVERDUE


async def test_auto_ticks_when_the_condition_holds_while_due(build: Build, clock: FakeClock, live: Live) -> None:
    checklist = build([{"title": "Health", "every": "5m", "check": "api", "auto": "api is up and error_rate < 1"}])
    live.states["api"] = "up"
    live.metrics["error_rate"] = 0.4
    await checklist.refresh()
    assert checklist.view("health").status is TaskStatus.UPCOMING  # not due yet: nothing to tick
    clock.set(LAUNCH + 300)
    await checklist.refresh()
    view = checklist.view("health")
    assert view.status is TaskStatus.DONE
    assert view.last is not None and view.last.actor == AUTO_ACTOR
    assert view.last.value == "api up, error_rate 0.4"
    assert view.last.note == "auto: api is up and error_rate < 1"
    live.states["api"] = "down"
    clock.set(LAUNCH + 600)
    await checklist.refresh()
    assert checklist.view("health").status is TaskStatus.DUE  # the console does not tick what it did not see
    assert checklist.view("health").live == "api down"


async def test_auto_ticks_are_not_undone_by_the_operator(build: Build, clock: FakeClock, live: Live) -> None:
    checklist = build([{"title": "Health", "every": "5m", "auto": "api is up"}])
    live.states["api"] = "up"
    clock.set(LAUNCH + 300)
    await checklist.refresh()
    assert await checklist.undo() is None
    assert checklist.view("health").status is TaskStatus.DONE


async def test_views_put_overdue_first_most_overdue_on_top(build: Build, clock: FakeClock) -> None:
    checklist = build(
        [
            {"title": "Weekly", "every": "weekly"},
            {"title": "Fifteen", "every": "15m", "grace": "90s"},
            {"title": "Five", "every": "5m", "grace": "1m"},
        ]
    )
    clock.set(LAUNCH + 17 * 60)
    await checklist.refresh()
    assert [v.task.id for v in checklist.views] == ["five", "fifteen", "weekly"]
    assert [v.status for v in checklist.views][:2] == [TaskStatus.OVERDUE, TaskStatus.OVERDUE]


async def test_the_timeline_says_on_time_late_missed(build: Build, clock: FakeClock) -> None:
    checklist = build(FIVE)
    clock.set(LAUNCH + 310)  # period 1: on time
    await checklist.refresh()
    await checklist.tick(HEALTH)
    clock.set(LAUNCH + 690)  # period 2 (due 600, deadline 660): late
    await checklist.refresh()
    await checklist.tick(HEALTH)
    clock.set(LAUNCH + 1250)  # period 3 missed; period 4 (1200) still open
    await checklist.refresh()
    outcomes = [entry.outcome for entry in checklist.timeline()]
    assert outcomes == [Outcome.ON_TIME, Outcome.LATE, Outcome.MISSED, Outcome.OPEN]
