"""A checklist on a real SQLite file and a fake clock, plus scripted live values for ``auto:``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from opstui.checklist.board import Checklist
from opstui.clock import FakeClock
from opstui.config.models import Config
from opstui.state import SqliteState

LAUNCH = 1_790_000_000.0
"""2026-09-21 14:13:20 UTC: T+0 of the first 48 hours, and the fake clock's start."""


@dataclass
class Live:
    """Scripted :class:`~opstui.checklist.auto.LiveValues`: set states and metrics by hand."""

    states: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    backup_results: list[tuple[str, str, str]] = field(default_factory=list)

    def backups(self) -> list[tuple[str, str, str]]:
        return self.backup_results

    def source_state(self, name: str) -> str | None:
        return self.states.get(name)

    def metric_value(self, name: str) -> float | None:
        return self.metrics.get(name)


@pytest.fixture
def live() -> Live:
    return Live()


Build = Callable[..., Checklist]


@pytest.fixture
def build(clock: FakeClock, state: SqliteState, live: Live) -> Build:
    """``build([{task}, ...], timezone=..., launch_at=...)`` -> a Checklist on the shared state."""

    def make(
        tasks: list[dict[str, Any]] | None,
        *,
        timezone: str = "UTC",
        launch_at: float = LAUNCH,
        operator: str = "alice",
        store: SqliteState | None = None,
    ) -> Checklist:
        config = Config.model_validate(
            {
                "timezone": timezone,
                "launch_at": datetime.fromtimestamp(launch_at, ZoneInfo("UTC")).isoformat(),
                "checklist": tasks,
            }
        )
        return Checklist.from_config(
            config, clock=clock, state=store or state, operator=operator, live=live, host="oncall-box"
        )

    return make


def at(text: str, zone: str = "UTC") -> float:
    """``at("2026-03-29 09:00", "Europe/Berlin")`` -> unix seconds."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).timestamp()
