"""The console's history: a restarted core shows the charts it had; a damaged file never stops it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

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


async def test_the_console_leaves_planned_maintenance_out_of_uptime(tmp_path: Path) -> None:
    """The Uptime tile and the health table read the core's uptime: db's windows are not downtime there."""
    from tests.metrics.test_uptime import HOUR, write_db_checks

    def iso(at: float) -> str:
        return datetime.fromtimestamp(at, UTC).isoformat()

    end = 1_789_999_200.0  # an hour's start
    await write_db_checks(tmp_path / "state.history.db", end)
    windows = [
        {"name": "db upgrade", "matchers": 'source="db"', "from": iso(end - 26 * HOUR), "to": iso(end - 24 * HOUR)},
        {"name": "db vacuum", "matchers": 'source="db"', "from": iso(end - 5 * HOUR), "to": iso(end - 3 * HOUR)},
    ]
    with_windows = Config.model_validate(
        {
            "alerts": [],
            "sources": [{"name": name, "type": "http", "url": f"http://127.0.0.1:9/{name}"} for name in ("db", "api")],
            "maintenance": windows,
        }
    )
    core = Core(with_windows, FakeClock(end), state_path=str(tmp_path / "state.db"))
    await core.start()
    try:
        db, api = core.uptime["db"], core.uptime["api"]
        assert (db.checks["24h"], db.good["24h"], db.excluded["24h"]) == (661, 646, 2 * HOUR)
        assert (db.checks["30d"], db.excluded["30d"]) == (2040, 4 * HOUR)
        assert core.monitor.long_uptime == pytest.approx(100.0 * (2025 + 2160) / (2040 + 2160))
        assert api.checks["30d"] == 2160 and not api.excluded
    finally:
        await core.stop()
