"""``type: scrape`` against a real instrumented service, compared with a real Prometheus on the same service.

The service's counters and histogram grow linearly with real time, so Prometheus' ``rate`` and
``histogram_quantile`` over any window equal the true figures, and opstui's between two scrapes must
match them within 2 %.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from opstui.clock import FakeClock
from opstui.config import ConfigError
from opstui.config.loader import load_config_text
from opstui.config.models import ScrapeSource
from opstui.sources.base import SourceState
from opstui.sources.exposition import Folder, bucket_quantile, parse_expression, parse_page
from opstui.sources.scrape import Scrape
from tests.prom.conftest import Sink
from tests.prom.servers import JOBS_RATE, REQUEST_RATES, Prometheus, Service, eventually
from tests.sources.conftest import HttpServer, Route

METRICS = {
    "queue": "jobs_pending",
    "requests_per_s": "rate(demo_requests_total)",
    "errors_per_s": 'rate(demo_requests_total{code=~"5.."})',
    "error_rate": 'ratio(demo_requests_total{code=~"5.."}, demo_requests_total)',
    "latency_p50": "quantile(0.5, demo_request_duration_seconds)",
    "latency_p95": "quantile(0.95, demo_request_duration_seconds)",
}


def close(ours: float, theirs: float, tolerance: float = 0.02) -> bool:
    return abs(ours - theirs) <= tolerance * abs(theirs)


@pytest.fixture
async def scrape(clock: FakeClock, sink: Sink) -> AsyncIterator[Callable[..., Scrape]]:
    async with httpx.AsyncClient() as client:

        def make(url: str, metrics: dict[str, str], **fields: Any) -> Scrape:
            cfg = ScrapeSource.model_validate(
                {"name": "svc", "type": "scrape", "url": url, "metrics": metrics, **fields}
            )
            return Scrape(cfg, clock, sink, client)

        yield make


async def scrape_now(source: Scrape, clock: FakeClock) -> SourceState:
    clock.set(time.time())  # opstui's clock at the real time of the request: the service counts in real time
    return (await source.run_once()).state


async def one_second_later(started: float) -> None:
    """Wait until a second of real time has passed since ``started``: a rate needs two reads apart."""

    async def passed() -> bool:
        return time.time() - started >= 1.0

    await eventually(passed, what="a second of the service's life")


async def test_gauge_rate_ratio_and_quantile_match_prometheus(
    service: Service, prometheus: Prometheus, scrape: Callable[..., Scrape], clock: FakeClock, sink: Sink
) -> None:
    source = scrape(service.url, METRICS)
    assert await scrape_now(source, clock) is SourceState.UP
    assert sink.last("queue") == 7.0
    assert [name for name, *_ in sink.samples] == ["queue"]  # a rate, ratio or quantile needs two scrapes
    await one_second_later(clock.now())
    assert await scrape_now(source, clock) is SourceState.UP

    async def answered(promql: str) -> Callable[[], Any]:
        return lambda: prometheus.value(promql)

    window = "[3s]"

    async def window_full() -> bool:
        # Prometheus extrapolates a window it has not filled yet: compare once it holds the whole window.
        return (await prometheus.value(f'count_over_time(demo_requests_total{{code="200"}}{window})') or 0) >= 3

    await eventually(window_full, what="Prometheus holding three seconds of the service")
    theirs = {
        "queue": await eventually(await answered("jobs_pending")),
        "requests_per_s": await eventually(await answered(f"sum(rate(demo_requests_total{window}))")),
        "errors_per_s": await eventually(await answered(f'sum(rate(demo_requests_total{{code=~"5.."}}{window}))')),
        "error_rate": await eventually(
            await answered(
                f'100 * sum(rate(demo_requests_total{{code=~"5.."}}{window})) / sum(rate(demo_requests_total{window}))'
            )
        ),
        "latency_p50": await eventually(
            await answered(
                f"1000 * histogram_quantile(0.5, sum by (le) (rate(demo_request_duration_seconds_bucket{window})))"
            )
        ),
        "latency_p95": await eventually(
            await answered(
                f"1000 * histogram_quantile(0.95, sum by (le) (rate(demo_request_duration_seconds_bucket{window})))"
            )
        ),
    }
    ours = {metric: sink.last(metric) for metric in METRICS}
    for metric, value in theirs.items():
        assert close(ours[metric], value), (metric, ours[metric], value)
    # And both are the true figures of the service.
    assert close(ours["requests_per_s"], sum(REQUEST_RATES.values()))
    assert close(ours["error_rate"], 100 * 5 / 55)
    assert close(ours["latency_p95"], 812.5)  # 0.5 + 0.5 * (95 - 90) / (98 - 90) seconds
    assert close(ours["latency_p50"], 175.0)  # 0.1 + 0.15 * (50 - 30) / (70 - 30) seconds


async def test_a_counter_reset_counts_as_prometheus_counts_it(
    service: Service, prometheus: Prometheus, scrape: Callable[..., Scrape], clock: FakeClock, sink: Sink
) -> None:
    source = scrape(service.url, {"jobs_per_s": "rate(demo_jobs_total)"})
    await scrape_now(source, clock)
    before = clock.now()
    service.reset_jobs()
    await one_second_later(service.jobs_started)
    await scrape_now(source, clock)
    # After a reset the new value is all increase (Prometheus' rule): never a negative rate.
    expected = service.jobs(clock.now()) / (clock.now() - before)
    assert 0 < sink.last("jobs_per_s") <= JOBS_RATE * 1.02
    assert close(sink.last("jobs_per_s"), expected, 0.05)
    # Prometheus saw the reset too, and once past it both give the counter's true rate.

    async def reset_seen() -> bool:
        return (await prometheus.value("resets(demo_jobs_total[1m])") or 0) >= 1

    await eventually(reset_seen, what="Prometheus seeing the counter reset")
    await one_second_later(clock.now())
    await scrape_now(source, clock)

    async def past_reset() -> float | None:
        elapsed = time.time() - service.jobs_started
        return await prometheus.value("rate(demo_jobs_total[2s])") if elapsed > 3.5 else None

    theirs = await eventually(past_reset, what="two Prometheus scrapes after the reset")
    assert close(sink.last("jobs_per_s"), theirs), (sink.last("jobs_per_s"), theirs)
    assert close(theirs, JOBS_RATE)


async def test_both_exposition_formats_are_read(
    service: Service, scrape: Callable[..., Scrape], clock: FakeClock, sink: Sink
) -> None:
    for accept in ("text/plain;version=0.0.4", "application/openmetrics-text;version=1.0.0"):
        sink.clear()
        source = scrape(service.url, {"queue": "jobs_pending"}, headers={"Accept": accept})
        assert await scrape_now(source, clock) is SourceState.UP
        assert sink.last("queue") == 7.0


async def test_a_missing_series_degrades_the_source_and_the_rest_is_recorded(
    service: Service, scrape: Callable[..., Scrape], clock: FakeClock, sink: Sink
) -> None:
    source = scrape(service.url, {"queue": "jobs_pending", "gone": "no_such_metric"})
    status = await source.run_once()
    assert status.state is SourceState.DEGRADED
    assert status.reason == "gone: missing no_such_metric"
    assert sink.last("queue") == 7.0


async def test_a_page_that_is_not_an_exposition_is_down_with_the_reason(
    prometheus: Prometheus, http_server: HttpServer, scrape: Callable[..., Scrape]
) -> None:
    status = await scrape(prometheus.url + "/api/v1/query?query=up", {"queue": "jobs_pending"}).run_once()
    assert (status.state, status.reason) == (SourceState.DOWN, "not a metrics page: application/json")
    # A wanted series the parser refuses: down with the parser's own message.
    http_server.routes["/metrics"] = Route(body='# TYPE jobs_pending gauge\njobs_pending{x="1} 7\n')
    status = await scrape(http_server.url("/metrics"), {"queue": "jobs_pending"}).run_once()
    assert status.state is SourceState.DOWN
    assert status.reason.startswith("unreadable page: ")


def test_histogram_quantile_follows_prometheus_edge_rules() -> None:
    inf = float("inf")
    assert bucket_quantile(0.5, [(1.0, 10.0), (inf, 10.0)]) == 0.5
    assert bucket_quantile(0.99, [(1.0, 5.0), (inf, 10.0)]) == 1.0  # in +Inf: the highest finite bound
    assert bucket_quantile(0.5, [(1.0, 0.0), (inf, 0.0)]) != bucket_quantile(0.5, [(1.0, 0.0), (inf, 0.0)])  # NaN
    assert bucket_quantile(0.5, [(1.0, 5.0)]) != bucket_quantile(0.5, [(1.0, 5.0)])  # no +Inf bucket: NaN
    assert bucket_quantile(0.5, [(2.0, 4.0), (1.0, 6.0), (inf, 10.0)]) == 5 / 6  # sorted, made monotonic (2.0 -> 6)


def test_expressions_are_checked_when_the_config_loads() -> None:
    assert parse_expression('ratio(a_total{x="1,2"}, b_total)').selectors[0].matchers[0].value == "1,2"
    text = """
sources:
  - name: svc
    type: scrape
    url: http://127.0.0.1:1/metrics
    metrics:
      p95: quantile(1.5, latency_seconds)
"""
    with pytest.raises(ConfigError) as caught:
        load_config_text(text, file="opstui.yaml")
    assert "p95: quantile must be within 0..1" in str(caught.value)
    assert "sources[0].metrics" in str(caught.value)


def test_without_timestamps_a_rate_is_over_the_clocks_time_between_scrapes() -> None:
    folder = Folder(parse_expression("rate(jobs_total)"))
    page = "# TYPE jobs_total counter\njobs_total {}\n"
    assert folder.fold(parse_page(page.format(100), False, {"jobs_total"}), 1000.0) == ([], None)
    assert folder.fold(parse_page(page.format(160), False, {"jobs_total"}), 1004.0) == ([(None, 15.0)], None)
    assert folder.fold(parse_page(page.format(20), False, {"jobs_total"}), 1006.0) == ([(None, 10.0)], None)  # reset


def test_labels_from_a_page_are_sanitised_before_they_name_a_series() -> None:
    folder = Folder(parse_expression("temperature"))
    page = '# TYPE temperature gauge\ntemperature{room="a\x1b[2J"} 20\ntemperature{room="b"} 21\n'
    values, problem = folder.fold(parse_page(page, False, {"temperature"}), 1000.0)
    assert problem is None
    assert sorted(str(labels) for labels, _ in values) == ["{'room': 'a\u241b[2J'}", "{'room': 'b'}"]
