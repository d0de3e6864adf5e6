"""Slack incoming webhooks: one readable line per notification."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from opstui.config.notify import SlackNotifier
from opstui.notify.base import Notification
from opstui.notify.http import JsonPoster
from opstui.notify.message import headline


def slack_payload(notification: Notification, channel: str | None = None) -> dict[str, Any]:
    """The webhook body: ``{"text": headline}`` (plus ``channel`` when configured, and the outbox item's
    ``idempotency_key``, which Slack ignores and a Slack-compatible bridge may use)."""
    # Slack reads &, < and > as markup (links, mentions); a title must not turn into an @channel.
    text = headline(notification).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    payload: dict[str, Any] = {"text": text}
    if channel:
        payload["channel"] = channel
    if notification.get("idempotency_key"):
        payload["idempotency_key"] = str(notification["idempotency_key"])
    return payload


class SlackChannel:
    """Posts :func:`slack_payload` to the incoming-webhook URL."""

    def __init__(self, config: SlackNotifier) -> None:
        self.name = config.name
        self.timeout = config.timeout
        self._config = config
        url = config.webhook_url.get_secret_value()
        parts = urlsplit(url)
        self._poster = JsonPoster(url, {}, config.timeout, [url, *parts.path.split("/"), parts.path, parts.query])

    def describe(self) -> str:
        """``slack hooks.slack.com/… #ops``."""
        return self._config.describe()

    async def send(self, notification: Notification) -> None:
        """Post one line; Slack answers 200 ``ok`` or an error code such as 404 ``no_service``."""
        key = notification.get("idempotency_key")
        await self._poster.post(slack_payload(notification, self._config.channel), str(key) if key else None)

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._poster.aclose()
