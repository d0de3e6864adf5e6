"""The ``command`` kind against real programs: small scripts the tests write, printing each tool's documented shape."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from opstui.clock import FakeClock
from opstui.sanitize import is_clean
from opstui.sources.base import SourceState
from tests.backup.conftest import HOUR, NOW, last, source
from tests.sources.conftest import RecordingSink


def script(folder: Path, body: str) -> str:
    """An executable shell script with ``body``; returns its path."""
    path = folder / "report.sh"
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def printing(folder: Path, document: object) -> str:
    """A script that prints ``document`` as JSON (the way the backup tool would)."""
    return script(folder, f"cat <<'EOF'\n{json.dumps(document)}\nEOF\n")


def pgbackrest_backup(label: str, stop: float, size: int) -> dict[str, object]:
    """One entry of ``pgbackrest info --output=json``'s ``backup`` list, as pgBackRest's documentation shows it."""
    return {
        "archive": {"start": "000000010000000000000002", "stop": "000000010000000000000002"},
        "backrest": {"format": 5, "version": "2.41"},
        "database": {"id": 1, "repo-key": 1},
        "info": {"delta": size, "repository": {"delta": size // 8, "size": size // 8}, "size": size},
        "label": label,
        "prior": None,
        "reference": None,
        "timestamp": {"start": int(stop) - 30, "stop": int(stop)},
        "type": "full",
    }


def pgbackrest_info(backups: list[dict[str, object]], message: str = "ok") -> list[dict[str, object]]:
    return [
        {
            "archive": [{"database": {"id": 1, "repo-key": 1}, "id": "16-1", "max": "0000000100000000000000A3"}],
            "backup": backups,
            "cipher": "none",
            "db": [{"id": 1, "repo-key": 1, "system-id": 7166450151024406516, "version": "16"}],
            "name": "main",
            "repo": [{"cipher": "none", "key": 1, "status": {"code": 0, "message": "ok"}}],
            "status": {"code": 0 if message == "ok" else 2, "lock": {"backup": {"held": False}}, "message": message},
        }
    ]


async def test_pgbackrest_info_json_gives_the_last_backups_time_and_size(
    tmp_path: Path, clock: FakeClock, sink: RecordingSink
) -> None:
    report = pgbackrest_info(
        [
            pgbackrest_backup("20260919-010000F", NOW - 49 * HOUR, 25_000_000),
            pgbackrest_backup("20260920-010000F", NOW - 25 * HOUR, 26_000_000),
            pgbackrest_backup("20260921-010000F", NOW - 1 * HOUR, 26_500_000),
        ]
    )
    check = source(clock, sink, kind="command", command=[printing(tmp_path, report)], format="pgbackrest")
    status = await check.run_once()
    assert status.state is SourceState.UP, status.reason
    assert status.seen == "20260921-010000F 1h00m old, 25.3 MiB, 3 in 30d0h"
    assert last(sink, "backup_size_bytes") == 26_500_000
    assert last(sink, "backup_age_seconds") == HOUR


async def test_pgbackrest_with_no_backup_says_why(tmp_path: Path, clock: FakeClock, sink: RecordingSink) -> None:
    report = pgbackrest_info([], message="no valid backups")
    status = await source(
        clock, sink, kind="command", command=[printing(tmp_path, report)], format="pgbackrest"
    ).run_once()
    assert (status.state, status.reason) == (SourceState.DOWN, "pgbackrest: no valid backups")


async def test_wal_g_and_restic_shapes(tmp_path: Path, clock: FakeClock, sink: RecordingSink) -> None:
    walg = [
        {
            "backup_name": "base_000000010000000000000004",
            "time": "2026-09-21T11:15:00Z",
            "finish_time": "2026-09-21T12:13:20.123456Z",
            "uncompressed_size": 4096,
            "compressed_size": 1024,
        }
    ]
    status = await source(clock, sink, kind="command", command=[printing(tmp_path, walg)], format="wal-g").run_once()
    assert status.seen.startswith("base_000000010000000000000004 1h59m old, 4.0 KiB"), status.seen
    restic = [
        {
            "short_id": "4bba301e",
            "time": "2026-09-21T13:13:20.123456789+00:00",
            "summary": {"total_bytes_processed": 10},
        }
    ]
    status = await source(clock, sink, kind="command", command=[printing(tmp_path, restic)], format="restic").run_once()
    assert status.state is SourceState.UP
    assert status.seen == "4bba301e 59m59s old, 10 B, 1 in 30d0h"


async def test_exit_status_alone(tmp_path: Path, clock: FakeClock, sink: RecordingSink) -> None:
    good = await source(clock, sink, kind="command", command=[script(tmp_path, "exit 0\n")], format="exit").run_once()
    assert good.state is SourceState.UP
    assert last(sink, "backup_overdue") == 0
    bad_script = script(tmp_path, "echo 'last backup 3 days ago' >&2\nexit 2\n")
    bad = await source(clock, sink, kind="command", command=[bad_script], format="exit").run_once()
    assert (bad.state, bad.reason) == (SourceState.DOWN, "exit status 2: last backup 3 days ago")
    assert last(sink, "backup_overdue") == 1


async def test_a_failing_slow_or_garbled_command_is_down_with_the_reason(
    tmp_path: Path, clock: FakeClock, sink: RecordingSink
) -> None:
    failing = script(tmp_path, "echo 'repo unreachable\x1b[2J' >&2\nexit 1\n")
    status = await source(clock, sink, kind="command", command=[failing]).run_once()
    assert (status.state, status.reason) == (SourceState.DOWN, "exit status 1: repo unreachable␛[2J")
    garbled = script(tmp_path, "echo '<html>not json</html>'\n")
    status = await source(clock, sink, kind="command", command=[garbled]).run_once()
    assert status.state is SourceState.DOWN and status.reason.startswith("output is not JSON")
    slow = script(tmp_path, "exec sleep 30\n")
    status = await source(clock, sink, kind="command", command=[slow], timeout="200ms").run_once()
    assert (status.state, status.reason) == (SourceState.DOWN, "timed out after 0.2s")
    status = await source(clock, sink, kind="command", command=[str(tmp_path / "missing")]).run_once()
    assert status.state is SourceState.DOWN and status.reason.startswith("cannot run ")
    assert is_clean(status.reason)


async def test_hostile_values_in_a_report_are_refused_at_the_border(
    tmp_path: Path, clock: FakeClock, sink: RecordingSink
) -> None:
    report = [
        {"time": NOW - HOUR, "size": 100, "name": "ok\x1b]0;pwned\x07"},
        {"time": NOW + 86400, "size": 100, "name": "tomorrow"},
        {"time": "not a time", "size": 100},
        {"time": NOW - 2 * HOUR, "size": 1e300, "name": "huge"},
    ]
    status = await source(clock, sink, kind="command", command=[printing(tmp_path, report)]).run_once()
    assert status.rejected == 3
    assert status.state is SourceState.UP
    assert status.seen == "ok␛]0;pwned␇ 1h00m old, 100 B, 1 in 30d0h"
