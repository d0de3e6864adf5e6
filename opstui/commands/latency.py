"""``opstui latency``: the request latency's p50 / p95 / p99 over 24 h / 7 d / 30 d / 90 d, from the history.

The event stream's latencies are kept per hour as mergeable sketches (:mod:`opstui.metrics.sketch`, within 1 %
of an exact rank), so a percentile over thirty days is the percentile of every request of those days, not a mean
of minutes' percentiles. The history is opened read-only (a file, or the team's PostgreSQL), so this works beside
a running console. Exit statuses: 0, 1 the history cannot be read, 2 bad config or arguments.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from opstui.commands.common import error
from opstui.commands.incidents import history_args
from opstui.metrics.history_file import HistoryError
from opstui.metrics.uptime import DAY, WINDOWS, window_label

EXIT_FAILED = 1
QUANTILES = (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "latency",
        help="request latency p50 / p95 / p99 over 24h / 7d / 30d / 90d, from the history",
        description="The event stream's request latency percentiles over 24 h, 7 d, 30 d and 90 d (and --days), "
        "from the hourly sketches in the history. Exit 0, 1 no history, 2 bad config or arguments.",
    )
    parser.add_argument("--config", metavar="FILE", help="config file (default: the usual lookup; none is fine)")
    parser.add_argument(
        "--state", metavar="PATH", default=argparse.SUPPRESS, help="state database the history sits beside"
    )
    parser.add_argument("--demo", action="store_true", help="the history 'opstui --demo' keeps")
    parser.add_argument("--days", type=float, default=30.0, metavar="N", help="one more window (default 30)")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    found = history_args(args)
    if isinstance(found, int):
        return found
    opener = found.open
    label = window_label(args.days)
    windows = sorted({*WINDOWS, (label, args.days * DAY)}, key=lambda w: w[1])
    now = time.time()
    try:
        file = opener()
    except HistoryError as exc:
        error(str(exc))
        return EXIT_FAILED
    try:
        rows = []
        for name, span in windows:
            sketch = file.latency(now - span)
            rows.append(
                (
                    name,
                    sketch.count,
                    dict(zip((q for q, _ in QUANTILES), sketch.quantiles([v for _, v in QUANTILES]), strict=True)),
                )
            )
    finally:
        file.close()
    if args.json:
        doc = [{"window": name, "requests": count, "latency_ms": figures} for name, count, figures in rows]
        print(json.dumps({"windows": doc}, indent=2))
        return 0
    if not any(count for _, count, _ in rows):
        print("no request latency on record in the history yet (it fills while a console reads an event stream)")
        return 0
    print(f"{'window':<8}  {'requests':>12}  " + "  ".join(f"{q:>10}" for q, _ in QUANTILES))
    for name, count, figures in rows:
        cells = "  ".join(f"{_ms(figures[q]):>10}" for q, _ in QUANTILES)
        print(f"{name:<8}  {count:>12,}  {cells}")
    return 0


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f} ms"
