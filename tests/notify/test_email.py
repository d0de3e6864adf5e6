"""The email channel against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket

import pytest

from opstui.config.notify import EmailNotifier
from opstui.notify.base import DeliveryError
from opstui.notify.email import EmailChannel
from tests.notify.conftest import SMTP_PASSWORD
from tests.notify.servers import Inbox

NOTIFICATION = {
    "incident_id": 12,
    "title": "Service Down",
    "severity": "P0",
    "state": "triggered",
    "event": "opened",
    "text": "api health check failing",
    "target": "primary",
    "at": 1_790_000_000.0,
}


def email(port: int, password: str | None = SMTP_PASSWORD, **extra: object) -> EmailChannel:
    config = {
        "type": "email",
        "name": "oncall-mail",
        "host": "127.0.0.1",
        "port": port,
        "starttls": False,
        "sender": "opstui@example.com",
        "to": ["oncall@example.com", "eng@example.com"],
        "timeout": 5.0,
        **({"username": "opstui", "password": password} if password else {}),
        **extra,
    }
    return EmailChannel(EmailNotifier.model_validate(config))


async def test_the_message_arrives_with_subject_recipients_and_body(inbox: Inbox) -> None:
    await email(inbox.port).send(NOTIFICATION)
    [(envelope, message)] = inbox.messages
    assert inbox.logins == [("opstui", True)]
    assert envelope.mail_from == "opstui@example.com"
    assert envelope.rcpt_tos == ["oncall@example.com", "eng@example.com"]
    assert message["Subject"] == "[opstui] P0 triggered: Service Down (#12)"
    assert message["To"] == "oncall@example.com, eng@example.com"
    assert message["Auto-Submitted"] == "auto-generated"
    lines = message.get_content().splitlines()
    assert (
        lines[0]
        == "🔴 P0 TRIGGERED #12 Service Down — api health check failing [to primary on-call] (ack: opstui ack 12)"
    )
    assert "Severity: P0" in lines
    assert "At:       2026-09-21 14:13:20 UTC" in lines


async def test_a_wrong_password_is_a_permanent_error_that_never_shows_it(inbox: Inbox) -> None:
    wrong = "wrong-password-secret"
    channel = email(inbox.port, password=wrong)
    with pytest.raises(DeliveryError) as error:
        await channel.send(NOTIFICATION)
    assert str(error.value) == "login: SMTP 535 5.7.8 Authentication credentials invalid"
    assert error.value.permanent
    assert inbox.messages == []
    for text in (str(error.value), repr(error.value), channel.describe()):
        assert wrong not in text and SMTP_PASSWORD not in text


async def test_a_refused_connection_is_a_delivery_error() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DeliveryError, match="^connect: connection refused$") as error:
        await email(port).send(NOTIFICATION)
    assert SMTP_PASSWORD not in str(error.value)


async def test_starttls_missing_is_an_error_not_a_plain_text_login(inbox: Inbox) -> None:
    # This server offers no STARTTLS: the password must not be sent in the clear.
    with pytest.raises(DeliveryError, match="^starttls: the server does not offer STARTTLS$"):
        await email(inbox.port, starttls=True).send(NOTIFICATION)
    assert inbox.logins == []
    assert inbox.messages == []


def test_describe_names_the_server_and_recipients_only() -> None:
    assert email(2525).describe() == "smtp 127.0.0.1:2525 -> oncall@example.com, eng@example.com"


async def test_a_server_that_never_greets_times_out_within_the_budget() -> None:
    release = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await release.wait()
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(DeliveryError, match="^connect: timed out after 300ms$"):
            await email(port, timeout=0.3).send(NOTIFICATION)
    finally:
        release.set()
        server.close()
        await server.wait_closed()
