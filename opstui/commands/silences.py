"""``opstui silences`` lists opstui's own silences; ``opstui silence add|expire`` makes one or ends one early.

Recorded exactly as the console's ``S`` dialog does (the same manager, operator and host). Matchers are
Alertmanager's (``alertname="Service Down", service=~"api|web"``); a start may be later (the silence is then
pending); the reason is required and the length at most ``incidents.max_silence``. Exit statuses: 0 done,
1 refused (bad matchers, no reason, too long, no such silence) or the state store unavailable, 2 bad config.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from opstui.commands.incidents import EXIT_OK, Session, add_common, execute, when
from opstui.config.durations import format_duration, parse_duration
from opstui.incidents.manager import IncidentError
from opstui.incidents.model import Silence
from opstui.incidents.moments import parse_moment


def register(sub: Any) -> None:
    listing = sub.add_parser(
        "silences",
        help="list opstui's silences: state, matchers, who, from / until when, why",
        description="List opstui's own silences: pending and active ones, and those over in the last day "
        "(--all: every one kept). Exit 0, 1 if the state store cannot be opened, 2 on a bad config.",
    )
    add_common(listing)
    listing.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    listing.add_argument("--all", action="store_true", help="every silence ever made, not only recent ones")
    listing.set_defaults(func=run_list)

    silence = sub.add_parser(
        "silence",
        help="add a silence (matchers, start, length, why) or expire one early",
        description="Add or expire one of opstui's own silences. Exit 0 done, 1 refused (it says why), 2 bad config.",
    )
    actions = silence.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser(
        "add",
        help="silence the alerts the matchers cover",
        description='Silence the alerts MATCHERS cover, e.g. \'alertname="Service Down", service=~"api|web"\' '
        "(=, !=, =~, !~ on the rule name as alertname and on labels).",
    )
    add.add_argument("matchers", metavar="MATCHERS", help="Alertmanager-style matchers, comma-separated")
    length = add.add_mutually_exclusive_group(required=True)
    length.add_argument("--for", dest="length", metavar="DURATION", help="how long: 30m, 2h, 1d")
    length.add_argument("--until", metavar="TIME", help="when it ends: +2h, 23:00, 2026-12-24 18:00")
    add.add_argument("--start", metavar="TIME", default="now", help="when it starts (default now; later: pending)")
    add.add_argument("--reason", required=True, metavar="TEXT", help="why (required)")
    add_common(add)
    add.set_defaults(func=run_add)

    expire = actions.add_parser("expire", help="end a silence now (pending or active)")
    expire.add_argument("id", type=int, metavar="ID", help="the silence number, as 'opstui silences' shows it")
    add_common(expire)
    expire.set_defaults(func=run_expire)


def as_dict(silence: Silence, now: float) -> dict[str, object]:
    return {
        "id": silence.id,
        "state": silence.state(now).value,
        "matchers": silence.matcher,
        "created_by": silence.created_by,
        "created_at": silence.created_at,
        "starts_at": silence.start,
        "ends_at": silence.until,
        "ended_at": silence.ended_at,
        "ended_by": silence.ended_by,
        "expired_early": silence.end_reason == "cancelled",
        "reason": silence.reason,
        "suppressed": silence.suppressed,
    }


def run_list(args: argparse.Namespace) -> int:
    async def work(current: Session) -> int:
        manager = current.manager
        now = current.clock.now()
        silences = await manager.all_silences(expired_within=now if args.all else 86400.0)
        if args.json:
            print(json.dumps([as_dict(s, now) for s in silences], indent=2))
            return EXIT_OK
        if not silences:
            print("no silences")
            return EXIT_OK
        header = ("ID", "STATE", "MATCHERS", "BY", "STARTS", "ENDS", "WHY")
        rows = []
        for s in silences:
            ends = when(s.ended_at if s.ended_at is not None else s.until, current.tz)
            if s.end_reason == "cancelled":
                ends += f" (early, {s.ended_by})"
            matchers = s.matcher if len(s.matcher) <= 48 else s.matcher[:47] + "…"
            rows.append(
                (f"#{s.id}", s.state(now).value, matchers, s.created_by, when(s.start, current.tz), ends, s.reason)
            )
        widths = [max(len(str(row[c])) for row in [header, *rows]) for c in range(len(header))]
        for row in [header, *rows]:
            print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        return EXIT_OK

    return execute(args, work, read_only=True)


def run_add(args: argparse.Namespace) -> int:
    async def work(current: Session) -> int:
        now = current.clock.now()
        try:
            start = parse_moment(args.start, now, current.tz)
            ends = None if args.until is None else parse_moment(args.until, now, current.tz)
            duration = None if args.length is None else parse_duration(args.length)
        except ValueError as exc:
            raise IncidentError(f"silence not made: {exc}") from None
        made = await current.manager.silence(
            args.matchers, args.reason, starts_at=start, duration=duration, ends_at=ends
        )
        state = made.state(current.clock.now()).value
        length = format_duration(made.until - made.start)
        print(
            f"silence #{made.id} {state}: {made.matcher} from {when(made.start, current.tz)} for {length} "
            f"(until {when(made.until, current.tz)}), by {made.created_by}"
        )
        return EXIT_OK

    return execute(args, work)


def run_expire(args: argparse.Namespace) -> int:
    async def work(current: Session) -> int:
        ended = await current.manager.expire_silence(args.id)
        print(f"silence #{ended.id} expired by {ended.ended_by}: {ended.matcher}")
        return EXIT_OK

    return execute(args, work)
