"""Backups on disk with chosen ages, and the source that looks at them, on a fake clock."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from opstui.clock import FakeClock
from opstui.config.backup import BackupSource
from opstui.sources.backup.source import BackupCheck
from tests.sources.conftest import RecordingSink

NOW = 1_790_000_000.0
HOUR = 3600.0


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


def put(folder: Path, name: str, size: int, age: float) -> Path:
    """A backup file of ``size`` bytes finished ``age`` seconds before :data:`NOW`."""
    path = folder / name
    path.write_bytes(b"x" * size)
    os.utime(path, (NOW - age, NOW - age))
    return path


def source(clock: FakeClock, sink: RecordingSink, **cfg: Any) -> BackupCheck:

    model = BackupSource.model_validate({"name": "db-dumps", "type": "backup", **cfg})
    return BackupCheck(model, clock, sink)


def last(sink: RecordingSink, metric: str) -> float:
    """The newest value recorded for ``metric`` (labelled ``source=db-dumps``)."""
    values = [(ts, value) for name, value, ts, labels in sink.samples if name == metric]
    assert values, f"{metric} was not recorded"
    return values[-1][1]
