"""``postgres_archiver`` against a throw-away cluster whose ``archive_command`` first fails, then succeeds."""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from opstui.clock import FakeClock
from opstui.sources.base import SourceState
from tests.backup.conftest import last, source
from tests.pg.conftest import _free_port, _pg_bindir
from tests.sources.conftest import RecordingSink

WAIT = 60.0
"""Upper bound on waiting for the server's archiver (it retries a failed segment after about a second)."""


@dataclass
class Archiving:
    dsn: str
    switch: Path
    """While this file is missing, ``archive_command`` fails."""


@pytest.fixture(scope="module")
def archiving() -> Iterator[Archiving]:
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) on this machine")
    home = Path(tempfile.mkdtemp(prefix="opstui-archive-"))
    data, archive = home / "data", home / "archive"
    run_as: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        account = pwd.getpwnam("postgres")
        os.chown(home, account.pw_uid, account.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    pg_ctl = [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(home / "log")]
    try:
        subprocess.run(
            [*run_as, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"],
            capture_output=True,
            check=True,
            timeout=120,
        )
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{home}'\n"
                "fsync = off\nwal_level = replica\narchive_mode = on\n"
                f"archive_command = 'test -f {home}/ok && mkdir -p {archive} && cp %p {archive}/%f'\n"
            )
        subprocess.run([*pg_ctl, "-w", "-t", "60", "start"], capture_output=True, check=True, timeout=90)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(home, ignore_errors=True)
        pytest.skip(f"could not start a private PostgreSQL with archiving: {exc}")
    try:
        yield Archiving(f"postgresql://postgres@127.0.0.1:{port}/postgres", home / "ok")
    finally:
        subprocess.run([*pg_ctl, "-m", "immediate", "stop"], capture_output=True, check=False, timeout=60)
        shutil.rmtree(home, ignore_errors=True)


async def _switch_and_wait(dsn: str, done: str) -> None:
    """Write a little WAL, switch segments, and wait until ``done`` (SQL over pg_stat_archiver) holds."""
    conn = await asyncpg.connect(dsn, timeout=5)
    try:
        await conn.execute("CREATE TABLE IF NOT EXISTS t (n int); INSERT INTO t VALUES (1)")
        await conn.execute("SELECT pg_switch_wal()")
        deadline = time.monotonic() + WAIT
        while not await conn.fetchval(f"SELECT {done} FROM pg_stat_archiver"):
            assert time.monotonic() < deadline, f"the archiver never reached: {done}"
            await asyncio.sleep(0.2)  # real I/O: the server's own archiver process, not our clock
    finally:
        await conn.close()


async def test_archiving_failing_then_working_again(archiving: Archiving) -> None:
    sink = RecordingSink()
    await _switch_and_wait(archiving.dsn, "failed_count > 0")
    clock = FakeClock(time.time())
    check = source(clock, sink, kind="postgres_archiver", dsn=archiving.dsn)
    status = await check.run_once()
    assert status.state is SourceState.DOWN
    assert status.reason.startswith("archiving failing: 0000000100000000000000")
    assert last(sink, "wal_archive_failing") == 1
    assert last(sink, "wal_archive_failed_total") >= 1
    assert "no WAL archived yet" in status.seen

    archiving.switch.touch()
    await _switch_and_wait(archiving.dsn, "last_archived_time > coalesce(last_failed_time, '-infinity')")
    clock.set(time.time())
    status = await check.run_once()
    assert status.state is SourceState.UP, status.reason
    assert last(sink, "wal_archive_failing") == 0
    assert 0 <= last(sink, "wal_archive_age_seconds") < WAIT
    assert status.seen.startswith("last WAL 0000000100000000000000")


async def test_archive_mode_off_and_an_unreachable_server(pg_admin_dsn: str) -> None:
    sink = RecordingSink()
    clock = FakeClock(time.time())
    mode = await _setting(pg_admin_dsn, "archive_mode")
    status = await source(clock, sink, kind="postgres_archiver", dsn=pg_admin_dsn).run_once()
    if mode == "off":
        assert (status.state, status.reason) == (SourceState.DOWN, "archive_mode is off: no point-in-time recovery")
        assert last(sink, "wal_archive_failing") == 1
    dead = f"postgresql://postgres:s3cret@127.0.0.1:{_free_port()}/postgres"
    status = await source(clock, sink, kind="postgres_archiver", dsn=dead, connect_timeout="1s").run_once()
    assert status.state is SourceState.UNREACHABLE
    assert "s3cret" not in status.reason and "s3cret" not in status.target


async def _setting(dsn: str, name: str) -> str:
    conn = await asyncpg.connect(dsn, timeout=5)
    try:
        return str(await conn.fetchval("SELECT current_setting($1)", name))
    finally:
        await conn.close()


async def test_a_real_pg_dump_directory_is_seen_with_its_age_and_size(pg_dsn: str, tmp_path: Path) -> None:
    conn = await asyncpg.connect(pg_dsn, timeout=5)
    try:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS dumped (n int); INSERT INTO dumped SELECT generate_series(1, 5000)"
        )
    finally:
        await conn.close()
    target = tmp_path / "shop-2026-09-21.dir"
    dump = ["pg_dump", "-Fd", "-f", str(target), pg_dsn]
    await asyncio.to_thread(subprocess.run, dump, check=True, capture_output=True, timeout=120)
    size = sum(path.stat().st_size for path in target.iterdir() if path.is_file())
    clock = FakeClock(time.time() + 3 * 3600)  # looked at three hours after the dump finished
    sink = RecordingSink()
    status = await source(clock, sink, kind="files", path=f"{tmp_path}/*.dir").run_once()
    assert status.state is SourceState.UP
    assert last(sink, "backup_size_bytes") == size > 0
    assert 3 * 3600 - 60 < last(sink, "backup_age_seconds") < 3 * 3600 + 60
    assert status.seen.startswith("shop-2026-09-21.dir 3h0")
