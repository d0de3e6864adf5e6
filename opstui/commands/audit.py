"""``opstui audit``: every action on the shared state, who did it, when and from which host.

Reads the configured store (SQLite or the team's PostgreSQL) and prints one line per action, oldest first,
or one JSON document with ``--json``. Exit 0, 1 when the store cannot be read, 2 for bad config or arguments.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from opstui.commands.common import EXIT_CONFIG, error, load_or_say, with_state
from opstui.config.durations import parse_duration

if TYPE_CHECKING:
    from opstui.state.protocol import StateStore

EXIT_STATE = 1


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "audit",
        help="list every action (acknowledge, resolve, note, tick, snooze): who, when, host, what",
        description="The audit trail of the state store: incident actions, checklist ticks and silences.",
    )
    parser.add_argument("--config", metavar="FILE", help="config file (default: the usual lookup)")
    parser.add_argument("--since", metavar="DURATION", default="24h", help="how far back (default 24h)")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of lines")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from opstui.clock import SystemClock, zone
    from opstui.state import StateError
    from opstui.state.audit import format_entry

    try:
        since = parse_duration(args.since)
    except ValueError as exc:
        error(f"--since: {exc}")
        return EXIT_CONFIG
    config = load_or_say(args.config)
    if config is None:
        return EXIT_CONFIG
    clock = SystemClock()

    async def read(state: StateStore) -> list[Any]:
        return list(await state.audit(clock.now() - since))

    try:
        entries = with_state(config.state, read, read_only=True)
    except StateError as exc:
        error(str(exc))
        return EXIT_STATE
    if args.json:
        print(json.dumps({"since": clock.now() - since, "entries": [e.as_dict() for e in entries]}, indent=2))
    else:
        tz = zone(config.timezone)
        for item in entries:
            print(format_entry(item, tz))
        if not entries:
            print(f"no actions in the last {args.since}")
    return 0
