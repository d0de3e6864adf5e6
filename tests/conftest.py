"""Fixtures every part's tests share: a fake clock and a fresh SQLite state store in a temporary directory.

A folder's own conftest overrides ``clock`` when it needs another start (the UI, the sources); the state
store then runs on that clock.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

# The user's data directory (the default state, the demo's history, the theme memory) is never a test's: every
# test, and every process a test starts, finds it in a fresh temporary folder. The demo config names its history
# file there, and the UI tests, built on it, once filled the user's demo history with their test series.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="opstui-test-data-")
os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="opstui-test-state-")
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="opstui-test-config-")

from opstui.clock import FakeClock
from opstui.state import SqliteState
from tests.notify.servers import HookServer
from tests.skips import ALLOWED_SKIPS, unexpected

_SKIPPED: list[tuple[str, str]] = []
"""(test id, reason) of every skip of this run, checked against :data:`tests.skips.ALLOWED_SKIPS` at the end."""


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        _SKIPPED.append((report.nodeid, reason.removeprefix("Skipped: ")))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A skip whose reason is not in the one allow-list fails the run, so no test is hidden by accident."""
    bad = unexpected([reason for _, reason in _SKIPPED])
    if bad and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    bad = set(unexpected([reason for _, reason in _SKIPPED]))
    if bad:
        terminalreporter.section("skips without an allowed reason (tests/skips.py)", red=True)
        for nodeid, reason in _SKIPPED:
            if reason in bad:
                terminalreporter.line(f"{nodeid}: {reason}")
        terminalreporter.line(f"{len(ALLOWED_SKIPS)} reasons are allowed; add one there only if no install can fix it")


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """The user data directory (where a Core without ``--state`` keeps its history file) is the test's own,
    never the machine user's."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data")))


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


@pytest.fixture
async def hook() -> AsyncIterator[HookServer]:
    """A real webhook receiver on 127.0.0.1 (``tests/notify/servers.py``) for the notifier, action and status
    page tests, stopped after the test."""
    server = HookServer()
    await server.start()
    yield server
    await server.stop()
