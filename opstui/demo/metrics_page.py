"""The demo shop's ``/metrics``: the figures of its event stream in the Prometheus format.

Every request and payment the stream carries is counted here (requests by route and code, their latency in
a histogram, payments by outcome), so a ``scrape`` source or a real Prometheus sees the same shop the
websocket shows. The counting is plain Python on the stream's own events; ``prometheus_client`` is imported
only when the page is first asked for, so a demo nobody scrapes never pays for it.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from opstui.demo.traffic import Event

BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, math.inf)
"""Latency buckets in seconds (``http_request_duration_seconds``), as a web service commonly has them."""


class ShopCounters:
    """Running totals of the stream's requests and payments since the shop started."""

    def __init__(self) -> None:
        self.requests: Counter[tuple[str, str, str]] = Counter()
        """(method, route, code) -> requests."""
        self.buckets = [0] * len(BUCKETS)
        """Requests per latency bucket (not cumulative; made cumulative when rendered)."""
        self.latency_sum = 0.0
        self.payments: Counter[str] = Counter()

    def observe(self, events: Iterable[Event]) -> None:
        for event in events:
            if event["type"] == "request":
                self.requests[(str(event["method"]), str(event["route"]), str(event["status"]))] += 1
                seconds = float(event["duration_ms"]) / 1000.0
                self.buckets[bisect.bisect_left(BUCKETS, seconds)] += 1
                self.latency_sum += seconds
            elif event["type"] == "payment":
                self.payments[str(event["status"])] += 1

    def render(self, accept: str, gauges: dict[str, float], version: str) -> tuple[bytes, str]:
        """The page for a client's ``Accept`` header (OpenMetrics if asked for, else the text format)."""
        from prometheus_client import CollectorRegistry
        from prometheus_client.exposition import choose_encoder

        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Collector(self, gauges, version))
        encoder, content_type = choose_encoder(accept)
        return encoder(registry), content_type


class _Collector:
    """The counters as metric families, built at the moment of the request."""

    def __init__(self, counters: ShopCounters, gauges: dict[str, float], version: str) -> None:
        self.counters = counters
        self.gauges = gauges
        self.version = version

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

        counters = self.counters
        requests = CounterMetricFamily("http_requests", "Requests served.", labels=["method", "route", "code"])
        for (method, route, code), count in sorted(counters.requests.items()):
            requests.add_metric([method, route, code], float(count))
        yield requests
        cumulative, buckets = 0, []
        for bound, count in zip(BUCKETS, counters.buckets, strict=True):
            cumulative += count
            buckets.append(("+Inf" if math.isinf(bound) else f"{bound:g}", float(cumulative)))
        yield HistogramMetricFamily(
            "http_request_duration_seconds", "Request latency.", buckets=buckets, sum_value=counters.latency_sum
        )
        payments = CounterMetricFamily("payments", "Payments attempted, by outcome.", labels=["status"])
        for status in ("succeeded", "failed"):
            payments.add_metric([status], float(counters.payments[status]))
        yield payments
        described = {
            "queue_length": ("jobs_pending", "Background jobs waiting."),
            "db_cpu": ("db_cpu_percent", "Database CPU, percent."),
            "db_connections": ("db_connections", "Database connections in use (of 100)."),
            "email_failure_rate": ("email_failure_rate_percent", "Emails failing, percent."),
            "cache_hit_rate": ("cache_hit_rate_percent", "Cache hit rate, percent."),
        }
        for key, (name, help_text) in described.items():
            if key in self.gauges:
                yield GaugeMetricFamily(name, help_text, value=float(self.gauges[key]))
        info = GaugeMetricFamily("shop_build_info", "The version running.", labels=["version"])
        info.add_metric([self.version], 1.0)
        yield info
