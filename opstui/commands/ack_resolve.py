"""``opstui ack ID`` and ``opstui resolve ID``: an incident acknowledged or resolved from a shell.

Recorded exactly as the console's ``a`` and ``r`` keys do (the same manager, operator and host), so the
timeline cannot tell a shell from a keystroke. One module for both because they are one flow: look the
incident up, act, report who owns it when someone else was first.
"""

from __future__ import annotations

import argparse
from typing import Any

from opstui.commands.common import error
from opstui.commands.incidents import EXIT_FAILED, EXIT_OK, Session, add_common, execute
from opstui.incidents.manager import AlreadyHandled
from opstui.incidents.model import IncidentState


def register(sub: Any) -> None:
    ack = sub.add_parser(
        "ack",
        help="acknowledge an incident (who: the config's operator or your login; this host)",
        description="Acknowledge incident ID: stops escalation and the response-time clock. Exit 0 done "
        "(or already acknowledged by you), 1 no such incident / already acknowledged by someone else / "
        "already resolved (it says by whom and when), 2 bad config.",
    )
    ack.add_argument("id", type=int, metavar="ID", help="the incident number, as 'opstui incidents' shows it")
    ack.add_argument("--note", metavar="TEXT", help="also add this note to the timeline")
    add_common(ack)
    ack.set_defaults(func=run_ack)

    resolve = sub.add_parser(
        "resolve",
        help="resolve an incident (who: the config's operator or your login; this host)",
        description="Resolve incident ID; --note says how (the review's Resolution). An incident whose alert "
        "is still firing is refused unless --force (it then reopens at the next evaluation). Exit 0 done, "
        "1 no such incident / already resolved / still firing, 2 bad config.",
    )
    resolve.add_argument("id", type=int, metavar="ID", help="the incident number, as 'opstui incidents' shows it")
    resolve.add_argument("--note", metavar="TEXT", help="how it was resolved (kept on the timeline)")
    resolve.add_argument(
        "--force", action="store_true", help="resolve even though its alert is still firing (it will reopen)"
    )
    add_common(resolve)
    resolve.set_defaults(func=run_resolve)


def run_ack(args: argparse.Namespace) -> int:
    async def work(current: Session) -> int:
        manager = current.manager
        before = await current.incident(args.id)
        try:
            incident = await manager.acknowledge(args.id, note=args.note)
        except AlreadyHandled as lost:
            error(lost.describe(current.tz))  # someone else owns it: say who and since when
            return EXIT_FAILED
        if args.note:
            await manager.add_note(args.id, args.note)
        if before.state is IncidentState.ACKNOWLEDGED:
            print(f"#{incident.id} was already acknowledged by {incident.acknowledged_by}")
        else:
            print(f"#{incident.id} acknowledged by {incident.acknowledged_by}: {incident.title}")
        return EXIT_OK

    return execute(args, work)


def run_resolve(args: argparse.Namespace) -> int:
    async def work(current: Session) -> int:
        manager = current.manager
        before = await current.incident(args.id)
        if before.state is IncidentState.RESOLVED:
            error(f"incident #{args.id} is already resolved (by {before.resolved_by})")
            return EXIT_FAILED
        if (firing := manager.still_firing(before)) is not None and not args.force:
            error(f"incident #{args.id} is not over: {firing}; resolve it anyway with --force")
            return EXIT_FAILED
        try:
            incident = await manager.resolve(args.id, note=args.note)
        except AlreadyHandled as lost:  # resolved by someone else between the read above and ours
            error(lost.describe(current.tz))
            return EXIT_FAILED
        print(f"#{incident.id} resolved by {incident.resolved_by}: {incident.title}")
        return EXIT_OK

    return execute(args, work)
