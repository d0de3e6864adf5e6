"""``opstui resolve ID``: resolve an incident from a shell, recorded exactly as the ``r`` key does."""

from __future__ import annotations

import argparse
from typing import Any

from opstui.commands.common import error
from opstui.commands.incidents import EXIT_FAILED, EXIT_OK, Session, add_common, execute
from opstui.incidents.manager import AlreadyHandled
from opstui.incidents.model import IncidentState


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "resolve",
        help="resolve an incident (who: the config's operator or your login; this host)",
        description="Resolve incident ID; --note says how (the review's Resolution). An incident whose alert "
        "is still firing is refused unless --force (it then reopens at the next evaluation). Exit 0 done, "
        "1 no such incident / already resolved / still firing, 2 bad config.",
    )
    parser.add_argument("id", type=int, metavar="ID", help="the incident number, as 'opstui incidents' shows it")
    parser.add_argument("--note", metavar="TEXT", help="how it was resolved (kept on the timeline)")
    parser.add_argument(
        "--force", action="store_true", help="resolve even though its alert is still firing (it will reopen)"
    )
    add_common(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    async def work(current: Session) -> int:
        manager = current.manager
        before = await manager.get(args.id)
        if before is None:
            error(f"there is no incident #{args.id}")
            return EXIT_FAILED
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
