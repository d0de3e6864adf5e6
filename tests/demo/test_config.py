"""The console config for the demo shop: the seeds' endpoints, the gauges, the stream and the KPIs."""

from __future__ import annotations

from opstui.config.models import Config, HttpSource, JsonSource, WebsocketSource
from opstui.demo.config import demo_config


def test_demo_config_has_the_critical_endpoints_gauges_and_stream() -> None:
    config = demo_config("http://127.0.0.1:8123/")
    assert Config.model_validate(config.model_dump()) == config
    sources = {s.name: s for s in config.sources}
    http = {name: s for name, s in sources.items() if isinstance(s, HttpSource)}
    assert {s.url for s in http.values()} == {
        "http://127.0.0.1:8123/api/health",
        "http://127.0.0.1:8123/",
        "http://127.0.0.1:8123/admin/login",
        "http://127.0.0.1:8123/api/payments/health",
    }
    api = sources["api"]
    assert isinstance(api, HttpSource)
    assert api.interval == 5.0 and api.expect.status == 200 and api.expect.max_latency == 0.8
    app = sources["app"]
    assert isinstance(app, JsonSource) and app.url == "http://127.0.0.1:8123/api/metrics"
    assert app.metrics == {
        "queue_length": "jobs.pending",
        "db_cpu": "db.cpu_percent",
        "db_connections": "db.connections",
        "db_max_connections": "db.max_connections",
        "email_failure_rate": "email.failure_rate",
        "cache_hit_rate": "cache.hit_rate",
    }
    events = sources["events"]
    assert isinstance(events, WebsocketSource) and events.url == "ws://127.0.0.1:8123/ops/events"
    assert all(s.timeout <= 2.0 for s in http.values())  # the shop's slowest answer is 1.8 s


def test_demo_config_has_the_seeds_kpis() -> None:
    kpis = {k.metric: (k.target, k.warning, k.critical) for k in demo_config("http://localhost:1").kpis}
    assert kpis == {
        "error_rate": ("< 0.5", "> 1", "> 5"),
        "latency_p95": ("< 500", "> 800", "> 2000"),
        "payment_success_rate": ("> 98", "< 95", "< 90"),
        "queue_length": ("< 50", "> 200", "> 1000"),
        "uptime_pct": (">= 99.9", "< 99.5", "< 99"),
        "db_connections": ("< 60", "> 75", "> 90"),
        "db_cpu": ("< 60", "> 75", "> 90"),
    }


def test_https_shop_streams_over_wss() -> None:
    events = demo_config("https://shop.example").sources[-1]
    assert isinstance(events, WebsocketSource) and events.url == "wss://shop.example/ops/events"
