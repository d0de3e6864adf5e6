"""``opstui check``: one headless run of every source, exit by the Nagios convention."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from opstui.commands.common import EXIT_UNKNOWN, error, load
from opstui.config import ConfigError
from opstui.config.durations import parse_duration


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "check",
        help="run every source once, evaluate the KPIs, exit by the worst status",
        description="Headless one-shot check for cron and CI. Exit status (Nagios): 0 OK, 1 WARNING, "
        "2 CRITICAL, 3 UNKNOWN (a source unreachable, a bad config).",
    )
    parser.add_argument("--config", metavar="FILE", help="config file (default: the usual lookup)")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    parser.add_argument(
        "--wait", metavar="DURATION", default="5s", help="how long websocket sources listen (default 5s)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from opstui.check import render_json, render_table, run_check

    try:
        wait_seconds = parse_duration(args.wait)
    except ValueError as exc:
        error(f"--wait: {exc}")
        return EXIT_UNKNOWN
    try:
        config, _ = load(args.config)
    except ConfigError as exc:
        error(str(exc))
        return EXIT_UNKNOWN
    report = asyncio.run(run_check(config, wait=wait_seconds))
    print(render_json(report) if args.json else render_table(report))
    return int(report.status)
