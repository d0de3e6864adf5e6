"""Email over SMTP with the standard library, run in a worker thread so the event loop never blocks.

``smtplib`` is blocking; :func:`asyncio.to_thread` keeps it off the loop, and a deadline re-armed on the
socket before every step bounds the whole session (connect, STARTTLS, login, send) by the configured
timeout, so the thread ends about when the dispatcher stops waiting for it.
"""

from __future__ import annotations

import asyncio
import smtplib
import socket
import ssl
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from opstui.config.durations import format_duration
from opstui.config.notify import EmailNotifier
from opstui.notify.base import DeliveryError, Notification
from opstui.notify.message import body, subject
from opstui.redact import redact

_QUIT_BUDGET = 1.0
"""Seconds to wait for the answer to QUIT; the message is already sent, so it is not worth more."""


class EmailChannel:
    """Sends one plain-text message per notification to the configured recipients."""

    def __init__(self, config: EmailNotifier) -> None:
        self.name = config.name
        self.timeout = config.timeout
        self._config = config
        password = config.password.get_secret_value() if config.password else None
        self._secrets = [s for s in (password, config.username) if s]

    def describe(self) -> str:
        """``smtp mail.example:587 -> oncall@example.com``."""
        return self._config.describe()

    def message(self, notification: Notification) -> EmailMessage:
        """The email for ``notification``: subject ``[opstui] P0 triggered: Service Down (#12)``, text body."""
        config = self._config
        message = EmailMessage()
        message["Subject"] = subject(notification)
        message["From"] = config.sender
        message["To"] = ", ".join(config.to)
        at = notification.get("at")
        message["Date"] = formatdate(float(at) if at is not None else None, usegmt=True)
        domain = config.sender.rpartition("@")[2]
        key = notification.get("idempotency_key")
        if key:
            # One Message-ID per outbox item, the same on every attempt: mail systems drop the duplicate.
            message["Message-ID"] = f"<{key}@{domain}>"
            message["Idempotency-Key"] = str(key)
        else:
            # An explicit domain: make_msgid() would otherwise ask DNS for this machine's name.
            message["Message-ID"] = make_msgid(domain=domain)
        # RFC 3834: vacation auto-replies must not answer a page.
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(body(notification))
        return message

    async def send(self, notification: Notification) -> None:
        """Deliver through SMTP; return once the server accepted the message."""
        await asyncio.to_thread(self._deliver, self.message(notification))

    async def aclose(self) -> None:
        """Nothing to release: every send opens and closes its own SMTP session."""

    def _deliver(self, message: EmailMessage) -> None:
        config = self._config
        deadline = time.monotonic() + config.timeout
        step = "connect"

        def remaining() -> float:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            return left

        try:
            if config.ssl:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    config.host, config.port, timeout=remaining(), context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(config.host, config.port, timeout=remaining())
        except (OSError, smtplib.SMTPException) as exc:
            raise self._error(step, exc) from None
        try:
            if not config.ssl and config.starttls:
                step = "starttls"
                _arm(smtp, remaining())
                smtp.starttls(context=ssl.create_default_context())
            if config.username and config.password:
                step = "login"
                _arm(smtp, remaining())
                smtp.login(config.username, config.password.get_secret_value())
            step = "send"
            _arm(smtp, remaining())
            # Some recipients refused while others accepted still counts as delivered: a retry would
            # send the accepted ones a duplicate.
            smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise self._error(step, exc) from None
        finally:
            _close(smtp)

    def _error(self, step: str, exc: BaseException) -> DeliveryError:
        """A one-line reason naming the step, the SMTP code when there is one, and no credentials."""
        permanent = False
        # smtplib reports a read that timed out as SMTPServerDisconnected, with the timeout as its context.
        if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
            reason = f"timed out after {format_duration(self._config.timeout)}"
        elif isinstance(exc, ConnectionRefusedError):
            reason = "connection refused"
        elif isinstance(exc, socket.gaierror):
            reason = "cannot resolve the host name"
        elif isinstance(exc, smtplib.SMTPNotSupportedError):
            reason = "the server does not offer STARTTLS" if step == "starttls" else "the server does not offer AUTH"
            permanent = True
        elif isinstance(exc, smtplib.SMTPRecipientsRefused):
            codes = sorted({code for code, _ in exc.recipients.values()})
            reason = f"every recipient refused (SMTP {', '.join(map(str, codes))})"
            permanent = all(code >= 500 for code in codes)
        elif isinstance(exc, smtplib.SMTPResponseException):
            text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
            reason = f"SMTP {exc.smtp_code} {text}"
            permanent = exc.smtp_code >= 500
        elif isinstance(exc, smtplib.SMTPServerDisconnected):
            reason = "the server closed the connection"
        elif isinstance(exc, ssl.SSLError):
            reason = f"TLS failed: {exc.reason or type(exc).__name__}"
        elif isinstance(exc, OSError):
            reason = f"cannot connect: {exc.strerror or type(exc).__name__}"
        else:
            reason = type(exc).__name__
        return DeliveryError(redact(f"{step}: {reason}", self._secrets), permanent=permanent)


def _arm(smtp: smtplib.SMTP, seconds: float) -> None:
    """Give the next step only what is left of the session's budget."""
    if smtp.sock is not None:
        smtp.sock.settimeout(seconds)


def _close(smtp: smtplib.SMTP) -> None:
    """QUIT politely; once the message is accepted, a failing QUIT must not turn into a retry (a duplicate)."""
    try:
        _arm(smtp, _QUIT_BUDGET)
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()
