"""``opstui handoff``: the end-of-shift notes (see :mod:`opstui.handoff`)."""

from __future__ import annotations

import argparse
from typing import Any

from opstui.commands.common import print_or_write
from opstui.commands.incidents import EXIT_FAILED, EXIT_OK, Session, add_common, execute
from opstui.config.durations import parse_duration


def _duration(text: str) -> float:
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError("must be more than zero")
    return seconds


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "handoff",
        help="write the end-of-shift handoff notes as Markdown",
        description="The last shift for the next person on call: incidents opened, acknowledged or resolved "
        "(and every open one) with their last update, silences in force, checklist tasks overdue or missed, who "
        "is on call now and next. Exit 0, 1 the state store or FILE failed, 2 a bad config.",
    )
    parser.add_argument(
        "--since", type=_duration, default=12 * 3600.0, metavar="DURATION", help="the shift (default 12h)"
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    add_common(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    async def work(current: Session) -> int:
        from opstui.checklist.board import Checklist
        from opstui.config.incidents import operator_name
        from opstui.handoff import gather, render

        config, state = current.config, current.manager.store
        checklist = Checklist.from_config(
            config, clock=current.clock, state=state, operator=operator_name(config.operator)
        )
        now = current.clock.now()
        notes = render(await gather(state, checklist, config.rotation, now - args.since, now, current.tz), current.tz)
        return EXIT_OK if print_or_write(notes, args.output, "the handoff") else EXIT_FAILED

    return execute(args, work, read_only=True)
