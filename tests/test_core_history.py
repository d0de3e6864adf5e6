"""The console's history: a restarted core shows the charts it had; a damaged file never stops it."""

from __future__ import annotations

from pathlib import Path

from opstui.clock import FakeClock
from opstui.config.models import Config
from opstui.core import Core

START = 1_790_000_000.0


def config(**store: object) -> Config:
    return Config.model_validate(
        {
            "alerts": [],
            "kpis": [{"metric": "queue_length", "label": "Queue length", "target": "< 50"}],
            "store": store,
        }
    )


async def test_a_restarted_console_shows_the_sparkline_it_had(tmp_path: Path) -> None:
    clock = FakeClock(START)
    core = Core(config(), clock, state_path=str(tmp_path / "state.db"))
    await core.start()
    for i in range(120):
        clock.advance(5.0)
        core.monitor.record("queue_length", float(i % 40), clock.now())
    before = core.monitor.kpi_views()[0]
    await core.stop()
    assert (tmp_path / "state.history.db").exists()

    again = Core(config(), clock, state_path=str(tmp_path / "state.db"))
    await again.start()
    after = again.monitor.kpi_views()[0]
    await again.stop()
    assert after.history == before.history and len(after.history) == 60
    assert after.value == before.value == 39.0


async def test_a_damaged_history_is_one_line_and_the_console_runs_on(tmp_path: Path) -> None:
    (tmp_path / "state.history.db").write_bytes(b"not a database at all" * 200)
    clock = FakeClock(START)
    core = Core(config(), clock, state_path=str(tmp_path / "state.db"))
    await core.start()
    try:
        assert core.history is None and core.state is not None
        assert core.history_error is not None and "\n" not in core.history_error
        assert "move it aside" in core.history_error
        tail = [(e.level, e.source, e.message) for e in core.monitor.snapshot().events]
        assert tail == [("warning", "history", core.history_error)]
        core.monitor.record("queue_length", 3.0, clock.now())
        assert core.monitor.store.value("queue_length") == 3.0
    finally:
        await core.stop()


async def test_history_off_writes_no_file(tmp_path: Path) -> None:
    clock = FakeClock(START)
    core = Core(config(history=False), clock, state_path=str(tmp_path / "state.db"))
    await core.start()
    core.monitor.record("queue_length", 3.0, clock.now())
    await core.stop()
    assert not (tmp_path / "state.history.db").exists()


def test_the_history_lives_beside_the_state_file_or_where_the_config_says(tmp_path: Path) -> None:
    clock = FakeClock(START)
    assert Core(config(), clock, state_path=str(tmp_path / "ops.db")).history_path() == tmp_path / "ops.history.db"
    chosen = tmp_path / "h" / "mine.db"
    assert Core(config(history_path=str(chosen)), clock).history_path() == chosen


async def test_a_history_that_cannot_be_created_is_one_line_too(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the history's folder should be")
    clock = FakeClock(START)
    core = Core(config(history_path=str(blocked / "h.db")), clock, state_path=str(tmp_path / "state.db"))
    await core.start()
    try:
        assert core.history is None and core.state is not None
        assert core.history_error is not None and "cannot be opened (File exists)" in core.history_error
    finally:
        await core.stop()
