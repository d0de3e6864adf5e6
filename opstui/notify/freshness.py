"""A page says what is true when it is delivered, not when it was queued.

A trigger or escalation page waits in the outbox while its channel is down; meanwhile someone may
acknowledge or resolve the incident. Sending it then as queued would page people (the manager, at the
last escalation step) for an incident that is handled, and tell the receiver something false. So at
delivery time the dispatcher asks :func:`judge` what to do with it:

- it is still current: send it as queued;
- it is superseded and a later page of the same incident, queued for the same channel, will say what is
  current (its acknowledgement or resolution): drop it;
- it is superseded, it is an escalation or a reminder: drop it (its only message is "nobody answered");
- it is superseded, it is the trigger (or reopen) and nothing later is queued: send it once, rewritten to
  the incident's current state, so the receiver learns of the incident without being told it is unhandled.

Either way the item is recorded as ``superseded`` (sent or not), never silently lost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

PAGING_EVENTS = frozenset(
    {"triggered", "reopened", "escalated", "ack_timeout", "reminder", "unacknowledged", "reassigned"}
)
"""Events that ask someone to act: out of date once the incident is no longer triggered."""
HANDLED = frozenset({"acknowledged", "resolved"})
NOBODY_ANSWERED = frozenset({"escalated", "reminder"})
"""Paging events that say nothing once somebody has answered."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """What to do with one item now."""

    payload: Mapping[str, Any] | None
    """What to send; None: send nothing (drop the item as superseded)."""
    superseded: bool


def is_superseded(payload: Mapping[str, Any], current: str | None) -> bool:
    """A paging event whose incident is, by now, acknowledged or resolved."""
    return str(payload.get("event") or "") in PAGING_EVENTS and current in HANDLED


def judge(payload: Mapping[str, Any], current: str | None, later: Sequence[str] = ()) -> Verdict:
    """See the module docstring; ``current`` is the incident's state now (None if unknown: sent as is),
    ``later`` the events of the incident's pages queued after this one on the same channel."""
    if not is_superseded(payload, current):
        return Verdict(payload, superseded=False)
    assert current is not None
    if HANDLED.intersection(later) or payload.get("event") in NOBODY_ANSWERED:
        return Verdict(None, superseded=True)
    queued_as = str(payload.get("event"))
    rewritten = {
        **payload,
        "state": current,
        "event": current,
        "text": f"{payload.get('text') or queued_as} (queued as {queued_as}; {current} before it could be sent)",
        "superseded": queued_as,
    }
    return Verdict(rewritten, superseded=True)
