"""The handover export: every task with its last tick, who, when, on time or late; md and csv; the command."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pytest

from opstui.checklist.export import CSV_COLUMNS, export
from opstui.cli import main
from opstui.clock import FakeClock, SystemClock
from opstui.state import SqliteState, Tick, TickKind
from tests.checklist.conftest import LAUNCH, Build, Live

TASKS = [
    {
        "title": "Check /api/health endpoint status",
        "every": "5m",
        "grace": "1m",
        "group": "First 48 hours",
        "first": "48h",
        "metric": "latency_p95",
    },
    {"title": "Review error logs", "every": "15m", "grace": "3m", "group": "First 48 hours", "first": "48h"},
    {"title": "Check backup status", "every": "weekly", "group": "Weekly"},
]


async def ticked(build: Build, clock: FakeClock, live: Live):  # type: ignore[no-untyped-def]
    checklist = build(TASKS)
    live.metrics["latency_p95"] = 420.0
    clock.set(LAUNCH + 310)
    await checklist.refresh()
    await checklist.tick("check-api-health-endpoint-status")
    clock.set(LAUNCH + 1200)  # review-error-logs due at 900, deadline 1080: this tick is late
    await checklist.refresh()
    await checklist.tick("review-error-logs")
    await checklist.skip("check-api-health-endpoint-status", "pager | storm")
    return checklist


async def test_csv_has_every_task_with_its_last_tick(build: Build, clock: FakeClock, live: Live) -> None:
    checklist = await ticked(build, clock, live)
    rows = list(csv.DictReader(io.StringIO(await export(checklist, "csv"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    by_id = {row["id"]: row for row in rows}
    assert set(by_id) == {"check-api-health-endpoint-status", "review-error-logs", "check-backup-status"}
    errors = by_id["review-error-logs"]
    assert errors["last_kind"] == "done" and errors["last_by"] == "alice" and errors["last_host"] == "oncall-box"
    assert errors["last_on_time"] == "late"
    assert errors["last_at"] == "2026-09-21 14:33 UTC"
    health = by_id["check-api-health-endpoint-status"]
    assert health["status"] == "skipped" and health["last_kind"] == "skip" and health["last_note"] == "pager | storm"
    assert (health["on_time_48h"], health["missed_48h"], health["skipped_48h"]) == ("1", "2", "1")
    assert by_id["check-backup-status"]["last_kind"] == ""


async def test_markdown_has_progress_and_a_row_per_task(build: Build, clock: FakeClock, live: Live) -> None:
    checklist = await ticked(build, clock, live)
    text = await export(checklist, "md")
    assert text.startswith("# Checklist handover\n")
    assert "- First 48 hours: 2/2" in text
    assert "- Weekly: 0/1" in text
    assert "pager \\| storm" in text  # a pipe in a note does not break the table
    assert "| done 2026-09-21 14:33 UTC | alice@oncall-box | late |" in text
    assert text.count("\n| ") == 2 + len(TASKS)


async def test_an_old_tick_outside_the_window_is_still_reported(
    build: Build, clock: FakeClock, state: SqliteState
) -> None:
    checklist = build(TASKS)
    await state.add_tick(
        Tick("check-backup-status", LAUNCH - 30 * 86400, LAUNCH - 30 * 86400, TickKind.DONE, "carol", "laptop")
    )
    rows = list(csv.DictReader(io.StringIO(await export(checklist, "csv"))))
    backup = next(row for row in rows if row["id"] == "check-backup-status")
    assert backup["last_by"] == "carol"


async def test_unknown_format_is_refused(build: Build) -> None:
    with pytest.raises(ValueError, match="md or csv"):
        await export(build(TASKS), "pdf")


def test_the_command_writes_the_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    db = tmp_path / "state.db"
    now = time.time()
    launch = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 3600))

    async def seed() -> None:
        async with SqliteState(db, SystemClock()) as store:
            await store.add_tick(Tick("review-error-logs", now - 600, now - 500, TickKind.DONE, "dave", "box"))

    asyncio.run(seed())
    config = tmp_path / "c.yaml"
    config.write_text(f'launch_at: "{launch}"\nchecklist:\n  - title: Review error logs\n    every: 15m\n')
    assert main(["checklist", "--config", str(config), "--state", str(db), "--export", "csv"]) == 0
    out = capsys.readouterr().out
    assert "review-error-logs" in out and "dave" in out
    target = tmp_path / "handover.md"
    assert main(["checklist", "--config", str(config), "--state", str(db), "--export", "md", "-o", str(target)]) == 0
    assert "| Review error logs |" in target.read_text()


def test_the_command_with_a_bad_config_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("checklist:\n  - title: Review error logs\n    every: fortnightly\n")
    assert main(["checklist", "--config", str(config), "--export", "md"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and f"{config}:2" in err and "checklist[0]" in err


def test_the_command_with_an_unusable_state_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("environment: x\n")
    not_a_db = tmp_path / "state.db"
    not_a_db.write_text("this is not a database " * 100)
    assert main(["checklist", "--config", str(config), "--state", str(not_a_db), "--export", "md"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "state store" in err
