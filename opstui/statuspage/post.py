"""Posting an incident update: recorded on the timeline as a ``status page updated`` milestone."""

from __future__ import annotations

from collections.abc import Sequence

from opstui.incidents.manager import IncidentManager
from opstui.incidents.model import Milestone
from opstui.statuspage.model import IncidentUpdate, UpdateStatus, parse_update, update_text


async def post_update(
    manager: IncidentManager,
    incident_id: int,
    status: UpdateStatus,
    components: Sequence[str],
    title: str,
    message: str,
    by: str | None = None,
) -> IncidentUpdate:
    """Record one update (durable before it returns); the export, the review and the audit read it back."""
    if not message.strip():
        raise ValueError("an update needs a message")
    text = update_text(status, components, title, message)
    event = await manager.milestone(incident_id, Milestone.STATUS_PAGE_UPDATED, text, by=by)
    update = parse_update(event)
    assert update is not None  # update_text writes what parse_update reads
    return update
