"""The webhook and Slack channels against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import pytest

from opstui.config.notify import SlackNotifier, WebhookNotifier
from opstui.notify.base import DeliveryError
from opstui.notify.slack import SlackChannel
from opstui.notify.webhook import WebhookChannel
from tests.notify.servers import HookServer

NOTIFICATION = {
    "incident_id": 12,
    "title": "Service Down",
    "severity": "P0",
    "state": "triggered",
    "event": "opened",
    "text": "api health check failing",
    "target": None,
    "at": 1_790_000_000.0,
}


def webhook(url: str, timeout: float = 2.0, **extra: object) -> WebhookChannel:
    return WebhookChannel(
        WebhookNotifier.model_validate({"type": "webhook", "name": "w", "url": url, "timeout": timeout, **extra})
    )


async def test_webhook_posts_the_payload_as_is_with_its_headers(hook: HookServer) -> None:
    channel = webhook(f"{hook.url}/hook", headers={"Authorization": "Bearer t0ken-value"})
    await channel.send(NOTIFICATION)
    await channel.aclose()
    assert hook.received == [NOTIFICATION]
    assert hook.headers[0]["authorization"] == "Bearer t0ken-value"
    assert hook.headers[0]["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("mode", "reason", "permanent"),
    [("503", "HTTP 503 Service Unavailable: try later", False), ("404", "HTTP 404 Not Found: no_service", True)],
)
async def test_a_non_2xx_answer_is_a_delivery_error_with_the_status(
    hook: HookServer, mode: str, reason: str, permanent: bool
) -> None:
    hook.mode = mode  # type: ignore[assignment]
    channel = webhook(hook.url)
    with pytest.raises(DeliveryError) as error:
        await channel.send(NOTIFICATION)
    await channel.aclose()
    assert str(error.value) == reason
    assert error.value.permanent is permanent


async def test_a_refused_connection_is_a_delivery_error(hook: HookServer) -> None:
    await hook.stop()
    with pytest.raises(DeliveryError, match="^connection refused$"):
        await webhook(hook.url).send(NOTIFICATION)


async def test_a_server_that_never_answers_times_out(hook: HookServer) -> None:
    hook.mode = "hang"
    with pytest.raises(DeliveryError, match="^timed out after 300ms$"):
        await webhook(hook.url, timeout=0.3).send(NOTIFICATION)


async def test_errors_never_carry_the_url_token_or_header_values(hook: HookServer) -> None:
    # The server echoes the credentials it was sent (header, basic auth, path and query) into its error page.
    hook.mode = "echo"
    url = f"http://ops:basic-pw-secret@127.0.0.1:{hook.port}/hooks/path-token-secret?key=query-token-secret"
    channel = webhook(url, headers={"X-Api-Key": "header-token-secret"})
    with pytest.raises(DeliveryError) as error:
        await channel.send(NOTIFICATION)
    await channel.aclose()
    text = f"{error.value} {channel.describe()}"
    assert str(error.value) == "HTTP 500 Internal Server Error: *** Basic *** ***?***"  # the one redaction's mask
    for secret in ("basic-pw-secret", "b3BzOmJhc2ljLXB3LXNlY3JldA", "path-token-secret", "query-token-secret"):
        assert secret not in text
    assert "header-token-secret" not in text


async def test_slack_gets_one_readable_line(hook: HookServer) -> None:
    url = f"{hook.url}/services/T000/B000/slack-secret"
    channel = SlackChannel(SlackNotifier(type="slack", name="s", webhook_url=url, channel="#ops"))
    await channel.send(NOTIFICATION)
    await channel.send({**NOTIFICATION, "state": "resolved", "event": "resolved", "text": "a < b & c"})
    await channel.send({**NOTIFICATION, "severity": "P1", "event": "escalated", "target": "secondary"})
    await channel.aclose()
    assert hook.paths[0] == "/services/T000/B000/slack-secret"
    assert hook.received == [
        {
            "text": "🔴 P0 TRIGGERED #12 Service Down — api health check failing (ack: opstui ack 12)",
            "channel": "#ops",
        },
        {"text": "✅ P0 RESOLVED #12 Service Down — a &lt; b &amp; c", "channel": "#ops"},
        {
            "text": "🟠 P1 ESCALATED #12 Service Down — api health check failing [to secondary on-call] "
            "(ack: opstui ack 12)",
            "channel": "#ops",
        },
    ]
    assert channel.describe() == "slack 127.0.0.1/… #ops"


async def test_slack_error_code_is_reported_without_the_webhook_path(hook: HookServer) -> None:
    hook.mode = "404"
    channel = SlackChannel(SlackNotifier(type="slack", name="s", webhook_url=f"{hook.url}/services/T/B/slack-secret"))
    with pytest.raises(DeliveryError) as error:
        await channel.send(NOTIFICATION)
    await channel.aclose()
    assert str(error.value) == "HTTP 404 Not Found: no_service"
    assert error.value.permanent
