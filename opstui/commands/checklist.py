"""``opstui checklist --export md|csv``: the checklist as a handover document for the end of a shift.

Exit status: 0 written, 1 the state store could not be read or the file written, 2 a bad config or
bad arguments. Every failure is one line on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from opstui.commands.common import EXIT_CONFIG, error, load_or_say

EXIT_STATE = 1


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "checklist",
        help="export the checklist (every task, its last tick, who, when, on time or late)",
        description="Write the checklist as a handover document: every task with its status, its last tick "
        "(who, when, from which host, what was seen, on time or late) and its last 48 hours.",
    )
    parser.add_argument("--config", metavar="FILE", help="config file (default: the usual lookup)")
    parser.add_argument("--state", metavar="PATH", help="state database (default: the config's state.path)")
    parser.add_argument("--export", choices=("md", "csv"), required=True, help="output format")
    parser.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = load_or_say(args.config)
    if config is None:
        return EXIT_CONFIG
    from opstui.state.protocol import StateError

    try:
        text = asyncio.run(_export(config, args.state, args.export))
    except StateError as exc:
        error(str(exc))
        return EXIT_STATE
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            error(f"cannot write {args.output}: {exc.strerror or exc}")
            return EXIT_STATE
    else:
        sys.stdout.write(text)
    return 0


async def _export(config: Any, state_path: str | None, fmt: str) -> str:
    from opstui.checklist.board import Checklist
    from opstui.checklist.export import export
    from opstui.clock import SystemClock
    from opstui.config.incidents import operator_name
    from opstui.state import open_state

    clock = SystemClock()
    settings = config.state
    if state_path is not None:
        settings = settings.model_copy(update={"path": state_path, "backend": "sqlite"})  # --state: a file
    state = await open_state(settings, clock, read_only=True)
    try:
        checklist = Checklist.from_config(config, clock=clock, state=state, operator=operator_name(config.operator))
        return await export(checklist, fmt)
    finally:
        await state.close()
