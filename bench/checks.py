"""1,000 HTTP checks at a 10-second interval: the console's CPU share, and whether each check keeps its pace.

    python -m bench.checks                  # 1,000 checks, 60 s
    python -m bench.checks --checks 200 --seconds 30

The endpoints are one small HTTP server in its own process (``--serve``: an asyncio server answering
``200 ok`` on every path, keep-alive), so the CPU figure is the checks' alone. The console's core runs in a
fresh interpreter with the production factory's sources (each its own client, as in the console), the real
clock and no screen; every check's start is recorded from its status (its end less its latency). A check keeps
its pace when the time from one start to the next is within 10 % of ``interval`` (which runs start to start).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time

Row = tuple[str, str, str]

_CHILD = r"""
import asyncio, json, os, statistics, sys, tempfile, time
port, checks, seconds, interval = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
import opstui.config
from opstui.clock import SystemClock
from opstui.config.models import HttpSource
from opstui.core import Core
from opstui.demo.config import demo_config

async def main():
    sources = [HttpSource(name=f"check-{i:04d}", type="http", url=f"http://127.0.0.1:{port}/health/{i}",
                          interval=interval, timeout=2.0) for i in range(checks)]
    demo = demo_config("http://127.0.0.1:9")
    store = demo.store.model_copy(update={"history": False})  # never into the user's demo history
    config = demo.model_copy(update={"sources": sources, "store": store})
    core = Core(config, SystemClock(), state_path=os.path.join(tempfile.mkdtemp(), "s.db"))
    starts: dict[str, list[float]] = {}
    seen = core.monitor.status_changed
    def record(status):
        if status.last_check is not None:
            # The check's start: when it ended less how long the answer took.
            start = status.last_check - (status.latency_ms or 0.0) / 1000.0
            runs = starts.setdefault(status.name, [])
            if not runs or abs(runs[-1] - start) > 1e-6:
                runs.append(start)
        seen(status)
    core.monitor.status_changed = record
    await core.start()
    await asyncio.sleep(interval + 2)  # every check has run once: measure the steady state
    wall0, cpu0 = time.perf_counter(), time.process_time()
    await asyncio.sleep(seconds)
    cpu = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
    await core.stop()
    gaps = [b - a for runs in starts.values() for a, b in zip(runs, runs[1:])]
    kept = sum(interval * 0.9 <= g <= interval * 1.1 for g in gaps)
    ups = sum(1 for s in core.monitor.statuses.values() if s.state.value == "up")
    print(json.dumps({"cpu": cpu, "gaps": len(gaps), "kept": kept, "worst_gap": max(gaps, default=0.0),
                      "median_gap": statistics.median(gaps) if gaps else 0.0, "up": ups, "checks": checks}))

asyncio.run(main())
"""


async def _serve(port: int) -> None:
    """Answer ``200 ok`` to every request on every path, keep-alive, until killed."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if not head:
                    break
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=2048)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


def bench_checks(checks: int = 1000, seconds: float = 60.0, interval: float = 10.0) -> dict[str, float]:
    from bench.keys import _free_port

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.checks", "--serve", str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        if "ready" not in server.stdout.readline():
            raise RuntimeError("the endpoint server did not start")
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(port), str(checks), str(seconds), str(interval)],
            capture_output=True,
            text=True,
            timeout=seconds + interval + 120,
        )
    finally:
        server.terminate()
        server.wait(10)
    if out.returncode != 0:
        raise RuntimeError(f"benchmark child failed: {out.stderr.strip().splitlines()[-1:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def rows(quick: bool, dsn: str | None) -> list[Row]:
    """For ``bench.run``: the CPU share of 1,000 checks and the share of checks that kept their pace."""
    del dsn
    r = bench_checks(seconds=30.0 if quick else 60.0)
    return [
        (
            f"{r['checks']:,.0f} HTTP checks every 10 s",
            f"{100 * r['cpu']:.1f} % of a core; {r['kept']:,.0f} of {r['gaps']:,.0f} gaps within 10 % of the "
            f"interval (median {r['median_gap']:.2f} s, worst {r['worst_gap']:.2f} s)",
            "the core alone, real clock, one local keep-alive server in its own process; gap: one start to the next",
        )
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.checks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--checks", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--interval", type=float, default=10.0)
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        asyncio.run(_serve(args.serve))
        return 0
    started = time.perf_counter()
    print(json.dumps(bench_checks(args.checks, args.seconds, args.interval)))
    print(f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
