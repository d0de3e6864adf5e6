"""Fixtures for Pilot and snapshot tests of the console, reusable by every screen's tests.

- ``clock``: a :class:`FakeClock` at :data:`START`; time moves only when a test calls ``advance``.
- ``ui_config``: the demo's KPIs (the seeds' thresholds) and *no sources*, so nothing touches the
  network; ``environment`` is ``test``.
- ``core``: a :class:`Core` on that config, the fake clock and a SQLite file in ``tmp_path``. It is
  not started: the app starts it in ``on_mount`` and stops it on exit.
- ``quiet_core``: the same, but its :meth:`start` opens no state store and runs none of the core's
  background loops (alerts, checklist, rotation, change feed): for snapshot tests, where the screen
  must show exactly what the test put in, whatever loops the core grows later.
- ``make_app(core, theme=None, demo=False)``: the app around a core (also used by snapshot tests).
- ``feed(core, ...)``: deterministic data straight into the monitor, the way sources would deliver it:
  ``core.monitor.record(metric, value, ts)`` for samples, ``core.monitor.ingest([...events])`` for
  deploys and errors, ``core.monitor.status_changed(SourceStatus(...))`` for health checks.

A test then drives the app::

    async def test_something(core: Core) -> None:
        feed(core)
        app = make_app(core)
        async with app.run_test(size=(120, 36)) as pilot:
            app.tick()            # one redraw, as the 1 Hz timer would
            await pilot.pause()
            ...

Never sleep to wait for time: ``clock.advance(seconds)`` then ``app.tick()``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from opstui.clock import FakeClock
from opstui.config.models import Config
from opstui.core import Core
from opstui.demo.config import demo_config
from opstui.sources.base import SourceState, SourceStatus
from opstui.sources.events import DeployEvent, ErrorEvent
from opstui.ui.app import OpstuiApp

START = 1_790_000_000.0
"""2026-09-21 14:13:20 UTC: the fake clock's epoch."""
LAUNCH = START - 2 * 3600 - 15 * 60
"""The launch 2 h 15 min before the test starts, so the header shows T+02:15."""


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def ui_config() -> Config:
    launch = datetime.fromtimestamp(LAUNCH, UTC)
    return demo_config("http://127.0.0.1:9").model_copy(
        update={"environment": "test", "sources": [], "launch_at": launch}
    )


@pytest.fixture
def core(ui_config: Config, clock: FakeClock, tmp_path: Path) -> Core:
    return Core(ui_config, clock, state_path=str(tmp_path / "state.db"))


class QuietCore(Core):
    """A Core whose loops never run: the monitor is refreshed once, header fields are the test's."""

    async def start(self) -> None:
        self.monitor.refresh()

    async def stop(self) -> None:
        """Nothing was started."""


@pytest.fixture
def quiet_core(ui_config: Config, clock: FakeClock, tmp_path: Path) -> Core:
    return QuietCore(ui_config, clock, state_path=str(tmp_path / "state.db"))


def make_app(core: Core, theme: str | None = None, demo: bool = False) -> OpstuiApp:
    """The console around ``core``, as ``opstui`` builds it."""
    return OpstuiApp(core, theme=theme, demo=demo)


HEALTHY: dict[str, float] = {
    "error_rate": 0.3,
    "latency_p50": 120.0,
    "latency_p95": 420.0,
    "latency_p99": 900.0,
    "payment_success_rate": 99.1,
    "queue_length": 18.0,
    "uptime_pct": 100.0,
    "db_connections": 42.0,
    "db_cpu": 35.0,
}
"""Every demo KPI on target."""


def feed(
    core: Core,
    values: dict[str, float] | None = None,
    minutes: int = 15,
    step: float = 5.0,
    with_sources: bool = True,
) -> None:
    """Record ``minutes`` of history ending now for each metric (a gentle deterministic wave around
    its value, the last point exactly the value), a deploy, an error, and three health checks with
    ``payments`` down, so every pane has something to show."""
    clock = core.clock
    now = clock.now()
    monitor = core.monitor
    points = int(minutes * 60 / step)
    for metric, value in (values or HEALTHY).items():
        for i in range(points):
            ts = now - (points - 1 - i) * step
            wave = ((i * 7) % 11 - 5) / 50.0  # +-10 %, repeatable
            monitor.record(metric, value if i == points - 1 else value * (1 + wave), ts)
    monitor.ingest([DeployEvent(now - 600, "v1.4.2"), ErrorEvent(now - 300, "critical", "payment gateway 502")])
    if with_sources:
        for status in sources(now):
            monitor.status_changed(status)


def sources(now: float) -> list[SourceStatus]:
    """Two healthy checks and one down with a reason."""
    return [
        SourceStatus(
            "api",
            "http",
            "http://shop/api/health",
            SourceState.UP,
            since=now - 900,
            last_check=now - 2,
            last_ok=now - 2,
            latency_ms=84.0,
            checks=180,
            ok_checks=180,
            tls_days_left=63.0,
        ),
        SourceStatus(
            "homepage",
            "http",
            "http://shop/",
            SourceState.UP,
            since=now - 900,
            last_check=now - 4,
            last_ok=now - 4,
            latency_ms=131.0,
            checks=60,
            ok_checks=60,
        ),
        SourceStatus(
            "payments",
            "http",
            "http://shop/api/payments/health",
            SourceState.DOWN,
            reason="HTTP 503 (expected 200)",
            since=now - 40,
            last_check=now - 1,
            last_ok=now - 40,
            latency_ms=12.0,
            checks=90,
            ok_checks=86,
        ),
    ]
