"""Building the runtime sources from a config, and keeping secrets out of what is shown."""

from __future__ import annotations

import asyncio
import ssl

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from opstui.clock import FakeClock
from opstui.config.models import Config, HttpSource
from opstui.sources.base import SourceState
from opstui.sources.factory import DeferredTrustContext, build_sources, redact_url, tls_context
from opstui.sources.http import HttpCheck
from opstui.sources.jsonpoll import JsonPoll
from opstui.sources.websocket import WebsocketStream
from tests.sources.conftest import HttpServer, RecordingSink, Route, SelfSigned

CONFIG = {
    "sources": [
        {"name": "api", "type": "http", "url": "https://ops:hunter2@api.example.com/health?token=abc&region=eu"},
        {
            "name": "stats",
            "type": "json",
            "url": "https://stats.internal/?api_key=k1",
            "verify_tls": False,
            "metrics": {"db_cpu": "db.cpu"},
        },
        {"name": "shop", "type": "websocket", "url": "wss://events.example.com/stream?access_token=t0k"},
        {"name": "web", "type": "http", "url": "https://www.example.com/"},
    ]
}


async def test_one_source_per_entry_each_with_its_own_client_and_limiter(clock: FakeClock, sink: RecordingSink) -> None:
    built = build_sources(Config.model_validate(CONFIG), clock, sink)
    try:
        api, stats, shop, web = built.sources
        assert isinstance(api, HttpCheck) and isinstance(web, HttpCheck)
        assert isinstance(stats, JsonPoll) and isinstance(shop, WebsocketStream)
        assert [s.name for s in built.sources] == ["api", "stats", "shop", "web"]
        # Fair sources: nothing one of them waits for is shared with another.
        assert len({id(api.limiter), id(stats.limiter), id(web.limiter)}) == 3
        await api.limiter.acquire()
        assert api.limiter.locked() and not web.limiter.locked()
        assert len({id(api.client), id(stats.client), id(web.client)}) == 3
        assert built.clients == [api.client, stats.client, web.client]
        assert [s.status.target for s in built.sources] == [
            "https://***@api.example.com/health?token=***&region=eu",
            "https://stats.internal/?api_key=***",
            "wss://events.example.com/stream?access_token=***",
            "https://www.example.com/",
        ]
        assert all(s.status.state is SourceState.PENDING for s in built.sources)
    finally:
        await built.aclose()
    assert all(client.is_closed for client in built.clients)


async def test_built_sources_check_a_real_server(
    http_server: HttpServer, clock: FakeClock, sink: RecordingSink
) -> None:
    http_server.routes["/health"] = Route(200, "ok")
    config = Config.model_validate({"sources": [{"name": "api", "type": "http", "url": http_server.url("/health")}]})
    built = build_sources(config, clock, sink)
    try:
        status = await built.sources[0].run_once()
    finally:
        await built.aclose()
    assert status.state is SourceState.UP
    assert http_server.headers[0]["user-agent"] == "opstui"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:pa55@host:8443/p?x=1", "https://***@host:8443/p?x=1"),
        ("https://token@github.com/x", "https://***@github.com/x"),
        (
            "http://h/?Token=a&page=2&SECRET=b&password=c&X-Amz-Signature=d",
            "http://h/?Token=***&page=2&SECRET=***&password=***&X-Amz-Signature=***",
        ),
        ("http://h/cb#access_token=abc&state=1", "http://h/cb#access_token=***&state=1"),
        ("http://h/docs#section-2", "http://h/docs#section-2"),
        ("postgresql://app:pw@db:5432/shop", "postgresql://***@db:5432/shop"),
        ("http://[::1", "(invalid URL)"),
        ("ws://127.0.0.1:9000/events", "ws://127.0.0.1:9000/events"),
    ],
)
def test_redact_url_hides_credentials(url: str, shown: str) -> None:
    assert redact_url(url) == shown


@given(
    user=st.text(alphabet="abcdefgh", min_size=1, max_size=8),
    secret=st.text(alphabet="QRSTUVWXYZ0123456789", min_size=6, max_size=20),
    key=st.sampled_from(["token", "api_key", "apiKey", "client_secret", "password", "auth", "sig"]),
)
def test_secrets_never_survive_redaction(user: str, secret: str, key: str) -> None:
    shown = redact_url(f"https://{user}:{secret}@example.com/a?{key}={secret}&q=1#{key}={secret}")
    assert secret not in shown
    assert shown.startswith("https://***@example.com/a?")


# -- TLS: the CA bundle is loaded at the first handshake, not at start --------------------------------


def test_plain_http_sources_load_no_certificates(clock: FakeClock, sink: RecordingSink) -> None:
    config = Config.model_validate({"sources": [{"name": "api", "type": "http", "url": "http://127.0.0.1:9/"}]})
    context = DeferredTrustContext()
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] == 0
    built = build_sources(config, clock, sink)
    shared = tls_context(True)
    assert isinstance(shared, DeferredTrustContext)
    assert tls_context(True) is shared and tls_context(False) is tls_context(False)
    assert tls_context(False).verify_mode is ssl.CERT_NONE
    asyncio.run(built.aclose())


async def test_deferred_trust_still_refuses_an_untrusted_certificate(
    https_server: HttpServer, clock: FakeClock, sink: RecordingSink
) -> None:
    https_server.routes["/health"] = Route(200, "ok")
    context = DeferredTrustContext()
    async with httpx.AsyncClient(verify=context) as client:
        check = HttpCheck(http(https_server.url("/health")), clock, sink, client)
        status = await check.run_once()
    assert status.state is SourceState.UNREACHABLE
    assert status.reason.startswith("TLS: ") and "certificate" in status.reason
    assert context.cert_store_stats()["x509_ca"] > 0  # certifi's bundle, loaded for that handshake


async def test_deferred_trust_honours_ssl_cert_file(
    https_server: HttpServer,
    self_signed: SelfSigned,
    clock: FakeClock,
    sink: RecordingSink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    https_server.routes["/health"] = Route(200, "ok")
    monkeypatch.setenv("SSL_CERT_FILE", str(self_signed.cert))
    async with httpx.AsyncClient(verify=DeferredTrustContext()) as client:
        check = HttpCheck(http(https_server.url("/health")), clock, sink, client)
        status = await check.run_once()
    assert status.state is SourceState.UP
    assert status.tls_days_left is not None  # a verified connection exposes the certificate


async def test_verify_tls_false_accepts_a_self_signed_certificate(
    https_server: HttpServer, clock: FakeClock, sink: RecordingSink
) -> None:
    https_server.routes["/health"] = Route(200, "ok")
    config = Config.model_validate(
        {"sources": [{"name": "api", "type": "http", "url": https_server.url("/health"), "verify_tls": False}]}
    )
    built = build_sources(config, clock, sink)
    try:
        status = await built.sources[0].run_once()
    finally:
        await built.aclose()
    assert status.state is SourceState.UP


def http(url: str) -> HttpSource:
    return HttpSource.model_validate({"name": "api", "type": "http", "url": url})
