"""POSTing JSON for the webhook and Slack channels, with failures turned into secret-free reasons."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from opstui.config.durations import format_duration
from opstui.notify.base import DeliveryError, one_line
from opstui.redact import redact

_RETRYABLE_4XX = frozenset({408, 425, 429})
"""Client errors that say 'later', not 'never'."""
_BODY_HINT = 80
IDEMPOTENCY_HEADER = "Idempotency-Key"
"""The header every page carries its outbox item's key in (the IETF httpapi draft's name): equal on every
attempt of one item, so a receiver that sees a key twice can drop the second."""


class JsonPoster:
    """One httpx client per channel, created on first use (importing opstui should not build TLS contexts)."""

    def __init__(self, url: str, headers: Mapping[str, str], timeout: float, secrets: Iterable[str]) -> None:
        self._url = url
        self._headers = dict(headers)
        self._timeout = timeout
        self._secrets = tuple(secrets)
        self._client: httpx.AsyncClient | None = None

    async def post(self, payload: Any, key: str | None = None) -> None:
        """POST ``payload`` as JSON (with ``key`` as its ``Idempotency-Key`` header); return on 2xx, raise
        :class:`DeliveryError` otherwise."""
        if self._client is None:
            # Redirects are not followed: a 3xx to another host would carry our headers (tokens) with it.
            self._client = httpx.AsyncClient(timeout=self._timeout, follow_redirects=False)
        try:
            # httpx's timeout is per operation; this bounds the whole request.
            async with asyncio.timeout(self._timeout):
                headers = {**self._headers, IDEMPOTENCY_HEADER: key} if key else self._headers
                response = await self._client.post(self._url, json=payload, headers=headers)
        except (TimeoutError, httpx.TimeoutException):
            raise DeliveryError(f"timed out after {format_duration(self._timeout)}") from None
        except httpx.ConnectError as exc:
            raise DeliveryError(_connect_reason(exc)) from None
        except httpx.RemoteProtocolError:
            raise DeliveryError("the server closed the connection without answering") from None
        except httpx.HTTPError as exc:
            # The exception's text may quote the URL; its type name is enough to act on.
            raise DeliveryError(f"request failed: {type(exc).__name__}") from None
        if response.is_success:
            return
        status = response.status_code
        reason = f"HTTP {status} {response.reason_phrase}".rstrip()
        # Scrub before cutting: a cut could leave the first half of a secret that no longer matches.
        hint = one_line(redact(response.text, self._secrets), _BODY_HINT)
        if hint:
            reason += f": {hint}"
        permanent = 400 <= status < 500 and status not in _RETRYABLE_4XX
        raise DeliveryError(redact(reason, self._secrets), permanent=permanent)

    async def aclose(self) -> None:
        """Close the client's connections."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def _connect_reason(exc: BaseException) -> str:
    """Find the OS error under httpx's 'All connection attempts failed' and name it."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "cannot resolve the host name"
        cause = cause.__cause__ or cause.__context__
    return "cannot connect"
