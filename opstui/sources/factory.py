"""Build the runtime sources from the config, with the HTTP resources they share.

All HTTP and JSON sources share one ``httpx.AsyncClient`` (connection reuse) and one
``asyncio.Semaphore`` (at most :data:`MAX_IN_FLIGHT` requests outstanding: httpx degrades sharply
beyond ~10, see DESIGN.md). Sources with ``verify_tls: false`` get a second client, because
certificate verification is a property of an httpx client, not of a request.

httpx and websockets are imported here, inside :func:`build_sources`, not at module level: the
console's first frame does not need them (httpx alone pulls in click and pygments).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from opstui.clock import Clock
from opstui.config.models import Config, HttpSource, JsonSource, PostgresSource, WebsocketSource
from opstui.sources.base import Sink, Source
from opstui.sources.redact import redact_url

if TYPE_CHECKING:
    import httpx

__all__ = ["MAX_IN_FLIGHT", "SourceSet", "build_sources", "redact_url"]

MAX_IN_FLIGHT = 8
"""Requests outstanding at once across every HTTP and JSON source."""


@dataclass
class SourceSet:
    """The runtime sources of one config, and what they share; :meth:`aclose` releases it all."""

    sources: list[Source]
    limiter: asyncio.Semaphore
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    async def aclose(self) -> None:
        """Close every source, then the shared HTTP clients (call after cancelling the sources' tasks)."""
        for source in self.sources:
            await source.close()
        for client in self.clients:
            await client.aclose()


def build_sources(config: Config, clock: Clock, sink: Sink) -> SourceSet:
    """One runtime source per config entry, in config order, sharing one client and one semaphore."""
    import httpx

    from opstui.sources.http import HttpCheck
    from opstui.sources.jsonpoll import JsonPoll
    from opstui.sources.websocket import WebsocketStream

    limiter = asyncio.Semaphore(MAX_IN_FLIGHT)
    clients: dict[bool, httpx.AsyncClient] = {}

    def client_for(verify_tls: bool) -> httpx.AsyncClient:
        if verify_tls not in clients:
            clients[verify_tls] = httpx.AsyncClient(
                verify=verify_tls,
                limits=httpx.Limits(max_connections=2 * MAX_IN_FLIGHT, max_keepalive_connections=MAX_IN_FLIGHT),
                headers={"User-Agent": "opstui"},
            )
        return clients[verify_tls]

    sources: list[Source] = []
    for cfg in config.sources:
        if isinstance(cfg, HttpSource):
            sources.append(HttpCheck(cfg, clock, sink, client_for(cfg.verify_tls), limiter))
        elif isinstance(cfg, JsonSource):
            sources.append(JsonPoll(cfg, clock, sink, client_for(cfg.verify_tls), limiter))
        elif isinstance(cfg, WebsocketSource):
            sources.append(WebsocketStream(cfg, clock, sink))
        elif isinstance(cfg, PostgresSource):
            from opstui.sources.postgres import PostgresPoll  # asyncpg only when a database is configured

            sources.append(PostgresPoll(cfg, clock, sink))
    return SourceSet(sources, limiter, list(clients.values()))
