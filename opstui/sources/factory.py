"""Build the runtime sources from the config, with the HTTP resources they share.

Every HTTP, JSON, scrape, Prometheus and Alertmanager source gets an ``httpx.AsyncClient`` of its own, with a
connection pool as big as the source's own concurrency (one request at a time; a Prometheus source a few):
fair sources, so no endpoint, however it hangs, can fill a pool or a limiter another source waits on. (A
shared client with a shared 8-slot semaphore let 40 hanging endpoints starve a healthy check.) A client costs
~0.2 ms to build and keeps one connection alive for its source; httpx's slowdown with ~100 requests in flight
is a property of one pool (docs/performance.md), which no pool here ever sees.

httpx and websockets are imported here, inside :func:`build_sources`, not at module level: the
console's first frame does not need them (httpx alone pulls in click and pygments).

TLS. ``httpx.AsyncClient(verify=True)`` builds its SSL context at once and loads certifi's CA bundle
into it: ~116 ms of start-up, paid even when every URL is plain ``http://``. The clients here get a
:class:`DeferredTrustContext` instead, which verifies exactly as httpx would (same bundle, same
``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` overrides, hostname checked, certificate required) but loads the
CAs at the first TLS handshake, so a console that never speaks TLS never pays, and one that does pays
once. Both contexts (verifying and not) are built once per process and shared by every client.
"""

from __future__ import annotations

import os
import socket
import ssl
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from opstui.clock import Clock
from opstui.config.backup import BackupSource
from opstui.config.models import (
    AlertmanagerSource,
    Config,
    HttpSource,
    JsonSource,
    PostgresSource,
    PrometheusSource,
    ScrapeSource,
    WebsocketSource,
    source_stale_after,
)
from opstui.redact import redact_url
from opstui.sources.base import Sink, Source

if TYPE_CHECKING:
    import httpx

    from opstui.sources.alertmanager import AlertmanagerOwner

__all__ = [
    "DeferredTrustContext",
    "SourceSet",
    "build_owners",
    "build_sources",
    "redact_url",
    "tls_context",
]


class DeferredTrustContext(ssl.SSLContext):
    """A verifying client context whose CA certificates are loaded at its first TLS handshake.

    Every TLS connection (asyncio's and anyio's alike) is made with :meth:`wrap_bio` or
    :meth:`wrap_socket`, so loading there is early enough: no handshake can run with an empty store.
    """

    _trust_loaded = False

    def __new__(cls) -> DeferredTrustContext:
        context = super().__new__(cls, ssl.PROTOCOL_TLS_CLIENT)  # check_hostname on, CERT_REQUIRED
        keylog = os.environ.get("SSLKEYLOGFILE")
        if keylog and hasattr(context, "keylog_filename"):
            context.keylog_filename = keylog  # as ssl.create_default_context does
        return context

    def load_trust(self) -> None:
        """Load the CAs httpx would (``SSL_CERT_FILE``, ``SSL_CERT_DIR``, else certifi's bundle), once."""
        if self._trust_loaded:
            return
        if os.environ.get("SSL_CERT_FILE"):
            self.load_verify_locations(cafile=os.environ["SSL_CERT_FILE"])
        elif os.environ.get("SSL_CERT_DIR"):
            self.load_verify_locations(capath=os.environ["SSL_CERT_DIR"])
        else:
            import certifi

            self.load_verify_locations(cafile=certifi.where())
        self._trust_loaded = True

    def wrap_bio(
        self,
        incoming: ssl.MemoryBIO,
        outgoing: ssl.MemoryBIO,
        server_side: bool = False,
        server_hostname: str | bytes | None = None,
        session: ssl.SSLSession | None = None,
    ) -> ssl.SSLObject:
        self.load_trust()
        return super().wrap_bio(incoming, outgoing, server_side, server_hostname, session)

    def wrap_socket(
        self,
        sock: socket.socket,
        server_side: bool = False,
        do_handshake_on_connect: bool = True,
        suppress_ragged_eofs: bool = True,
        server_hostname: str | bytes | None = None,
        session: ssl.SSLSession | None = None,
    ) -> ssl.SSLSocket:
        self.load_trust()
        return super().wrap_socket(
            sock, server_side, do_handshake_on_connect, suppress_ragged_eofs, server_hostname, session
        )


_TLS_CONTEXTS: dict[bool, ssl.SSLContext] = {}


def tls_context(verify: bool) -> ssl.SSLContext:
    """The process's one client TLS context for ``verify_tls: true`` (deferred trust) or ``false``."""
    if verify not in _TLS_CONTEXTS:
        if verify:
            _TLS_CONTEXTS[verify] = DeferredTrustContext()
        else:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            _TLS_CONTEXTS[verify] = context
    return _TLS_CONTEXTS[verify]


@dataclass
class SourceSet:
    """The runtime sources of one config, and their HTTP clients; :meth:`aclose` releases it all."""

    sources: list[Source]
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    async def aclose(self) -> None:
        """Close every source, then their HTTP clients (call after cancelling the sources' tasks)."""
        for source in self.sources:
            await source.close()
        for client in self.clients:
            await client.aclose()


def build_sources(config: Config, clock: Clock, sink: Sink) -> SourceSet:
    """One runtime source per config entry, in config order, each HTTP one with a client of its own.

    When ``sink`` can hand out a sink per source (the :class:`~opstui.monitor.Monitor` does), each source
    writes to its own, so every series it records knows its source's ``stale_after``.
    """
    import httpx

    from opstui.sources.alertmanager import AlertmanagerApi, AlertmanagerPoll
    from opstui.sources.http import HttpCheck
    from opstui.sources.jsonpoll import JsonPoll
    from opstui.sources.prometheus import PrometheusQuery
    from opstui.sources.scrape import Scrape
    from opstui.sources.websocket import WebsocketStream

    clients: list[httpx.AsyncClient] = []

    def client_for(verify_tls: bool, connections: int = 1) -> httpx.AsyncClient:
        client = httpx.AsyncClient(
            verify=tls_context(verify_tls),
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
            headers={"User-Agent": "opstui"},
        )
        clients.append(client)
        return client

    sources: list[Source] = []
    claim = getattr(sink, "sink_for", None)  # the monitor notes whose series are whose (see opstui.monitor)
    shared = sink
    for cfg in config.sources:
        sink = claim(source_stale_after(cfg), cfg.name) if claim is not None else shared
        if isinstance(cfg, HttpSource):
            sources.append(HttpCheck(cfg, clock, sink, client_for(cfg.verify_tls)))
        elif isinstance(cfg, JsonSource):
            sources.append(JsonPoll(cfg, clock, sink, client_for(cfg.verify_tls)))
        elif isinstance(cfg, ScrapeSource):
            sources.append(Scrape(cfg, clock, sink, client_for(cfg.verify_tls)))
        elif isinstance(cfg, PrometheusSource):
            client = client_for(cfg.verify_tls, PrometheusQuery.concurrency)
            sources.append(PrometheusQuery(cfg, clock, sink, client, config.ui.chart_window))
        elif isinstance(cfg, AlertmanagerSource):
            api = AlertmanagerApi(cfg, client_for(cfg.verify_tls))
            sources.append(AlertmanagerPoll(cfg, clock, sink, api))
        elif isinstance(cfg, WebsocketSource):
            sources.append(WebsocketStream(cfg, clock, sink))
        elif isinstance(cfg, PostgresSource):
            from opstui.sources.postgres import PostgresPoll  # asyncpg only when a database is configured

            sources.append(PostgresPoll(cfg, clock, sink))
        elif isinstance(cfg, BackupSource):
            from opstui.sources.backup.source import BackupCheck

            sources.append(BackupCheck(cfg, clock, sink))
    return SourceSet(sources, clients)


def build_owners(config: Config, clock: Clock) -> list[AlertmanagerOwner]:
    """What the incident manager tells of acknowledgements and resolutions: one per Alertmanager source.

    Each has its own small client, so the ``ack`` command can use it without starting any source.
    """
    import httpx

    from opstui.sources.alertmanager import AlertmanagerApi, AlertmanagerOwner

    owners: list[AlertmanagerOwner] = []
    for cfg in config.sources:
        if isinstance(cfg, AlertmanagerSource):
            client = httpx.AsyncClient(verify=tls_context(cfg.verify_tls), headers={"User-Agent": "opstui"})
            owners.append(AlertmanagerOwner(cfg, AlertmanagerApi(cfg, client), clock))
    return owners
