"""Posting an incident update: recorded on the timeline as a ``status page updated`` milestone."""

from __future__ import annotations

from collections.abc import Sequence

from opstui.config.status_page import StatusPageSettings
from opstui.incidents.errors import IncidentError
from opstui.incidents.manager import IncidentManager
from opstui.incidents.model import Milestone
from opstui.statuspage.model import IncidentUpdate, UpdateStatus, parse_update, update_text
from opstui.statuspage.publish import publish_notification, publish_payload


async def post_update(
    manager: IncidentManager,
    incident_id: int,
    status: UpdateStatus,
    components: Sequence[str],
    title: str,
    message: str,
    by: str | None = None,
    settings: StatusPageSettings | None = None,
) -> IncidentUpdate:
    """Record one update (durable before it returns); the export, the review and the audit read it back.

    With ``settings.publish``, the update's webhook row is queued in the same transaction (see
    :mod:`opstui.statuspage.publish`).
    """
    if not message.strip():
        raise ValueError("an update needs a message")
    text = update_text(status, components, title, message)
    rows = []
    if settings is not None and settings.publish is not None:
        incident = await manager.get(incident_id)
        if incident is None:
            raise IncidentError(f"there is no incident #{incident_id}")
        now = manager.clock.now()
        payload = publish_payload(incident, status, components, title, message.strip(), by or manager.operator, now)
        rows = publish_notification(settings, payload, now)
    event = await manager.milestone(incident_id, Milestone.STATUS_PAGE_UPDATED, text, by=by, notifications=rows)
    update = parse_update(event)
    assert update is not None  # update_text writes what parse_update reads
    return update
