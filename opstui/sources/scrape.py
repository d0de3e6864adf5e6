"""Scrape a service's own ``/metrics`` (Prometheus text or OpenMetrics) without a Prometheus.

The page is asked for as OpenMetrics or the text format (content negotiation, as Prometheus does),
parsed with ``prometheus_client``'s parser for whichever came back, and folded into the configured
metrics by :mod:`opstui.sources.exposition`. States: unreachable (no answer), down (an HTTP error, a
page too large or one the parser refuses, with its message), degraded (some configured series are
not on the page; the rest are recorded), up. A page served as anything but the text format or
OpenMetrics (an HTML login page, a JSON API) is down: "not a metrics page".
"""

from __future__ import annotations

import math

import httpx

from opstui.clock import Clock
from opstui.config.models import ScrapeSource
from opstui.sources.base import Sink, SourceState
from opstui.sources.exposition import Folder, parse_expression, parse_page
from opstui.sources.http import PolledSource

MAX_PAGE_BYTES = 16 * 1_048_576
"""A larger page is refused (down): 10,000 series are about 1 MiB."""
ACCEPT = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
"""Prometheus' own Accept header for scrapes: OpenMetrics preferred, the text format accepted."""

EXPOSITION_TYPES = frozenset({"application/openmetrics-text", "text/plain", ""})
"""Content types of an exposition (none at all is read as the text format, as Prometheus reads it)."""


class Scrape(PolledSource):
    """GETs a ``/metrics`` page every ``interval`` and records each configured metric (see module doc)."""

    kind = "scrape"

    def __init__(self, cfg: ScrapeSource, clock: Clock, sink: Sink, client: httpx.AsyncClient) -> None:
        super().__init__(cfg.name, cfg.url, cfg.interval, clock, sink)
        self.cfg = cfg
        self.client = client
        self.folders = {metric: Folder(parse_expression(text)) for metric, text in cfg.metrics.items()}
        self.wanted: set[str] = set().union(*(f.expression.sample_names() for f in self.folders.values()))

    async def _probe(self) -> dict[str, object]:
        cfg = self.cfg
        headers = {"Accept": ACCEPT, **cfg.headers}
        got = await self._get_document(cfg.url, headers, cfg.timeout, MAX_PAGE_BYTES, "page")
        if isinstance(got, dict):
            return got
        response, body, latency_ms = got
        content_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if content_type not in EXPOSITION_TYPES:
            return self._result(SourceState.DOWN, f"not a metrics page: {content_type}", latency_ms=latency_ms)
        openmetrics = content_type == "application/openmetrics-text"
        try:
            page = parse_page(body.decode("utf-8"), openmetrics, self.wanted)
        except (ValueError, UnicodeDecodeError) as exc:
            text = str(exc).strip().splitlines()
            return self._result(SourceState.DOWN, f"unreadable page: {text[0] if text else type(exc).__name__}")
        ts = self.clock.now()
        problems: list[str] = []
        recorded = 0
        for metric, folder in self.folders.items():
            values, problem = folder.fold(page, ts)
            if problem:
                problems.append(f"{metric}: {problem}")
            for labels, raw in values:
                value = self.border.number(raw, metric) if not math.isnan(raw) else None  # NaN: no observation
                if value is not None:
                    self.sink.record(metric, value, ts, labels)
                    recorded += 1
        state = SourceState.DEGRADED if problems else SourceState.UP
        return self._result(state, "; ".join(problems), latency_ms=latency_ms, received=self.status.received + recorded)
