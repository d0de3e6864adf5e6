"""``opstui maintenance``: the config's maintenance windows, open now or next, in the config's time zone."""

from __future__ import annotations

import argparse
import json
from typing import Any

from opstui.clock import SystemClock, zone
from opstui.commands.common import EXIT_CONFIG, error
from opstui.commands.incidents import EXIT_OK, load_optional, when
from opstui.config import ConfigError
from opstui.config.durations import format_duration
from opstui.incidents.maintenance import Maintenance


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "maintenance",
        help="list the maintenance windows: open now, or when each opens next",
        description="List the config's maintenance windows (maintenance: in the config): each one's next "
        "occurrence within 31 days, or the one open now, and what it silences. Exit 0, 2 on a bad config.",
    )
    parser.add_argument("--config", metavar="FILE", help="config file (default: the usual lookup)")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        config = load_optional(args.config)
    except ConfigError as exc:
        error(str(exc))
        return EXIT_CONFIG
    now = SystemClock().now()
    tz = zone(config.timezone)
    windows = Maintenance(config.maintenance, config.timezone)
    upcoming = windows.upcoming(now)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "name": o.window.name,
                        "open": o.start <= now < o.end,
                        "starts_at": o.start,
                        "ends_at": o.end,
                        "matchers": o.window.matchers,
                        "every": o.window.every,
                    }
                    for o in upcoming
                ],
                indent=2,
            )
        )
        return EXIT_OK
    if not config.maintenance:
        print("no maintenance windows (maintenance: in the config)")
        return EXIT_OK
    if not upcoming:
        print("no maintenance window opens in the next 31 days")
        return EXIT_OK
    header = ("WINDOW", "STATE", "STARTS", "ENDS", "LENGTH", "SILENCES")
    rows = [
        (
            o.window.name,
            "open" if o.start <= now < o.end else "next",
            when(o.start, tz),
            when(o.end, tz),
            format_duration(o.end - o.start),
            o.window.matchers,
        )
        for o in upcoming
    ]
    widths = [max(len(str(row[c])) for row in [header, *rows]) for c in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return EXIT_OK
