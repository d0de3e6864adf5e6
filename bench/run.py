"""Run every benchmark the same way and print the figures as the Markdown table docs/performance.md carries.

    python -m bench.run                 # ingest, memory, UI (first frame, idle CPU, keystroke to screen)
    python -m bench.run --quick         # skip the 60-second idle-CPU run
    python -m bench.run --dsn DSN       # also the PostgreSQL metric refresh (needs a database)
    python -m bench.profile             # where one refresh's time goes (per widget, the tick, the hot functions)

Each benchmark runs in its own interpreter where start-up or memory would otherwise be polluted;
the machine, Python and date are printed with the figures so a reader knows what they describe.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
from collections.abc import Callable
from datetime import UTC, datetime

Row = tuple[str, str, str]
"""(what, figure, how it was measured)"""


def _ingest() -> list[Row]:
    from bench.ingest import bench_ingest

    r = bench_ingest()
    how = f"{r['events']:,.0f} websocket events, 20 per message, parsed and folded into the 5-minute windows"
    return [
        ("event ingest (parse + windows)", f"{r['ingest_events_per_s']:,.0f} events/s", how),
        (
            "error rate + p50/p95/p99 over 5 min",
            f"{r['stats_ms']:.3f} ms per refresh",
            "mean of one refresh a second with the window full, 500 events/s",
        ),
    ]


def _memory() -> list[Row]:
    from bench.memory import bench_memory

    r = bench_memory()
    how = f"50 metrics x 48 h at 5 s = {r['points_per_metric']:,.0f} points each, fresh interpreter"
    return [
        ("RSS at start (store empty)", f"{r['rss_start_mb']:.0f} MB", "fresh interpreter, core imported"),
        ("RSS with 48 h of history", f"{r['rss_48h_mb']:.0f} MB", how),
    ]


def _optional(module: str, quick: bool, dsn: str | None) -> list[Row]:
    """Benchmarks other parts own expose ``rows(quick=..., dsn=...) -> list[Row]``."""
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return []
    rows_of: Callable[..., list[Row]] | None = getattr(mod, "rows", None)
    if rows_of is None:
        return []
    return rows_of(quick=quick, dsn=dsn)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="skip the slow runs (idle CPU over 60 s)")
    parser.add_argument("--dsn", default=os.environ.get("OPSTUI_BENCH_DSN"), help="PostgreSQL for the query bench")
    args = parser.parse_args(argv)

    rows: list[Row] = []
    for run in (_ingest, _memory):
        rows += run()
    for module in (
        "bench.alerts",
        "bench.history",
        "bench.scrape",
        "bench.promql",
        "bench.ui",
        "bench.keys",
        "bench.behind",
        "bench.checks",
        "bench.pg_queries",
    ):
        rows += _optional(module, args.quick, args.dsn)

    cpu = platform.processor() or platform.machine()
    print(
        f"opstui benchmarks, {datetime.now(UTC):%Y-%m-%d}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores ({cpu}), {platform.system()}"
    )
    print()
    print("| what | figure | how |")
    print("| --- | --- | --- |")
    for what, figure, how in rows:
        print(f"| {what} | {figure} | {how} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
