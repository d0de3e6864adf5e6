"""The event rate the console keeps up with: offered by ``bench.flood``, taken by the console in a real terminal.

    python -m bench.behind                          # 10,000 to 320,000 events a second, doubling
    python -m bench.behind --rates 20000 --seconds 10

For each rate the console runs in a tmux pane of 120x40 (as in ``bench.keys``) with the flood as its only
source. The flood paces its sends and prints how many events it has sent each second; a websocket send waits
while the console has not read what came before (websockets' queue, then TCP, push back), so when the console
falls behind the flood's own rate drops, and nothing is lost: the figure is the rate the console took, as a
share of the rate offered, with its CPU share over the same seconds.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.keys import ENGINEERING, _cpu_seconds, _free_port, _wait_for, console_config

Row = tuple[str, str, str]
RATES = (10_000, 20_000, 40_000, 80_000, 160_000, 320_000)
KEEPS_UP = 0.98
"""A rate is kept up with when the console takes at least this share of it."""


def measure(rate: int, seconds: float, folder: Path) -> dict[str, float]:
    port = _free_port()
    flood = subprocess.Popen(
        [sys.executable, "-m", "bench.flood", "--port", str(port), "--rate", str(rate)],
        stdout=subprocess.PIPE,
        text=True,
    )
    counts: list[tuple[float, int]] = []

    def read() -> None:
        assert flood.stdout is not None
        for line in flood.stdout:
            if line.startswith("sent "):
                counts.append((time.perf_counter(), int(line.split()[1])))

    session = f"opstui-behind-{os.getpid()}"
    try:
        assert flood.stdout is not None
        if "ready" not in flood.stdout.readline():
            raise RuntimeError("the flood did not start")
        threading.Thread(target=read, daemon=True).start()
        config = console_config(port, folder)
        state = folder / f"state-{rate}.db"
        command = f"{shlex.quote(sys.executable)} -m opstui --config {config} --state {state}"
        subprocess.run(["tmux", "new", "-d", "-s", session, "-x", "120", "-y", "40", f"exec {command}"], check=True)
        _wait_for(session, ENGINEERING, None, limit=30)
        time.sleep(3.0)  # connected, the windows filling: measure the steady state
        pid = int(
            subprocess.run(
                ["tmux", "list-panes", "-t", session, "-F", "#{pane_pid}"], capture_output=True, text=True, check=True
            ).stdout.split()[0]
        )
        first = counts[-1]
        cpu0 = _cpu_seconds(pid)
        time.sleep(seconds)
        last = counts[-1]
        cpu = 100 * (_cpu_seconds(pid) - cpu0) / (last[0] - first[0])
    finally:
        subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=False)
        time.sleep(0.5)
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True, check=False)
        flood.terminate()
        flood.wait(10)
    taken = (last[1] - first[1]) / (last[0] - first[0])
    return {"rate": rate, "taken": taken, "share": taken / rate, "cpu_pct": cpu}


def run(rates: list[int], seconds: float) -> list[dict[str, float]]:
    with tempfile.TemporaryDirectory() as folder:
        return [measure(rate, seconds, Path(folder)) for rate in rates]


def rows(quick: bool, dsn: str | None) -> list[Row]:
    """For ``bench.run``: the rates offered, what the console took of each, and the highest it kept up with."""
    del dsn
    results = run(list(RATES), seconds=5.0 if quick else 10.0)
    kept = [r["rate"] for r in results if r["share"] >= KEEPS_UP]
    figure = "; ".join(f"{r['rate']:,.0f}: {r['taken']:,.0f} ({r['cpu_pct']:.0f} % CPU)" for r in results)
    return [
        (
            "ingest kept up with (events/s offered: taken)",
            f"up to {max(kept, default=0):,.0f} events/s; {figure}",
            "tmux 120x40, the flood's own count; behind, the producer waits (websockets/TCP push back), none lost",
        )
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.behind", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rates", type=int, nargs="+", default=list(RATES))
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    print("| events/s offered | taken | share | console CPU |")
    print("| --- | --- | --- | --- |")
    for r in run(args.rates, args.seconds):
        print(f"| {r['rate']:,.0f} | {r['taken']:,.0f} | {100 * r['share']:.0f} % | {r['cpu_pct']:.0f} % |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
