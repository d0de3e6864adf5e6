"""A metric store on a fake clock, and a way to build rules the way the config does."""

from __future__ import annotations

from typing import Any

import pytest

from opstui.clock import FakeClock
from opstui.config.alerting import AlertRule
from opstui.metrics.store import MetricStore

START = 1_790_000_000.0


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def store(clock: FakeClock) -> MetricStore:
    # One point a second, so window tests can count points exactly.
    return MetricStore(clock, retention=3600.0, resolution=1.0)


def rule(expr: str, name: str = "High Error Rate", **fields: Any) -> AlertRule:
    """A rule validated exactly as an ``alerts:`` entry of the config file is."""
    return AlertRule.model_validate({"name": name, "expr": expr, **fields})
