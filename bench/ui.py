"""The console's own costs: time to first frame, CPU while idle at the 1 Hz refresh, cost of one refresh.

    python -m bench.ui [--quick]

The demo shop runs in its own process (``opstui demo-server``), so the CPU figure is the console's
alone: the UI, the core and its sources reading the shop's stream and health checks. Each figure
comes from a fresh interpreter, headless (``App.run_test``), at 160x48.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

Row = tuple[str, str, str]

SIZE = (160, 48)

_CHILD = r"""
import asyncio, json, sys, time
t_spawn = float(sys.argv[1]); base = sys.argv[2]; idle = float(sys.argv[3])
import opstui.config  # the order the CLI imports in
from opstui.clock import SystemClock
from opstui.core import Core
from opstui.demo.config import demo_config
from opstui.ui.app import OpstuiApp
import tempfile, os

async def main():
    state = os.path.join(tempfile.mkdtemp(), "state.db")
    app = OpstuiApp(Core(demo_config(base), SystemClock(), state_path=state), demo=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        first = time.time() - t_spawn
        await asyncio.sleep(3.0)  # sources connected, the window filling
        wall0, cpu0 = time.perf_counter(), time.process_time()
        await asyncio.sleep(idle)
        cpu = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
        print(json.dumps({"first_frame_s": first, "idle_cpu": cpu, "idle_s": idle}))

asyncio.run(main())
"""

_REFRESH = r"""
import asyncio, json, random, tempfile, os, time
import opstui.config  # the order the CLI imports in
from opstui.clock import FakeClock
from opstui.core import Core
from opstui.demo.config import demo_config
from opstui.sources.base import SourceState, SourceStatus
from opstui.sources.events import DeployEvent
from opstui.ui.app import OpstuiApp

N = int(__import__("sys").argv[1])

class Quiet(Core):
    async def start(self):
        self.monitor.refresh()
    async def stop(self):
        pass

async def main():
    clock = FakeClock()
    config = demo_config("http://127.0.0.1:9").model_copy(update={"sources": []})
    core = Quiet(config, clock, state_path=os.path.join(tempfile.mkdtemp(), "s.db"))
    rng = random.Random(1)
    metrics = ("error_rate", "latency_p50", "latency_p95", "latency_p99", "payment_success_rate", "queue_length",
               "uptime_pct", "db_connections", "db_cpu")
    for step in range(180):  # 15 minutes of history at 5 s
        clock.advance(5)
        for m in metrics:
            core.monitor.record(m, rng.uniform(1, 900), clock.now())
    app = OpstuiApp(core, demo=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        total = worst = cpu = worst_cpu = 0.0
        for i in range(N):
            clock.advance(5)  # every pane changes: new points, new ages, a new event
            for m in metrics:
                core.monitor.record(m, rng.uniform(1, 900), clock.now())
            for name in ("api", "homepage", "payments", "events", "app", "admin-login"):
                core.monitor.status_changed(SourceStatus(name, "http", name, SourceState.UP if rng.random() > .2
                    else SourceState.DOWN, reason="", last_check=clock.now(), latency_ms=rng.uniform(5, 500),
                    checks=i + 1, ok_checks=i))
            core.monitor.ingest([DeployEvent(clock.now(), f"v{i}")])
            t0, c0 = time.perf_counter(), time.process_time()
            app.tick()
            await pilot.pause()
            took, busy = time.perf_counter() - t0, time.process_time() - c0
            total += took
            worst = max(worst, took)
            cpu += busy
            worst_cpu = max(worst_cpu, busy)
        print(json.dumps({"refresh_ms": 1000 * total / N, "worst_ms": 1000 * worst, "cpu_ms": 1000 * cpu / N,
                          "worst_cpu_ms": 1000 * worst_cpu, "n": N}))

asyncio.run(main())
"""


_FLOOR = r"""
import asyncio, json, sys, time
from textual.app import App
from textual.widgets import Static

N = int(sys.argv[1])

class Bare(App):
    def compose(self):
        for i in range(20):
            yield Static(str(i))

async def main():
    app = Bare()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        total = worst = cpu = worst_cpu = 0.0
        for i in range(N):
            t0, c0 = time.perf_counter(), time.process_time()
            for n, widget in enumerate(app.query(Static)):
                widget.update(f"{i} {n}")
            await pilot.pause()
            took, busy = time.perf_counter() - t0, time.process_time() - c0
            total += took
            worst = max(worst, took)
            cpu += busy
            worst_cpu = max(worst_cpu, busy)
        print(json.dumps({"refresh_ms": 1000 * total / N, "worst_ms": 1000 * worst, "cpu_ms": 1000 * cpu / N,
                          "worst_cpu_ms": 1000 * worst_cpu, "n": N}))

asyncio.run(main())
"""
"""The floor of "one refresh": a bare Textual app whose 20 Statics all change, timed by the same harness (tick,
then ``pilot.pause()`` until the frame is drawn). Its wall time is mostly Textual's frame pacing, which the console
pays too; the loop's CPU is the part the console's own work adds to."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def demo_shop() -> Iterator[str]:
    """The demo shop in its own process, for as long as the block runs."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "opstui", "demo-server", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


def bench_console(idle: float) -> dict[str, float]:
    with demo_shop() as base:
        t_spawn = time.time()
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(t_spawn), base, str(idle)],
            capture_output=True,
            text=True,
            timeout=idle + 120,
        )
    return _result(out)


def bench_refresh(n: int, floor: bool = False) -> dict[str, float]:
    child = _FLOOR if floor else _REFRESH
    out = subprocess.run([sys.executable, "-c", child, str(n)], capture_output=True, text=True, timeout=300)
    return _result(out)


def _result(out: subprocess.CompletedProcess[str]) -> dict[str, float]:
    if out.returncode != 0:
        raise RuntimeError(f"benchmark child failed: {out.stderr.strip().splitlines()[-1:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def rows(quick: bool, dsn: str | None) -> list[Row]:
    """First frame, idle CPU (10 s quick, 60 s full) and one refresh with every pane changing."""
    console = bench_console(10.0 if quick else 60.0)
    refresh = bench_refresh(20 if quick else 100)
    floor = bench_refresh(20 if quick else 100, floor=True)
    return [
        (
            "console: start to first frame",
            f"{console['first_frame_s']:.2f} s",
            "fresh interpreter: imports, core start, demo config, headless 160x48 app until its first frame",
        ),
        (
            "console: CPU while idle",
            f"{100 * console['idle_cpu']:.1f} % of a core",
            f"process CPU over {console['idle_s']:.0f} s, demo traffic streaming in, 1 Hz refresh at 160x48",
        ),
        (
            "console: one refresh, the loop busy",
            f"{refresh['cpu_ms']:.1f} ms CPU (worst {refresh['worst_cpu_ms']:.1f} ms); floor "
            f"{floor['cpu_ms']:.1f} ms (worst {floor['worst_cpu_ms']:.1f} ms)",
            f"mean of {refresh['n']:.0f}: tick + repaint with every tile, row, chart and the tail changed, 160x48; "
            "floor: a bare Textual app whose 20 Statics all change, same harness",
        ),
        (
            "console: one refresh, wall",
            f"{refresh['refresh_ms']:.1f} ms (worst {refresh['worst_ms']:.1f} ms); floor "
            f"{floor['refresh_ms']:.1f} ms (worst {floor['worst_ms']:.1f} ms)",
            "the same refreshes, tick until the frame is drawn (pilot.pause): Textual's frame pacing is in both",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ui", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    for what, figure, how in rows(args.quick, None):
        print(f"{what}: {figure}  ({how})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
