"""Config models for notifiers: a generic JSON webhook, a Slack incoming webhook, email over SMTP.

Every secret (webhook URLs, header values, the SMTP password) is a :class:`~pydantic.SecretStr`, so
printing or dumping the config shows ``**********``; :meth:`describe` gives the one-line, redacted
target that screens, logs and errors may show instead.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import AfterValidator, Discriminator, Field, SecretStr, Tag, field_validator, model_validator

from opstui.alerts.model import Severity
from opstui.config.durations import Duration
from opstui.config.models import Model

Timeout = Annotated[Duration, Field(gt=0)]


def redact_url(url: str) -> str:
    """``scheme://host[:port]/…`` with no userinfo, path, query or fragment.

    Webhook paths and query strings carry tokens (Slack's ``/services/T…/B…/secret``, ``?token=``),
    so only the host is ever shown; an ellipsis says that something was left out.
    """
    parts = urlsplit(url)
    host = parts.hostname or "?"
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    rest = "/…" if (parts.path not in ("", "/") or parts.query or parts.fragment) else ""
    scheme = f"{parts.scheme}://" if parts.scheme else ""
    return f"{scheme}{host}{port}{rest}"


def _http_url(url: SecretStr) -> SecretStr:
    parts = urlsplit(url.get_secret_value())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("expected an http:// or https:// URL with a host")
    return url


def _non_empty(severities: list[Severity]) -> list[Severity]:
    if not severities:
        raise ValueError("list at least one severity (P0..P3); remove the notifier to disable it")
    return severities


HttpUrl = Annotated[SecretStr, AfterValidator(_http_url)]
Severities = Annotated[list[Severity], AfterValidator(_non_empty)]
PageEvent = Literal[
    "triggered",
    "escalated",
    "acknowledged",
    "resolved",
    "reopened",
    "ack_timeout",
    "reminder",
    "severity_changed",
    "unacknowledged",
    "reassigned",
    "merged",
]
PAGE_EVENTS: tuple[PageEvent, ...] = get_args(PageEvent)
"""What happens to an incident that a notifier can be told about (the payload's ``event``)."""


def _all_severities() -> list[Severity]:
    return list(Severity)


def _all_events() -> list[PageEvent]:
    return list(PAGE_EVENTS)


class WebhookNotifier(Model):
    """POSTs each notification, as JSON and unchanged, to a URL (a pager, an SMS gateway, a chat bridge)."""

    type: Literal["webhook"]
    name: str
    """Unique name; the outbox records deliveries under it."""
    url: HttpUrl
    """Where to POST. Use ``${VAR}`` if it carries a token; only its host is ever shown."""
    headers: dict[str, SecretStr] = Field(default_factory=dict)
    """Extra request headers, e.g. ``Authorization: Bearer ${PAGER_TOKEN}``; values are never shown."""
    timeout: Timeout = 5.0
    """One delivery attempt slower than this fails with 'timed out' and is retried later."""
    severities: Severities = Field(default_factory=_all_severities)
    """Which incident severities this notifier receives (default: all)."""
    events: list[PageEvent] = Field(default_factory=_all_events)
    """Which incident events this notifier receives (default: all of triggered, escalated, acknowledged,
    resolved, reopened, ack_timeout, reminder, severity_changed, unacknowledged, reassigned, merged). Leave out
    acknowledged and resolved for a pager that should only ring."""

    def describe(self) -> str:
        """The redacted target, e.g. ``webhook https://pager.example/…``."""
        return f"webhook {redact_url(self.url.get_secret_value())}"


class SlackNotifier(Model):
    """Posts a one-line message to a Slack incoming webhook."""

    type: Literal["slack"]
    name: str
    webhook_url: HttpUrl
    """The incoming-webhook URL (``${SLACK_WEBHOOK_URL}``); the whole path is the secret."""
    channel: str | None = None
    """Override the webhook's default channel (``#ops``), where the workspace allows it."""
    timeout: Timeout = 5.0
    severities: Severities = Field(default_factory=_all_severities)
    events: list[PageEvent] = Field(default_factory=_all_events)

    def describe(self) -> str:
        """The redacted target, e.g. ``slack hooks.slack.com/… #ops``."""
        host = urlsplit(self.webhook_url.get_secret_value()).hostname
        return f"slack {host}/…" + (f" {self.channel}" if self.channel else "")


class EmailNotifier(Model):
    """Sends a plain-text email through an SMTP server."""

    type: Literal["email"]
    name: str
    host: str
    port: int = Field(default=587, ge=1, le=65535)
    """587 for STARTTLS (the default), 465 with ``ssl: true``, 25 for a local relay."""
    starttls: bool = True
    """Upgrade the connection with STARTTLS before logging in; a server that does not offer it is an error,
    never a silent fall-back to plain text. Ignored with ``ssl: true``."""
    ssl: bool = False
    """Implicit TLS from the first byte (SMTPS, usually port 465)."""
    username: str | None = None
    password: SecretStr | None = None
    """``${SMTP_PASSWORD}``; never shown, never in an error."""
    sender: str
    """The From address."""
    to: list[str] = Field(min_length=1)
    """Recipients."""
    timeout: Timeout = 10.0
    """Budget for the whole SMTP session (connect, TLS, login, send)."""
    severities: Severities = Field(default_factory=_all_severities)
    events: list[PageEvent] = Field(default_factory=_all_events)

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str) -> str:
        if "@" not in value:
            raise ValueError(f"{value!r} is not an email address")
        return value

    @field_validator("to")
    @classmethod
    def _recipients(cls, value: list[str]) -> list[str]:
        for address in value:
            if "@" not in address:
                raise ValueError(f"{address!r} is not an email address")
        return value

    @model_validator(mode="after")
    def _credentials(self) -> EmailNotifier:
        if (self.username is None) != (self.password is None):
            raise ValueError("set both username and password, or neither")
        return self

    def describe(self) -> str:
        """The target without credentials, e.g. ``smtp mail.example:587 -> oncall@example.com``."""
        scheme = "smtps" if self.ssl else "smtp"
        return f"{scheme} {self.host}:{self.port} -> {', '.join(self.to)}"


_TYPES = ("webhook", "slack", "email")


def _notifier_type(value: Any) -> str | None:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind if kind in _TYPES else None


NotifierConfig = Annotated[
    Annotated[WebhookNotifier, Tag("webhook")]
    | Annotated[SlackNotifier, Tag("slack")]
    | Annotated[EmailNotifier, Tag("email")],
    # A callable discriminator so that an unknown type gets our message: the loader's generic one names source types.
    Discriminator(
        _notifier_type,
        custom_error_type="notifier_type",
        custom_error_message="unknown or missing notifier type; expected type: webhook, slack or email",
    ),
]
"""One entry of ``notifiers:``, chosen by its ``type``."""


def _unique_names(notifiers: list[NotifierConfig]) -> list[NotifierConfig]:
    seen: set[str] = set()
    for notifier in notifiers:
        if notifier.name in seen:
            raise ValueError(f"two notifiers are named {notifier.name!r}; names must be unique")
        seen.add(notifier.name)
    return notifiers


Notifiers = Annotated[list[NotifierConfig], AfterValidator(_unique_names)]
"""The ``notifiers:`` list of the config file, names unique."""
