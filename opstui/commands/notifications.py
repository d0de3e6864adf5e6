"""``opstui notifications``: every page in the outbox and where its delivery stands.

One line per page (newest first), or one JSON document with ``--json``: the incident, the notifier, the
state (pending, delivered, failed, superseded), attempts, the last error (secret-free: channels build it
from fixed phrases and scrub what a server sent back), and the times. The ``incident`` rows the incident
manager queues are not pages (they are fanned out to the notifiers) and are not listed. Exit 0, 1 when the
store cannot be read, 2 for a bad config or arguments.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime, tzinfo
from typing import Any

from opstui.commands.common import EXIT_CONFIG, error, load_or_say, with_state
from opstui.state.outbox_sql import INCIDENT_CHANNEL
from opstui.state.protocol import DeliveryState, Notification, StateStore

EXIT_STATE = 1
LIMIT = 500


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "notifications",
        help="list the pages in the outbox: pending, delivered, failed or superseded, with attempts and errors",
        description="Every page (one per incident event and notifier) and where its delivery stands.",
    )
    parser.add_argument("--config", metavar="FILE", help="config file (default: the usual lookup)")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of lines")
    parser.add_argument("--limit", type=int, default=LIMIT, metavar="N", help=f"newest N pages (default {LIMIT})")
    parser.set_defaults(func=run)


def outcome(item: Notification) -> str:
    """The state, and for a superseded page what became of it."""
    if item.state is DeliveryState.SUPERSEDED:
        return "superseded (sent as current)" if item.delivered_at is not None else "superseded (not sent)"
    return item.state.value


def as_dict(item: Notification) -> dict[str, Any]:
    """One page for ``--json``."""
    return {
        "id": item.id,
        "incident_id": item.incident_id,
        "channel": item.channel,
        "event": item.payload.get("event"),
        "state": item.state.value,
        "sent": item.delivered_at is not None,
        "attempts": item.attempts,
        "last_error": item.last_error,
        "key": item.key,
        "created_at": item.created_at,
        "last_attempt_at": item.last_attempt_at,
        "next_attempt_at": item.next_attempt_at if item.state is DeliveryState.PENDING else None,
        "delivered_at": item.delivered_at,
    }


def format_item(item: Notification, zone: tzinfo | None = None) -> str:
    """``2026-12-01 00:12:03  #7 escalated  pager  failed  3 attempts  last 00:14:00  connection refused``."""

    def when(ts: float | None, fmt: str = "%H:%M:%S") -> str:
        return "-" if ts is None else datetime.fromtimestamp(ts, zone).strftime(fmt)

    incident = f"#{item.incident_id}" if item.incident_id is not None else "-"
    event = str(item.payload.get("event") or "-")
    line = (
        f"{when(item.created_at, '%Y-%m-%d %H:%M:%S')}  {incident:<6} {event:<12} {item.channel:<12} "
        f"{outcome(item):<28} {item.attempts} attempt{'' if item.attempts == 1 else 's'}"
    )
    if item.delivered_at is not None:
        line += f"  sent {when(item.delivered_at)}"
    elif item.state is DeliveryState.PENDING and item.next_attempt_at is not None:
        line += f"  next {when(item.next_attempt_at)}"
    if item.last_error and item.state is not DeliveryState.DELIVERED:
        line += f"  {item.last_error}"
    return line


def run(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from opstui.state import StateError

    if args.limit < 1:
        error("--limit: must be at least 1")
        return EXIT_CONFIG
    config = load_or_say(args.config)
    if config is None:
        return EXIT_CONFIG

    async def read(state: StateStore) -> list[Notification]:
        return await state.notifications(args.limit)

    try:
        items = [item for item in with_state(config.state, read) if item.channel != INCIDENT_CHANNEL]
    except StateError as exc:
        error(str(exc))
        return EXIT_STATE
    if args.json:
        counts = {state.value: sum(item.state is state for item in items) for state in DeliveryState}
        print(json.dumps({"counts": counts, "items": [as_dict(item) for item in items]}, indent=2))
        return 0
    zone = ZoneInfo(config.timezone)
    for item in items:
        print(format_item(item, zone))
    if not items:
        print("no pages in the outbox")
    return 0
