"""Item 4: fair sources. A flood on one source, or forty hanging endpoints, cannot make a healthy check look down.

The attack run: a raw websocket flood (~19k messages a second) made a healthy HTTP check on another server
"unreachable: timeout after 2s" in 3-5 of 15 checks (websockets hands over every buffered message without
yielding, and parses a whole 256 KiB read in one callback: the loop was held for 0.2-2 s at a time); 40 hanging
HTTP sources behind the shared 8-slot limiter let a healthy check run 2 times in 60 s instead of 30.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from opstui.clock import FakeClock, SystemClock
from opstui.config.loader import load_config_text
from opstui.monitor import Monitor
from opstui.sources.base import SourceState, SourceStatus
from opstui.sources.factory import build_sources
from opstui.sources.loop_lag import loop_lag, overload_note
from tests.sources.conftest import HttpServer, RecordingSink, Route

ROOT = Path(__file__).resolve().parents[2]
HANGING = 40


def start_server(kind: str) -> tuple[subprocess.Popen[str], int]:
    """One of :mod:`tests.hostile.flood_servers` in its own process, and its port."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.hostile.flood_servers", kind],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, int(process.stdout.readline())


@pytest.fixture
def flood_and_healthy() -> Iterator[tuple[int, int]]:
    """(websocket flood port, healthy HTTP port), each server in a process of its own."""
    started = [start_server("websocket"), start_server("http")]
    try:
        yield started[0][1], started[1][1]
    finally:
        for process, _ in started:
            process.terminate()
            process.wait(timeout=10)


async def test_40_hanging_sources_do_not_slow_a_healthy_check(
    http_server: HttpServer, clock: FakeClock, sink: RecordingSink
) -> None:
    hold = asyncio.Event()  # never set while the test runs: the endpoints hang
    for i in range(HANGING):
        http_server.routes[f"/hang{i}"] = Route(200, "late", hold=hold)
    http_server.routes["/health"] = Route(200, "ok")
    lines = [
        f"  - {{name: hang{i}, type: http, url: '{http_server.url(f'/hang{i}')}', timeout: 30s}}" for i in range(40)
    ]
    lines.append(f"  - {{name: healthy, type: http, url: '{http_server.url('/health')}', interval: 2s}}")
    built = build_sources(load_config_text("sources:\n" + "\n".join(lines) + "\n"), clock, sink)
    healthy = built.sources[-1]
    tasks = [asyncio.create_task(source.run()) for source in built.sources]
    try:
        await http_server.wait_until(lambda: http_server.in_flight == HANGING)  # all of them hang at once
        for n in range(1, 31):  # 60 s of clock time: 30 checks, as many as with nothing hanging
            await sink.wait_until(lambda n=n: healthy.status.checks == n)
            assert healthy.status.state is SourceState.UP
            clock.advance(2.0)
        assert http_server.hits["/health"] == 30
        assert http_server.in_flight == HANGING
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await built.aclose()


class Watching(Monitor):
    """The console's own sink (windows, store, event log), keeping every status of the healthy check."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.checks: list[tuple[float, SourceStatus]] = []

    def status_changed(self, status: SourceStatus) -> None:
        if status.name == "healthy" and (not self.checks or self.checks[-1][1].checks != status.checks):
            self.checks.append((time.monotonic(), status))
        super().status_changed(status)


FLOOD_SECONDS = 4.0
INTERVAL = 0.5


async def test_a_websocket_flood_does_not_make_a_healthy_check_look_down(
    flood_and_healthy: tuple[int, int],
) -> None:
    # Real time, unavoidably: what is tested is the console's own load. Short, and with margins for a busy machine.
    flood_port, http_port = flood_and_healthy
    config = load_config_text(
        "sources:\n"
        f"  - {{name: flood, type: websocket, url: 'ws://127.0.0.1:{flood_port}/'}}\n"
        f"  - {{name: healthy, type: http, url: 'http://127.0.0.1:{http_port}/', interval: {INTERVAL}s, timeout: 2s}}\n"
    )
    monitor = Watching(config, SystemClock())
    await monitor.start()
    try:
        await asyncio.sleep(FLOOD_SECONDS)
        flood = monitor.statuses["flood"]
    finally:
        await monitor.stop()  # at most websocket.CLOSE_TIMEOUT even under the flood (it was 10 s)

    assert flood.state is SourceState.UP and flood.received >= 2000  # it was a flood (~10k a second here)
    states = [status.state for _, status in monitor.checks]
    assert states and set(states) == {SourceState.UP}, [s.reason for _, s in monitor.checks]
    # Its cadence: one check every interval plus the check's own time (before: 1-2 in 4 s, then timeouts).
    assert len(states) >= FLOOD_SECONDS / (INTERVAL + 0.5)
    gaps = [b - a for (a, _), (b, _) in zip(monitor.checks, monitor.checks[1:], strict=False)]
    assert max(gaps) < INTERVAL + 1.5


async def test_the_loop_lag_meter_sees_the_console_held_up() -> None:
    with loop_lag() as idle:
        await asyncio.sleep(0.25)
    with loop_lag() as held:
        await asyncio.sleep(0.15)
        time.sleep(0.3)  # noqa: ASYNC251 - the point: the console's own work holds its loop
        await asyncio.sleep(0)
    assert idle.worst < held.worst
    assert 0.2 <= held.worst < 1.0
    assert overload_note(held.worst).startswith("console overloaded: its event loop ran ")
    assert overload_note(0.01) == ""


async def test_a_check_slow_only_because_the_console_was_busy_stays_up_and_says_so(
    http_server: HttpServer, clock: FakeClock, sink: RecordingSink
) -> None:
    answer = asyncio.Event()
    http_server.routes["/health"] = Route(200, "ok", hold=answer)
    url = http_server.url("/health")
    config = load_config_text(
        f"sources:\n  - {{name: api, type: http, url: '{url}', expect: {{max_latency: 300ms}}}}\n"
    )
    built = build_sources(config, clock, sink)
    try:
        check = asyncio.create_task(built.sources[0].run_once())
        await http_server.wait_until(lambda: http_server.in_flight == 1)
        answer.set()
        time.sleep(0.5)  # noqa: ASYNC251 - the console's own work holds the loop while the answer waits
        status = await check
    finally:
        await built.aclose()
    assert status.latency_ms is not None and status.latency_ms > 300
    assert status.state is SourceState.UP
    assert "measured, but console overloaded: its event loop ran" in status.reason
