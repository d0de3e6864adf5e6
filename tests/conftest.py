"""Fixtures every part's tests share: a fake clock and a fresh SQLite state store in a temporary directory.

A folder's own conftest overrides ``clock`` when it needs another start (the UI, the sources); the state
store then runs on that clock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from opstui.clock import FakeClock
from opstui.state import SqliteState


@pytest.fixture
def clock() -> FakeClock:
    """At 1_790_000_000 (2026-09-21 14:13:20 UTC), FakeClock's epoch; ``LAUNCH`` and ``START`` name it too."""
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "state.db"


@pytest.fixture
async def state(db_path: Path, clock: FakeClock) -> AsyncIterator[SqliteState]:
    async with SqliteState(db_path, clock) as store:
        yield store
