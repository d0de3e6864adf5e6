"""What every channel shares: the :class:`Channel` contract, :class:`DeliveryError`, and scrubbing secrets.

A delivery error ends up in the outbox's ``last_error`` and on screen, so its text is one short line
and never carries a secret: channels build it from fixed phrases and pass any text that came from the
server through :func:`opstui.redact.redact`, the one redaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

Notification = Mapping[str, Any]
"""What the incident core enqueues: ``incident_id``, ``title``, ``severity``, ``state``, ``event``, ``text``,
``target``, ``at`` (see :mod:`opstui.notify.message`)."""

_MAX_REASON = 200


class DeliveryError(Exception):
    """A notification could not be delivered; ``str()`` is a one-line, secret-free reason.

    ``permanent`` says that retrying cannot help (the server rejected the request itself, e.g. HTTP 404 or
    SMTP 550), so the dispatcher stops at once instead of using up its attempts.
    """

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(one_line(reason))
        self.permanent = permanent


class Channel(Protocol):
    """One configured notifier that can send a notification."""

    name: str
    """The notifier's name from the config; outbox rows are addressed to it."""
    timeout: float
    """Seconds one whole :meth:`send` may take; the dispatcher enforces it too."""

    def describe(self) -> str:
        """The redacted target, safe to show (``slack hooks.slack.com/…``)."""
        ...

    async def send(self, notification: Notification) -> None:
        """Deliver once, returning only when the server accepted it; raise :class:`DeliveryError` otherwise."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


def one_line(text: str, limit: int = _MAX_REASON) -> str:
    """Collapse whitespace and cut to ``limit`` characters, so a reason fits one row of a table."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
