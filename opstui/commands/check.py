"""``opstui check``: one headless run of every source, exit by the Nagios convention.

``--record`` stores every result in the state store (docs/backups-and-uptime.md, "Uptime when no console
runs"); a store that cannot be written is exit 3 (UNKNOWN) with one line, so cron mails it.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import uuid
from typing import TYPE_CHECKING, Any

from opstui.commands.common import EXIT_UNKNOWN, error, load_or_say
from opstui.config.durations import parse_duration
from opstui.config.incidents import StateSettings
from opstui.state.protocol import StateError

if TYPE_CHECKING:
    from opstui.check import CheckReport


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
    parser.add_argument(
        "--record",
        action="store_true",
        help="store every result in the state store, so a cron job or systemd timer keeps the uptime record "
        "between consoles ('opstui uptime' counts it)",
    )
    parser.add_argument(
        "--state", metavar="PATH", default=argparse.SUPPRESS, help="with --record: the SQLite state file"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from opstui.check import render_json, render_table, run_check

    try:
        wait_seconds = parse_duration(args.wait)
    except ValueError as exc:
        error(f"--wait: {exc}")
        return EXIT_UNKNOWN
    config = load_or_say(args.config)
    if config is None:
        return EXIT_UNKNOWN
    report = asyncio.run(run_check(config, wait=wait_seconds))
    print(render_json(report) if args.json else render_table(report))
    if args.record:
        from opstui.commands.incidents import state_settings

        try:
            asyncio.run(_record(report, state_settings(config, getattr(args, "state", None))))
        except StateError as exc:
            error(f"--record: the results were not recorded: {exc}")
            return EXIT_UNKNOWN
    return int(report.status)


async def _record(report: CheckReport, settings: StateSettings) -> None:
    """One run's results into the state store, committed before the command exits."""
    from opstui.check import check_results
    from opstui.clock import SystemClock
    from opstui.state import open_state

    state = await open_state(settings, SystemClock())
    try:
        await state.record_checks(check_results(report, uuid.uuid4().hex, socket.gethostname()))
    finally:
        await state.close()
