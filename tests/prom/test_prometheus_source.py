"""``type: prometheus`` against a real Prometheus scraping the instrumented service."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from opstui.clock import FakeClock
from opstui.config.models import BasicAuth, PrometheusSource
from opstui.sources.base import SourceState
from opstui.sources.prometheus import PrometheusQuery, request_headers
from tests.prom.conftest import Sink
from tests.prom.servers import Prometheus, eventually


@pytest.fixture
async def promql(prometheus: Prometheus, clock: FakeClock, sink: Sink) -> AsyncIterator[Callable[..., PrometheusQuery]]:
    async with httpx.AsyncClient() as client:

        def make(queries: dict[str, str], chart_window: float = 60.0, **fields: Any) -> PrometheusQuery:
            fields.setdefault("backfill", False)
            cfg = PrometheusSource.model_validate(
                {"name": "prom", "type": "prometheus", "url": prometheus.url, "queries": queries, **fields}
            )
            return PrometheusQuery(cfg, clock, sink, client, chart_window)

        yield make


async def run(source: PrometheusQuery, clock: FakeClock) -> SourceState:
    clock.set(time.time())
    return (await source.run_once()).state


async def scraped(prometheus: Prometheus, times: int = 2) -> None:
    """Prometheus has scraped the service ``times`` times in as many seconds (it may have just (re)started)."""

    async def enough() -> bool:
        return (await prometheus.value(f"count_over_time(jobs_pending[{times}s])") or 0) >= times

    await eventually(enough, what="Prometheus scraping the service")


async def test_scalar_and_one_element_vector_are_the_metric(
    prometheus: Prometheus, promql: Callable[..., PrometheusQuery], clock: FakeClock, sink: Sink
) -> None:
    await scraped(prometheus)
    source = promql({"pending": "scalar(jobs_pending)", "pending_x2": "2 * sum(jobs_pending)"})
    assert await run(source, clock) is SourceState.UP
    assert sink.last("pending") == 7.0
    assert sink.last("pending_x2") == 14.0
    assert all(ts == clock.now() for _, _, ts, _ in sink.samples)


async def test_a_vector_becomes_labelled_series(
    prometheus: Prometheus, promql: Callable[..., PrometheusQuery], clock: FakeClock, sink: Sink
) -> None:
    await scraped(prometheus)
    source = promql({"requests": "sum by (code) (demo_requests_total)"})
    assert await run(source, clock) is SourceState.UP
    labels = sorted(str(labels) for name, _, _, labels in sink.samples if name == "requests")
    assert labels == ["{'code': '200'}", "{'code': '500'}"]


async def test_empty_result_and_bad_promql_are_errors_on_that_metric_only(
    prometheus: Prometheus, promql: Callable[..., PrometheusQuery], clock: FakeClock, sink: Sink
) -> None:
    await scraped(prometheus)
    source = promql(
        {
            "pending": "sum(jobs_pending)",
            "nothing": 'demo_requests_total{code="999"}',
            "broken": "sum(rate(demo_requests_total[5m])",
        }
    )
    assert await run(source, clock) is SourceState.DEGRADED
    assert sink.last("pending") == 7.0
    assert sink.errors["nothing"] == "empty result"
    # Prometheus' own message, as its API gives it.
    assert sink.errors["broken"].startswith("bad_data: ")
    assert "unclosed left parenthesis" in sink.errors["broken"]
    assert "pending" not in sink.errors
    assert source.status.reason.startswith(("nothing: empty result", "broken: bad_data"))


async def test_prometheus_down_is_the_source_down_and_back_is_up(
    prometheus: Prometheus, promql: Callable[..., PrometheusQuery], clock: FakeClock, sink: Sink
) -> None:
    await scraped(prometheus)
    source = promql({"pending": "sum(jobs_pending)"})
    assert await run(source, clock) is SourceState.UP
    prometheus.stop()
    try:
        assert await run(source, clock) is SourceState.UNREACHABLE
        assert source.status.reason == "connection refused"
        assert sink.errors["pending"] == "source unreachable: connection refused"
    finally:
        prometheus.start()
    sink.clear()
    assert await run(source, clock) is SourceState.UP
    assert sink.last("pending") == 7.0
    assert sink.errors == {}


async def test_backfill_gives_the_chart_window_history_at_start(
    prometheus: Prometheus, promql: Callable[..., PrometheusQuery], clock: FakeClock, sink: Sink
) -> None:
    await scraped(prometheus, times=3)
    source = promql({"pending": "sum(jobs_pending)"}, chart_window=60.0, backfill=True, interval="1s")
    assert await run(source, clock) is SourceState.UP
    history = [ts for name, _, ts, _ in sink.samples if name == "pending" and ts < clock.now() - 0.5]
    assert len(history) >= 2, sink.samples
    assert history == sorted(history)
    assert min(history) >= clock.now() - 60.0
    assert all(value == 7.0 for name, value, _, _ in sink.samples if name == "pending")
    # Only once: the next round is an instant query.
    sink.clear()
    await run(source, clock)
    assert [ts for _, _, ts, _ in sink.samples] == [clock.now()]


def test_auth_headers_come_from_the_config() -> None:
    assert request_headers({}, None, "t0k") == {"Authorization": "Bearer t0k"}
    basic = request_headers({"X-Scope-OrgID": "shop"}, BasicAuth(username="ops", password="pw"), None)
    assert basic == {"X-Scope-OrgID": "shop", "Authorization": "Basic b3BzOnB3"}


async def test_values_and_labels_from_prometheus_pass_the_border(
    prometheus: Prometheus, promql: Callable[..., PrometheusQuery], clock: FakeClock, sink: Sink
) -> None:
    source = promql(
        {
            "huge": "vector(1e300)",
            "marked": 'label_replace(vector(1), "x", "\\x1b[2J", "", "") or label_replace(vector(2), "x", "b", "", "")',
        }
    )
    status_before = source.status.rejected
    await run(source, clock)
    assert [name for name, *_ in sink.samples] == ["marked", "marked"]  # 1e300 is no measurement: refused
    assert source.status.rejected == status_before + 1
    assert source.status.reason == "1 rejected (last: huge 1e+300 is out of range)"
    shown = sorted((str(labels), value) for _, value, _, labels in sink.samples)
    assert shown == [("{'x': 'b'}", 2.0), ("{'x': '\u241b[2J'}", 1.0)]  # the escape made visible, harmless
