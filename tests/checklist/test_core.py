"""The core builds the checklist on its state store and keeps the header's overdue count current."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from opstui.checklist.model import TaskStatus
from opstui.clock import FakeClock
from opstui.config.models import Config
from opstui.core import Core
from opstui.sources.base import SourceState, SourceStatus
from tests.checklist.conftest import LAUNCH


def config(tasks: list[dict[str, object]] | None) -> Config:
    return Config.model_validate(
        {
            "launch_at": datetime.fromtimestamp(LAUNCH, UTC).isoformat(),
            "checklist": tasks,
        }
    )


async def test_the_core_counts_overdue_tasks_for_the_header(tmp_path: Path, clock: FakeClock) -> None:
    core = Core(config([{"title": "Five", "every": "5m", "grace": "1m"}]), clock, state_path=str(tmp_path / "s.db"))
    await core.start()
    try:
        assert core.checklist is not None
        clock.set(LAUNCH + 400)
        await core.refresh_checklist()
        assert core.header_counts().overdue_tasks == 1
        await core.checklist.tick("five")
        await core.refresh_checklist()
        assert core.header_counts().overdue_tasks == 0
    finally:
        await core.stop()


async def test_no_checklist_key_gives_the_builtin_list_and_auto_reads_the_monitor(
    tmp_path: Path, clock: FakeClock
) -> None:
    core = Core(config(None), clock, state_path=str(tmp_path / "s.db"))
    await core.start()
    try:
        assert core.checklist is not None and len(core.checklist.tasks) == 52
        core.monitor.status_changed(SourceStatus("api", "http", "http://shop/api/health", SourceState.UP))
        clock.set(LAUNCH + 300)
        await core.refresh_checklist()
        health = core.checklist.view("check-api-health-endpoint-status")
        assert health.status is TaskStatus.DONE
        assert health.last is not None and health.last.actor == "opstui (auto)" and health.last.value == "api up"
    finally:
        await core.stop()
