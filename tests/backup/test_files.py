"""The ``files`` kind against real files whose modification times the tests choose."""

from __future__ import annotations

from pathlib import Path

from opstui.clock import FakeClock
from opstui.sanitize import is_clean
from opstui.sources.base import SourceState
from tests.backup.conftest import HOUR, NOW, last, put, source
from tests.sources.conftest import RecordingSink


async def test_the_newest_file_gives_age_size_and_count_in_the_window(
    tmp_path: Path, clock: FakeClock, sink: RecordingSink
) -> None:
    put(tmp_path, "shop-1.dump", 1000, 50 * HOUR)
    put(tmp_path, "shop-2.dump", 1100, 26.5 * HOUR)
    put(tmp_path, "shop-3.dump", 1200, 2.5 * HOUR)
    put(tmp_path, "shop-0.dump", 900, 40 * 86400)  # outside the 30-day retention window
    put(tmp_path, "notes.txt", 5, 60)  # does not match the glob
    status = await source(clock, sink, kind="files", path=f"{tmp_path}/*.dump").run_once()
    assert status.state is SourceState.UP
    assert status.seen == "shop-3.dump 2h30m old, 1.2 KiB, 3 in 30d0h"
    assert last(sink, "backup_age_seconds") == 2.5 * HOUR
    assert last(sink, "backup_size_bytes") == 1200
    assert last(sink, "backup_count") == 3
    assert last(sink, "backup_overdue") == 0
    assert last(sink, "backup_size_drop") == 0
    assert all(labels == {"source": "db-dumps"} for _, _, _, labels in sink.samples)


async def test_older_than_max_age_is_overdue_and_down(tmp_path: Path, clock: FakeClock, sink: RecordingSink) -> None:
    put(tmp_path, "shop.dump", 1000, 24 * HOUR)
    check = source(clock, sink, kind="files", path=f"{tmp_path}/*.dump")
    assert (await check.run_once()).state is SourceState.UP
    assert last(sink, "backup_overdue") == 0
    clock.advance(2 * HOUR + 60)  # no new backup came
    status = await check.run_once()
    assert status.state is SourceState.DOWN
    assert status.reason == "overdue: newest is 26h01m old (max 26h00m)"
    assert last(sink, "backup_overdue") == 1


async def test_no_file_at_all_is_overdue(tmp_path: Path, clock: FakeClock, sink: RecordingSink) -> None:
    status = await source(clock, sink, kind="files", path=f"{tmp_path}/*.dump").run_once()
    assert (status.state, status.reason) == (SourceState.DOWN, "no backup found")
    assert last(sink, "backup_overdue") == 1


async def test_a_size_drop_against_the_previous_backup_is_flagged(
    tmp_path: Path, clock: FakeClock, sink: RecordingSink
) -> None:
    put(tmp_path, "shop-1.dump", 10_000, 25 * HOUR)
    put(tmp_path, "shop-2.dump", 4_000, 1 * HOUR)
    status = await source(clock, sink, kind="files", path=f"{tmp_path}/*.dump").run_once()
    assert status.state is SourceState.DEGRADED
    assert status.reason == "size dropped 60% vs the previous backup"
    assert last(sink, "backup_size_drop") == 1
    # A smaller drop than the configured limit is not flagged.
    sink.samples.clear()
    status = await source(clock, sink, kind="files", path=f"{tmp_path}/*.dump", size_drop_pct=70).run_once()
    assert status.state is SourceState.UP
    assert last(sink, "backup_size_drop") == 0


async def test_too_few_backups_in_the_window_is_degraded(tmp_path: Path, clock: FakeClock, sink: RecordingSink) -> None:
    put(tmp_path, "a.dump", 10, 1 * HOUR)
    status = await source(clock, sink, kind="files", path=f"{tmp_path}/*.dump", min_count=7).run_once()
    assert status.state is SourceState.DEGRADED
    assert status.reason == "only 1 backups in 30d0h (min 7)"


async def test_a_directory_dump_counts_as_the_sum_of_its_files(
    tmp_path: Path, clock: FakeClock, sink: RecordingSink
) -> None:
    dump = tmp_path / "shop.dir"
    dump.mkdir()
    put(dump, "toc.dat", 300, HOUR)
    put(dump, "3001.dat.gz", 700, HOUR)
    import os

    os.utime(dump, (NOW - HOUR, NOW - HOUR))
    await source(clock, sink, kind="files", path=f"{tmp_path}/*.dir").run_once()
    assert last(sink, "backup_size_bytes") == 1000


async def test_a_hostile_file_name_is_shown_harmless_and_a_future_mtime_is_refused(
    tmp_path: Path, clock: FakeClock, sink: RecordingSink
) -> None:
    put(tmp_path, "evil\x1b]52;c;aGk=\x07\u202e.dump", 10, HOUR)
    put(tmp_path, "future\x1b[2J.dump", 10, -86400)  # "finished" tomorrow
    status = await source(clock, sink, kind="files", path=f"{tmp_path}/*.dump").run_once()
    assert status.state is SourceState.UP  # the real one is fresh
    assert status.rejected == 1
    assert "modified in the future" in status.reason
    assert is_clean(status.seen) and is_clean(status.reason)
    assert status.seen.startswith("evil␛]52;c;aGk=␇\ufffd.dump ")
