"""Item 7: a damaged state store is refused, not used. 200 flipped bytes gave a UnicodeDecodeError traceback
from every command; with a corrupt middle page ``incidents`` refused but ``ack`` wrote to the corrupt file; on
a read-only file system the read-only commands refused too."""

from __future__ import annotations

import hashlib
import random
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from opstui.cli import main
from tests.commands.test_incidents_commands import fire

PAGE = 4096


@pytest.fixture
def store(tmp_path: Path) -> tuple[Path, Path, int]:
    """A config and a state file holding forty incidents (several pages), the last id."""
    db = tmp_path / "state.db"
    config = tmp_path / "opstui.yaml"
    config.write_text(f"operator: dana\nstate:\n  path: {db}\n")
    last = 0
    for n in range(40):
        last = fire(db, f"Rule {n} " + "x" * 300)
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file, as after a clean exit
    finally:
        conn.close()
    return config, db, last


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def flip_bytes(path: Path, count: int = 200, seed: int = 11) -> None:
    data = bytearray(path.read_bytes())
    rng = random.Random(seed)
    for offset in rng.sample(range(100, len(data)), count):  # past the header: the file still opens
        data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def corrupt_middle_page(path: Path) -> None:
    data = bytearray(path.read_bytes())
    pages = len(data) // PAGE
    middle = pages // 2
    data[middle * PAGE : (middle + 1) * PAGE] = bytes(random.Random(3).randrange(256) for _ in range(PAGE))
    path.write_bytes(bytes(data))


def drop_a_table(path: Path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("DROP TABLE silences")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


COMMANDS = [["incidents"], ["incidents", "--all"], ["ack", "{id}"], ["resolve", "{id}"], ["report", "{id}"], ["audit"]]


@pytest.mark.parametrize("damage", [flip_bytes, corrupt_middle_page, drop_a_table])
def test_every_command_refuses_a_damaged_store_in_one_line_and_writes_nothing(
    damage: object, store: tuple[Path, Path, int], capsys: pytest.CaptureFixture[str]
) -> None:
    config, db, last = store
    damage(db)  # type: ignore[operator]
    before = digest(db)
    for command in [*COMMANDS, ["checklist", "--export", "md"]]:
        argv = [part.replace("{id}", str(last)) for part in command]
        assert main([*argv, "--config", str(config)]) == 1, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err
        assert str(db) in err and "opstui state copy" in err and "move" in err and "aside" in err, err
        assert "Traceback" not in err
        assert digest(db) == before, f"{argv} wrote to the damaged file"


async def test_the_console_refuses_the_damaged_store_and_says_so(store: tuple[Path, Path, int]) -> None:
    from opstui.clock import FakeClock
    from opstui.config import load_config
    from opstui.core import Core

    config, db, _ = store
    flip_bytes(db)
    before = digest(db)
    core = Core(load_config(config).model_copy(update={"sources": []}), FakeClock())
    await core.start()
    try:
        assert core.state is None and core.incidents is None
        assert core.state_error is not None and "corrupt" in core.state_error and str(db) in core.state_error
    finally:
        await core.stop()
    assert digest(db) == before


@pytest.fixture
def read_only_copy(store: tuple[Path, Path, int]) -> Iterator[tuple[Path, int]]:
    """The state file on a real read-only file system (a tmpfs remounted read-only)."""
    _, db, last = store
    mountpoint = Path(tempfile.mkdtemp(prefix="opstui-ro-"))
    mounted = subprocess.run(["mount", "-t", "tmpfs", "none", str(mountpoint)], capture_output=True, check=False)
    if mounted.returncode != 0:
        mountpoint.rmdir()
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.decode().strip()[:100]}")
    try:
        (mountpoint / "state.db").write_bytes(db.read_bytes())
        subprocess.run(["mount", "-o", "remount,ro", str(mountpoint)], capture_output=True, check=True)
        yield mountpoint / "state.db", last
    finally:
        subprocess.run(["umount", str(mountpoint)], capture_output=True, check=False)
        mountpoint.rmdir()


def test_read_only_commands_work_on_a_read_only_file_system(
    read_only_copy: tuple[Path, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, last = read_only_copy
    config = tmp_path / "ro.yaml"
    config.write_text(f"operator: dana\nstate:\n  path: {db}\n")
    for command in (["incidents"], ["report", str(last)], ["audit"], ["checklist", "--export", "md"]):
        assert main([*command, "--config", str(config)]) == 0, capsys.readouterr().err
        out = capsys.readouterr().out
        assert out.strip(), command
    assert main(["ack", str(last), "--config", str(config)]) == 1, "a write is refused, in one line"
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
