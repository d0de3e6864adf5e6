"""The notification outbox's SQL, written once for both backends (``?`` placeholders;
:func:`opstui.state.sql.numbered` turns them into PostgreSQL's ``$1, $2 ...``), its bounds, and the row
mapping both share.

The rules the statements carry out:

- **In order per incident.** Only the oldest pending row of a (channel, incident) can be claimed, so the
  trigger page is sent (or given up, or superseded) before the escalation, and the escalation before the
  acknowledgement.
- **Exactly once across consoles.** A claim sets ``claimed_until``; a row claimed by anyone is not claimable
  until then. PostgreSQL re-checks that condition on the locked row, so two consoles claiming at once
  take disjoint rows; SQLite's write lock makes the read and the claim one step.
- **Back at once.** A delivery makes the channel's other rows that wait on a backoff due now.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from opstui.state.protocol import DeliveryState, Notification

OUTBOX_CAP = 10_000
"""Most undelivered notifications kept; a notifier down for days must not fill the disk."""
DELIVERED_RETENTION = 7 * 86400.0
"""Delivered, superseded and failed notifications are deleted after this long (seconds)."""
INCIDENT_CHANNEL = "incident"
"""The channel the incident manager writes to; its rows are fanned out to the notifiers, never sent."""
OUTBOX_COLUMNS = "channel, payload, created_at, next_attempt_at, key, incident_id"

CLAIMABLE = (
    "SELECT * FROM ("
    "  SELECT c.*, ROW_NUMBER() OVER (PARTITION BY c.channel ORDER BY c.next_attempt_at, c.id) AS place"
    "  FROM notifications AS c"
    "  WHERE c.state = 'pending' AND c.next_attempt_at <= ? AND (c.claimed_until IS NULL OR c.claimed_until <= ?)"
    "  AND NOT EXISTS (SELECT 1 FROM notifications AS o WHERE o.state = 'pending' AND o.channel = c.channel"
    "    AND o.incident_id = c.incident_id AND o.id < c.id)"
    ") AS due WHERE place <= ? ORDER BY next_attempt_at, id LIMIT ?"
)
"""Parameters: now, now, most rows per channel, most rows."""

MARK_DELIVERED = (
    "UPDATE notifications SET state = ?, delivered_at = ?, last_attempt_at = ?, attempts = attempts + 1, "
    "next_attempt_at = NULL, claimed_until = NULL WHERE id = ?"
)
RETRY_CHANNEL_NOW = (
    "UPDATE notifications SET next_attempt_at = ? WHERE state = 'pending' "
    "AND channel = (SELECT channel FROM notifications WHERE id = ?) AND next_attempt_at > ?"
)
MARK_SUPERSEDED = (
    "UPDATE notifications SET state = 'superseded', last_attempt_at = ?, next_attempt_at = NULL, "
    "claimed_until = NULL WHERE id = ?"
)
MARK_FAILED = (
    "UPDATE notifications SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, state = ?, "
    "last_attempt_at = ?, claimed_until = NULL WHERE id = ?"
)
LATER_PENDING = (
    "SELECT o.payload FROM notifications AS o JOIN notifications AS n ON o.channel = n.channel "
    "AND o.incident_id = n.incident_id WHERE n.id = ? AND o.id > n.id AND o.state = 'pending' ORDER BY o.id"
)
FAILING = (
    "SELECT COUNT(*) FROM notifications WHERE channel != 'incident' AND ((state = 'pending' AND attempts > 0) "
    "OR (state = 'failed' AND COALESCE(last_attempt_at, created_at) >= ?))"
)
PRUNE_FINISHED = (
    "DELETE FROM notifications WHERE state != 'pending' AND COALESCE(delivered_at, last_attempt_at, created_at) < ?"
)
"""Delivered, superseded and failed rows are kept a while (``opstui notifications`` lists them), then go."""


def outbox_values(item: Notification, payload: Mapping[str, Any]) -> tuple[object, ...]:
    """The :data:`OUTBOX_COLUMNS` of a new row; the key is made here unless the row already has one."""
    return (
        item.channel,
        json.dumps(payload, sort_keys=True),
        item.created_at,
        item.next_attempt_at if item.next_attempt_at is not None else item.created_at,
        item.key or uuid.uuid4().hex,
        incident_of(payload),
    )


def incident_of(payload: Mapping[str, Any]) -> int | None:
    """The payload's ``incident_id`` if it is one (a malformed payload is still sent, just not ordered)."""
    value = payload.get("incident_id")
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63:
        return value
    return None


def events(payloads: Sequence[str]) -> list[str]:
    """The ``event`` of each JSON payload (:data:`LATER_PENDING`'s rows)."""
    return [str(json.loads(payload).get("event") or "") for payload in payloads]


def is_trouble(item: Notification, since: float) -> bool:
    """A page :data:`FAILING` counts: failing now, or given up on at or after ``since``."""
    if item.channel == INCIDENT_CHANNEL:
        return False
    if item.state is DeliveryState.PENDING:
        return item.attempts > 0
    given_up = item.last_attempt_at if item.last_attempt_at is not None else item.created_at
    return item.state is DeliveryState.FAILED and given_up >= since


def notification(row: Mapping[str, Any]) -> Notification:
    """A row of ``notifications`` (either backend) as a :class:`Notification`."""
    values = dict(row)
    for extra in ("place", "due_at"):
        values.pop(extra, None)
    values["payload"] = json.loads(values["payload"])
    values["state"] = DeliveryState(values["state"])
    return Notification(**values)
