"""What the user feels: keystroke to screen, in a real terminal, while the event stream floods the console.

For each rate (0, 1,000 and 10,000 request events a second, from ``bench.flood`` in its own process) the console
runs in a tmux pane of 120x40 with the demo's KPIs and the flood as its only source. The benchmark sends ``2``
and polls ``tmux capture-pane`` until the On-call screen is drawn, then ``1`` until Engineering is back: the
time from the key to the changed screen, ``presses`` times each. Then, with no key pressed, the console's CPU
share over ``idle`` seconds (user + system time of its process, from ``/proc``).

The floor is ``bench.bare`` (a bare Textual app with two screens of the console's weight) measured the same way
in the same run, with the machine as loaded as for the console (the flood runs, connected to nothing). Ratios
are the console over the floor.

    python -m bench.keys                       # all three rates, 30 presses each
    python -m bench.keys --rates 0 --presses 10
"""

from __future__ import annotations

import argparse
import os
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

Row = tuple[str, str, str]
ENGINEERING, ONCALL = "Error rate", "Sev  State"
"""Text only the Engineering screen (1) and only the On-call screen (2) show."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def flood(rate: int) -> Iterator[int]:
    """``bench.flood`` at ``rate`` events/s on a free port, for as long as the block runs."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.flood", "--port", str(port), "--rate", str(rate)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        if "ready" not in proc.stdout.readline():
            raise RuntimeError("the flood did not start")
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def console_config(port: int, folder: Path) -> Path:
    """The demo's KPIs and rules, with the flood as the only source."""
    from opstui.demo.config import _demo_data

    data: dict[str, Any] = _demo_data("http://127.0.0.1:9")
    data["environment"] = "bench"
    data["sources"] = [{"name": "events", "type": "websocket", "url": f"ws://127.0.0.1:{port}", "stale_after": "10s"}]
    path = folder / "bench.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _capture(session: str) -> str:
    return subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True, check=False
    ).stdout


def _wait_for(session: str, want: str, gone: str | None, limit: float = 10.0) -> float:
    """Seconds until the pane shows ``want`` (and no longer ``gone``); polls as fast as tmux answers."""
    start = time.perf_counter()
    while True:
        text = _capture(session)
        if want in text and (gone is None or gone not in text):
            return time.perf_counter() - start
        if time.perf_counter() - start > limit:
            raise TimeoutError(f"{want!r} not on screen after {limit} s:\n{text}")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(command: str, presses: int, idle: float, warmup: float = 3.0) -> dict[str, float]:
    """Key-to-screen times (ms) for ``1``/``2`` and the idle CPU share (%) of ``command`` in a tmux pane."""
    session = f"opstui-bench-{os.getpid()}"
    subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True, check=False)
    subprocess.run(["tmux", "new", "-d", "-s", session, "-x", "120", "-y", "40", f"exec {command}"], check=True)
    try:
        _wait_for(session, ENGINEERING, None, limit=30)
        time.sleep(warmup)  # connected, first refreshes done: measure the steady state
        pid = int(
            subprocess.run(
                ["tmux", "list-panes", "-t", session, "-F", "#{pane_pid}"], capture_output=True, text=True, check=True
            ).stdout.split()[0]
        )
        times: list[float] = []
        for _ in range(presses):
            for key, want, gone in (("2", ONCALL, ENGINEERING), ("1", ENGINEERING, ONCALL)):
                subprocess.run(["tmux", "send-keys", "-t", session, key], check=True)
                times.append(1000 * _wait_for(session, want, gone))
                time.sleep(0.25)  # a person's pace: the next key after the screen has been read
        before, t0 = _cpu_seconds(pid), time.perf_counter()
        time.sleep(idle)
        cpu = 100 * (_cpu_seconds(pid) - before) / (time.perf_counter() - t0)
    finally:
        subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=False)
        time.sleep(0.5)
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True, check=False)
    ordered = sorted(times)
    return {
        "median_ms": statistics.median(ordered),
        "p95_ms": ordered[max(0, round(0.95 * len(ordered)) - 1)],
        "cpu_pct": cpu,
    }


def run(rates: list[int], presses: int, idle: float) -> list[dict[str, Any]]:
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for rate in rates:
            with flood(rate) as port:
                config = console_config(port, Path(folder))
                state = Path(folder) / f"state-{rate}.db"
                opstui = f"{shlex.quote(sys.executable)} -m opstui --config {config} --state {state}"
                console = measure(opstui, presses, idle)
                bare = measure(f"{shlex.quote(sys.executable)} -m bench.bare", presses, idle)
            results.append({"rate": rate, "console": console, "bare": bare})
    return results


def rows(quick: bool, dsn: str | None) -> list[Row]:
    """For ``bench.run``: the keystroke rows, with the floor and the ratio."""
    del dsn
    out: list[Row] = []
    for r in run([0, 1000, 10000], presses=10 if quick else 30, idle=5 if quick else 15):
        c, b = r["console"], r["bare"]
        how = f"tmux 120x40, keys 1/2, {r['rate']:,} events/s; floor: bare Textual, 2 screens, same run"
        out.append(
            (
                f"keystroke to screen at {r['rate']:,} ev/s (median / p95)",
                f"{c['median_ms']:.0f} / {c['p95_ms']:.0f} ms; floor {b['median_ms']:.0f} / {b['p95_ms']:.0f} ms; "
                f"x{c['median_ms'] / b['median_ms']:.2f} / x{c['p95_ms'] / b['p95_ms']:.2f}",
                how,
            )
        )
        out.append(
            (
                f"console CPU at {r['rate']:,} ev/s",
                f"{c['cpu_pct']:.1f} % of a core; floor {b['cpu_pct']:.1f} %",
                "user + system time of the process, no key pressed",
            )
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.keys", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rates", type=int, nargs="+", default=[0, 1000, 10000])
    parser.add_argument("--presses", type=int, default=30)
    parser.add_argument("--idle", type=float, default=15.0)
    args = parser.parse_args(argv)
    print("| events/s | console median / p95 (ms) | floor median / p95 (ms) | ratio p95 | console CPU | floor CPU |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in run(args.rates, args.presses, args.idle):
        c, b = r["console"], r["bare"]
        print(
            f"| {r['rate']:,} | {c['median_ms']:.0f} / {c['p95_ms']:.0f} | {b['median_ms']:.0f} / {b['p95_ms']:.0f}"
            f" | x{c['p95_ms'] / b['p95_ms']:.2f} | {c['cpu_pct']:.1f} % | {b['cpu_pct']:.1f} % |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
