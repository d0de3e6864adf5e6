"""Ticks exactly once: consoles ticking the same task for the same period at the same moment record one DONE,
and every other console learns who was first. On PostgreSQL (a real race across connections) and SQLite."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from opstui.checklist.board import Checklist
from opstui.clock import FakeClock
from opstui.config.models import Config
from opstui.state import SqliteState, StateStore, Tick, TickKind, TickTaken
from opstui.state.postgres import PostgresState

PERIOD = 1_790_000_000.0 - 3600


def tick(actor: str, kind: TickKind = TickKind.DONE, task: str = "check-error-rate", at: float = PERIOD + 60) -> Tick:
    return Tick(task_id=task, period_start=PERIOD, at=at, kind=kind, actor=actor, host=f"{actor}-laptop")


async def race(stores: list[StateStore], kind: TickKind = TickKind.DONE) -> tuple[Tick, list[TickTaken]]:
    results = await asyncio.gather(
        *(store.add_tick(tick(f"eng{n}", kind)) for n, store in enumerate(stores)), return_exceptions=True
    )
    [won] = [r for r in results if isinstance(r, Tick)]
    lost = [r for r in results if isinstance(r, TickTaken)]
    assert len(lost) == len(stores) - 1, results
    return won, lost


async def test_ten_consoles_ticking_at_once_record_one_done_on_postgres(
    make_state: Callable[..., PostgresState],
) -> None:
    stores = [make_state(pool_size=1) for _ in range(10)]
    await asyncio.gather(*(store.open() for store in stores))
    try:
        won, lost = await race(list(stores))
        assert {(taken.first.id, taken.first.actor) for taken in lost} == {(won.id, won.actor)}
        assert str(lost[0]) == f"check-error-rate was already ticked by {won.actor} at 13:14"
        counted = await stores[0].ticks_since(PERIOD)
        assert [(t.kind, t.actor) for t in counted] == [(TickKind.DONE, won.actor)]
    finally:
        await asyncio.gather(*(store.close() for store in stores))


async def test_a_skip_closes_the_period_too_and_an_undo_reopens_it_on_postgres(pg_state: PostgresState) -> None:
    await pg_state.add_tick(tick("ana", TickKind.SKIP))
    with pytest.raises(TickTaken, match="already skipped by ana"):
        await pg_state.add_tick(tick("ben"))
    await pg_state.add_tick(tick("ben", TickKind.NOTE))  # notes never close a period
    await pg_state.add_tick(tick("ana", task="other-task"))  # another task's period is its own
    assert await pg_state.undo_last_tick("ana") is not None  # undoes the other task's tick (the latest)
    assert await pg_state.undo_last_tick("ana") is not None  # and now the skip
    stored = await pg_state.add_tick(tick("ben"))
    assert stored.actor == "ben"


async def test_two_consoles_on_one_sqlite_file_record_one_done(tmp_path: Path, clock: FakeClock) -> None:
    async with SqliteState(tmp_path / "state.db", clock) as first, SqliteState(tmp_path / "state.db", clock) as second:
        won, [lost] = await race([first, second])
        assert lost.first.id == won.id
        assert [t.actor for t in await first.ticks_since(PERIOD)] == [won.actor]


async def test_the_checklist_that_lost_says_who_ticked_first_and_shows_it_done(
    tmp_path: Path, clock: FakeClock
) -> None:
    config = Config.model_validate({"timezone": "Europe/Paris"})
    async with SqliteState(tmp_path / "state.db", clock) as state:
        ana = Checklist.from_config(config, clock=clock, state=state, operator="ana", launch_at=clock.now() - 600)
        ben = Checklist.from_config(config, clock=clock, state=state, operator="ben", launch_at=clock.now() - 600)
        await ana.refresh()
        await ben.refresh()
        task = ana.views[0].task.id
        await ana.tick(task)  # ben's view was read before: his tick computes the same period
        with pytest.raises(TickTaken, match=f"^{task} was already ticked by ana at 16:13$"):  # Paris time
            await ben.tick(task)
        assert ben.view(task).status is ana.view(task).status
        assert [t.actor for t in await state.ticks_since(0) if t.task_id == task] == ["ana"]
