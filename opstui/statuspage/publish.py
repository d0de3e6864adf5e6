"""Publishing each update to a webhook (``status_page.publish``), through the notifications' durable outbox.

An update and its outbox row are written in one transaction (see :func:`opstui.statuspage.post.post_update`),
so an update on the timeline is always published and a crash never publishes one that is not recorded. The
dispatcher then delivers the row like a page: retried with backoff while the receiver is down, carrying an
``Idempotency-Key`` header (the row's key) so a receiver can drop a repeat, and in order per incident.

The body is shaped like Atlassian Statuspage's incident API (``incident.name / status / body / components``),
so a small bridge (or Statuspage itself, with a component-id mapping) can take it as is::

    {"event": "status_update", "incident_id": 7, "severity": "P0", "at": 1790000000.0, "author": "ana",
     "incident": {"name": "Payment Processing - Payment System Down", "status": "identified",
                  "body": "Stripe webhooks are failing ...",
                  "components": {"Payment Processing": "major_outage"}}}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opstui.alerts.model import Severity
from opstui.config.notify import WebhookNotifier
from opstui.config.status_page import StatusPageSettings
from opstui.incidents.model import Incident
from opstui.notify.base import Channel
from opstui.notify.webhook import WebhookChannel
from opstui.state.protocol import Notification
from opstui.statuspage.model import UpdateStatus

PUBLISH_CHANNEL = "status-page"
"""The outbox channel of published updates (a notifier may not take this name)."""

_IMPACT = {
    Severity.P0: "major_outage",
    Severity.P1: "partial_outage",
    Severity.P2: "degraded_performance",
    Severity.P3: "degraded_performance",
}


def publish_payload(
    incident: Incident,
    status: UpdateStatus,
    components: Sequence[str],
    title: str,
    message: str,
    author: str,
    at: float,
) -> dict[str, Any]:
    """The JSON body of one published update (see the module docstring)."""
    impact = "operational" if status is UpdateStatus.RESOLVED else _IMPACT[incident.severity]
    return {
        "event": "status_update",
        "incident_id": incident.id,
        "severity": incident.severity.value,
        "at": at,
        "author": author,
        "incident": {
            "name": title,
            "status": status.value.lower(),
            "body": message,
            "components": dict.fromkeys(components, impact),
        },
    }


def publish_notification(settings: StatusPageSettings, payload: dict[str, Any], at: float) -> list[Notification]:
    """The outbox row for an update, or none when ``status_page.publish`` is not configured."""
    if settings.publish is None:
        return []
    return [Notification(channel=PUBLISH_CHANNEL, payload=payload, created_at=at)]


def publish_notifier(settings: StatusPageSettings) -> WebhookNotifier | None:
    """``status_page.publish`` as the webhook notifier the dispatcher delivers it with (None when unset)."""
    publish = settings.publish
    if publish is None:
        return None
    return WebhookNotifier(
        type="webhook", name=PUBLISH_CHANNEL, url=publish.url, headers=publish.headers, timeout=publish.timeout
    )


def publish_channels(settings: StatusPageSettings) -> dict[str, Channel]:
    """The dispatcher's channel for published updates: a webhook to ``status_page.publish.url``."""
    hook = publish_notifier(settings)
    return {} if hook is None else {PUBLISH_CHANNEL: WebhookChannel(hook)}
