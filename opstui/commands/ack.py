"""``opstui ack ID``: acknowledge an incident from a shell, recorded exactly as the ``a`` key does."""

from __future__ import annotations

import argparse
from typing import Any

from opstui.commands.common import error
from opstui.commands.incidents import EXIT_FAILED, EXIT_OK, Session, add_common, execute
from opstui.incidents.manager import AlreadyHandled
from opstui.incidents.model import IncidentState


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "ack",
        help="acknowledge an incident (who: the config's operator or your login; this host)",
        description="Acknowledge incident ID: stops escalation and the response-time clock. Exit 0 done "
        "(or already acknowledged by you), 1 no such incident / already acknowledged by someone else / "
        "already resolved (it says by whom and when), 2 bad config.",
    )
    parser.add_argument("id", type=int, metavar="ID", help="the incident number, as 'opstui incidents' shows it")
    parser.add_argument("--note", metavar="TEXT", help="also add this note to the timeline")
    add_common(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    async def work(current: Session) -> int:
        manager = current.manager
        before = await manager.get(args.id)
        if before is None:
            error(f"there is no incident #{args.id}")
            return EXIT_FAILED
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
