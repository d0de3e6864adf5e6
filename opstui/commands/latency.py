"""``opstui latency``: the request latency's p50 / p95 / p99 over 24 h / 7 d / 30 d / 90 d, from the history;
for one route (``--route``), or every route over a period (``--routes``).

The event stream's latencies are kept per hour as mergeable sketches (:mod:`opstui.metrics.sketch`, within 1 %
of an exact rank), the whole stream's and each route's (:mod:`opstui.metrics.history_routes`), so a percentile
over thirty days is the percentile of every request of those days, not a mean of minutes' percentiles. The
history is opened read-only (a file, or the team's PostgreSQL), so this works beside a running console. Exit
statuses: 0, 1 the history cannot be read, 2 bad config or arguments.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from opstui.commands.common import EXIT_CONFIG, error
from opstui.commands.incidents import history_args
from opstui.metrics.history_file import HistoryError, HistoryTables
from opstui.metrics.keys import route_key
from opstui.metrics.routes import OTHER
from opstui.metrics.sketch import LatencySketch
from opstui.metrics.uptime import DAY, WINDOWS, window_label

EXIT_FAILED = 1
QUANTILES = (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))
ROUTE_WIDTH = 40
"""Columns the route name is padded to in the table (a longer one pushes its row's figures right)."""


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "latency",
        help="request latency p50 / p95 / p99 over 24h / 7d / 30d / 90d, from the history (per route too)",
        description="The event stream's request latency percentiles over 24 h, 7 d, 30 d and 90 d (and --days), "
        "from the hourly sketches in the history; --route for one route, --routes for every route over --days. "
        "Exit 0, 1 no history, 2 bad config or arguments.",
    )
    parser.add_argument("--config", metavar="FILE", help="config file (default: the usual lookup; none is fine)")
    parser.add_argument(
        "--state", metavar="PATH", default=argparse.SUPPRESS, help="state database the history sits beside"
    )
    parser.add_argument("--demo", action="store_true", help="the history 'opstui --demo' keeps")
    parser.add_argument(
        "--days", type=float, default=30.0, metavar="N", help="one more window; with --routes the period (30)"
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--route", metavar="ROUTE", help="one route's windows (a path is made a template: /api/orders/12 -> :id)"
    )
    which.add_argument("--routes", action="store_true", help="every route on record over --days, top --top")
    parser.add_argument("--sort", choices=("volume", "p95"), default="volume", help="--routes order (volume)")
    parser.add_argument("--top", type=int, default=20, metavar="N", help="--routes: at most N rows (20)")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.top < 1:
        error("--top must be at least 1")
        return EXIT_CONFIG
    found = history_args(args)
    if isinstance(found, int):
        return found
    now = time.time()
    try:
        file = found.open()
    except HistoryError as exc:
        error(str(exc))
        return EXIT_FAILED
    try:
        if args.routes:
            return _routes(file, args, now)
        return _windows(file, args, now)
    finally:
        file.close()


def _figures(sketch: LatencySketch) -> dict[str, float | None]:
    return dict(zip((q for q, _ in QUANTILES), sketch.quantiles([v for _, v in QUANTILES]), strict=True))


def _windows(file: HistoryTables, args: argparse.Namespace, now: float) -> int:
    """The whole stream's (or one route's) percentiles over each window."""
    route = None if args.route is None else route_key(args.route)
    label = window_label(args.days)
    windows = sorted({*WINDOWS, (label, args.days * DAY)}, key=lambda w: w[1])
    rows = []
    for name, span in windows:
        sketch = file.latency(now - span) if route is None else file.route_latency(route, now - span)
        rows.append((name, sketch.count, _figures(sketch)))
    if args.json:
        doc = [{"window": name, "requests": count, "latency_ms": figures} for name, count, figures in rows]
        print(json.dumps({"windows": doc} if route is None else {"route": route, "windows": doc}, indent=2))
        return 0
    if not any(count for _, count, _ in rows):
        what = "request latency" if route is None else f"latency for route {route}"
        print(f"no {what} on record in the history yet (it fills while a console reads an event stream)")
        return 0
    if route is not None:
        print(f"route {route}")
    print(f"{'window':<8}  {'requests':>12}  " + "  ".join(f"{q:>10}" for q, _ in QUANTILES))
    for name, count, figures in rows:
        cells = "  ".join(f"{_ms(figures[q]):>10}" for q, _ in QUANTILES)
        print(f"{name:<8}  {count:>12,}  {cells}")
    return 0


def _routes(file: HistoryTables, args: argparse.Namespace, now: float) -> int:
    """Every route over ``--days``, the busiest (or slowest at p95) first, ``other`` last, at most ``--top``."""
    label = window_label(args.days)
    by_route = file.route_latencies(now - args.days * DAY)
    rows = [(route, sketch.count, _figures(sketch)) for route, sketch in by_route.items() if sketch.count]
    if args.sort == "p95":
        rows.sort(key=lambda row: (row[0] == OTHER, -(row[2]["p95"] or 0.0), -row[1], row[0]))
    else:
        rows.sort(key=lambda row: (row[0] == OTHER, -row[1], row[0]))
    shown = rows[: args.top]
    if args.json:
        doc = [{"route": route, "requests": count, "latency_ms": figures} for route, count, figures in shown]
        print(json.dumps({"window": label, "sort": args.sort, "on_record": len(rows), "routes": doc}, indent=2))
        return 0
    if not rows:
        print(f"no per-route latency on record over {label} (it fills while a console reads an event stream)")
        return 0
    more = f", top {len(shown)} of {len(rows)}" if len(shown) < len(rows) else ""
    print(f"routes over {label}, by {args.sort}{more}")
    width = min(ROUTE_WIDTH, max(len("route"), *(len(route) for route, _, _ in shown)))
    print(f"{'route':<{width}}  {'requests':>12}  " + "  ".join(f"{q:>10}" for q, _ in QUANTILES))
    for route, count, figures in shown:
        cells = "  ".join(f"{_ms(figures[q]):>10}" for q, _ in QUANTILES)
        print(f"{route:<{width}}  {count:>12,}  {cells}")
    return 0


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f} ms"
