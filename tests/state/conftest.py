"""A fresh SQLite state store in a temporary directory, on a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from opstui.clock import FakeClock
from opstui.state import SqliteState


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "state.db"


@pytest.fixture
async def state(db_path: Path, clock: FakeClock) -> AsyncIterator[SqliteState]:
    async with SqliteState(db_path, clock) as store:
        yield store
