"""``opstui oncall``: who is on call now (overrides applied) and the overrides to come; ``opstui oncall override``
makes one ("ana covers ben from 18:00 to 22:00"), ``opstui oncall end ID`` ends one early.

Overrides are kept in the state store, so in team mode every console pages whoever covers. Exit statuses: 0 done,
1 refused (no rotation, a bad time, the same person twice, too long) or the state store unavailable, 2 bad config.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from opstui.commands.incidents import EXIT_OK, Session, add_common, execute, when
from opstui.config.routing import known_people
from opstui.incidents.manager import IncidentError
from opstui.incidents.moments import parse_span


def register(sub: Any) -> None:
    oncall = sub.add_parser(
        "oncall",
        help="who is on call now (overrides applied); add or end an override",
        description="Who is primary, secondary and manager now, when the shift ends, and the overrides in force "
        "or to come. Exit 0, 1 refused or the state store unavailable, 2 bad config.",
    )
    add_common(oncall)
    oncall.add_argument("--json", action="store_true", help="print one JSON document instead of lines")
    oncall.set_defaults(func=run_show)
    actions = oncall.add_subparsers(dest="action", metavar="ACTION")
    override = actions.add_parser("override", help="one person covers another for a while")
    override.add_argument("--who", required=True, metavar="NAME", help="who covers")
    override.add_argument("--for", dest="covers", required=True, metavar="NAME", help="whom they cover")
    override.add_argument(
        "--from", dest="start", default="now", metavar="TIME", help="now, +1h, 18:00, 2026-12-24 18:00"
    )
    override.add_argument("--to", dest="end", required=True, metavar="TIME", help="22:00, +4h, 2026-12-24 22:00")
    add_common(override)
    override.set_defaults(func=run_override)
    end = actions.add_parser("end", help="end an override now")
    end.add_argument("id", type=int, metavar="ID", help="the override number, as 'opstui oncall' shows it")
    add_common(end)
    end.set_defaults(func=run_end)


def run_show(args: argparse.Namespace) -> int:
    async def work(current: Session) -> int:
        if current.config.rotation is None:
            raise IncidentError("no rotation in the config (rotation: people, start, shift, manager)")
        on_call = await current.manager.on_call_now()
        overrides = await current.manager.overrides()
        assert on_call is not None
        if args.json:
            document = {
                "primary": on_call.primary,
                "secondary": on_call.secondary,
                "manager": on_call.manager,
                "shift_ends": on_call.shift_ends,
                "overrides": [
                    {
                        "id": o.id,
                        "who": o.who,
                        "covers": o.covers,
                        "from": o.starts_at,
                        "to": o.ends_at,
                        "by": o.created_by,
                    }
                    for o in overrides
                ],
            }
            print(json.dumps(document, indent=2))
            return EXIT_OK
        print(f"primary    {on_call.primary}")
        print(f"secondary  {on_call.secondary}")
        print(f"manager    {on_call.manager or '-'}")
        print(f"shift ends {when(on_call.shift_ends, current.tz)}")
        for o in overrides:
            state = "now" if o.active(current.clock.now()) else "next"
            print(
                f"override #{o.id} ({state}): {o.who} covers {o.covers} from {when(o.starts_at, current.tz)} "
                f"to {when(o.ends_at, current.tz)}, by {o.created_by}"
            )
        return EXIT_OK

    return execute(args, work, read_only=True)


def run_override(args: argparse.Namespace) -> int:
    async def work(current: Session) -> int:
        known = known_people(current.config)
        for name in (args.who, args.covers):
            if known and name not in known:
                raise IncidentError(f"{name!r} is not a person of the rotation or people: ({', '.join(sorted(known))})")
        now = current.clock.now()
        try:
            start, end = parse_span(args.start, args.end, now, current.tz)
        except ValueError as exc:
            raise IncidentError(f"override not made: {exc}") from None
        made = await current.manager.add_override(args.who, args.covers, start, end)
        print(
            f"override #{made.id}: {made.who} covers {made.covers} from {when(made.starts_at, current.tz)} "
            f"to {when(made.ends_at, current.tz)}, by {made.created_by}"
        )
        return EXIT_OK

    return execute(args, work)


def run_end(args: argparse.Namespace) -> int:
    async def work(current: Session) -> int:
        await current.manager.end_override(args.id)
        print(f"override #{args.id} ended")
        return EXIT_OK

    return execute(args, work)
