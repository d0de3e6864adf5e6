"""The generic JSON webhook: the notification is POSTed exactly as the incident core enqueued it."""

from __future__ import annotations

import base64
from urllib.parse import unquote, urlsplit

from opstui.config.notify import WebhookNotifier
from opstui.notify.base import Notification
from opstui.notify.http import JsonPoster


class WebhookChannel:
    """POSTs the notification dict as JSON; any 2xx is success."""

    def __init__(self, config: WebhookNotifier) -> None:
        self.name = config.name
        self.timeout = config.timeout
        self._config = config
        url = config.url.get_secret_value()
        headers = {key: value.get_secret_value() for key, value in config.headers.items()}
        parts = urlsplit(url)
        # Anything a server might echo back that could be a token: the URL and its parts, header values,
        # and the Basic credentials httpx derives from the URL's user:password.
        secrets = [url, *parts.path.split("/"), parts.path, parts.query, *headers.values()]
        if parts.password:
            secrets.append(parts.password)
            basic = f"{unquote(parts.username or '')}:{unquote(parts.password)}"
            secrets.append(base64.b64encode(basic.encode()).decode())
        self._poster = JsonPoster(url, headers, config.timeout, secrets)

    def describe(self) -> str:
        """``webhook https://pager.example/…``."""
        return self._config.describe()

    async def send(self, notification: Notification) -> None:
        """POST the payload as is (its ``idempotency_key`` also goes in the ``Idempotency-Key`` header)."""
        key = notification.get("idempotency_key")
        await self._poster.post(dict(notification), str(key) if key else None)

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._poster.aclose()
