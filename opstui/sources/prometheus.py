"""PromQL against a Prometheus-compatible HTTP API (``/api/v1/query``, ``/api/v1/query_range``).

Each round runs every configured query as an instant query. A scalar or a one-element vector is the
metric; a longer vector becomes labelled series (the store's ``max_series`` bounds them). An empty
vector records nothing and marks the metric stale ("empty result").

Failure is per metric when Prometheus says the query is wrong (``bad_data``, ``execution``,
``timeout``): that metric is marked with Prometheus' own message and the source is degraded; the
other queries still record. Prometheus unreachable or failing as a server (5xx without a query error,
a body that is not its JSON) is the source down, and every query's metric is marked stale with why.

At start (and, if Prometheus is down then, at its first answer) each query is backfilled with
``query_range`` over the chart window, so charts and window rules have history from the first frame.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import time
from collections.abc import Callable
from typing import Any

import httpx

from opstui.clock import Clock
from opstui.config.models import BasicAuth, PrometheusSource
from opstui.sanitize import clean
from opstui.sources.base import Sink, SourceState
from opstui.sources.http import PolledSource, describe_network_error, read_capped

MAX_RESPONSE_BYTES = 16 * 1_048_576
"""A larger answer is refused: a query for a dashboard has no business returning that much."""
MAX_BACKFILL_POINTS = 1000
"""Points per series a backfill asks for at most (the step grows with the chart window)."""
MAX_LABEL = 200
"""Longest label name or value kept (longer ones are cut)."""
QUERY_ERRORS = frozenset({"bad_data", "execution", "timeout", "canceled"})
"""Prometheus error types that are about one query, not about the server."""


def request_headers(headers: dict[str, str], basic_auth: BasicAuth | None, bearer_token: str | None) -> dict[str, str]:
    """The headers every request carries: the configured ones plus the authorisation, if any."""
    out = dict(headers)
    if basic_auth is not None:
        pair = f"{basic_auth.username}:{basic_auth.password}".encode()
        out["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    if bearer_token is not None:
        out["Authorization"] = f"Bearer {bearer_token}"
    return out


class ServerFailure(Exception):
    """Prometheus could not be asked at all (unreachable) or failed as a server (down)."""

    def __init__(self, state: SourceState, reason: str) -> None:
        super().__init__(reason)
        self.state = state
        self.reason = reason


class QueryFailure(Exception):
    """Prometheus refused or failed one query; the message is Prometheus' own."""


def _number(raw: object) -> float | None:
    """A finite float from Prometheus' string-encoded sample value; None for NaN, Inf or garbage."""
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _labels(metric: object) -> dict[str, str]:
    if not isinstance(metric, dict):
        return {}
    # Label text from outside becomes part of a series' name on screen: sanitised and capped, as every text is.
    return {clean(str(k)[:MAX_LABEL]): clean(str(v)[:MAX_LABEL]) for k, v in metric.items() if k != "__name__"}


class PrometheusQuery(PolledSource):
    """Runs the configured PromQL queries every ``interval`` (see the module doc)."""

    kind = "prometheus"
    concurrency = 4
    """A round's queries run side by side, at most this many at once, all to the one server this source asks."""

    def __init__(
        self,
        cfg: PrometheusSource,
        clock: Clock,
        sink: Sink,
        client: httpx.AsyncClient,
        chart_window: float,
    ) -> None:
        super().__init__(cfg.name, cfg.url, cfg.interval, clock, sink)
        self.cfg = cfg
        self.client = client
        self.base = cfg.url.rstrip("/")
        self.headers = request_headers(cfg.headers, cfg.basic_auth, cfg.bearer_token)
        self.chart_window = chart_window
        self.backfilled = not cfg.backfill
        self.failing: dict[str, str] = {}
        """Queries whose latest run failed, and Prometheus' message."""
        self._set_metric_error: Callable[[str, str | None], None] | None = getattr(sink, "set_metric_error", None)

    async def _api(self, path: str, params: dict[str, str]) -> Any:
        """One API call's ``data``; raises :class:`ServerFailure` or :class:`QueryFailure`."""
        cfg = self.cfg
        async with self.limiter:
            try:
                async with (
                    asyncio.timeout(cfg.timeout + 1.0),
                    self.client.stream(
                        "GET", self.base + path, params=params, headers=self.headers, timeout=cfg.timeout + 1.0
                    ) as response,
                ):
                    body, too_big = await read_capped(response, MAX_RESPONSE_BYTES)
            except (httpx.TransportError, OSError, TimeoutError) as exc:
                raise ServerFailure(SourceState.UNREACHABLE, describe_network_error(exc, cfg.timeout)) from None
        if too_big:
            raise QueryFailure(f"answer larger than {MAX_RESPONSE_BYTES // 1_048_576} MiB")
        try:
            document = json.loads(body)
        except ValueError:
            document = None
        if not isinstance(document, dict):
            raise ServerFailure(SourceState.DOWN, f"HTTP {response.status_code}, not a Prometheus API answer")
        if document.get("status") != "success":
            kind = str(document.get("errorType", ""))
            message = f"{kind}: {document.get('error', '')}".strip(": ")
            if kind in QUERY_ERRORS:
                raise QueryFailure(message)
            raise ServerFailure(SourceState.DOWN, f"HTTP {response.status_code}: {message}")
        return document.get("data")

    async def _instant(self, metric: str, promql: str) -> None:
        data = await self._api("/api/v1/query", {"query": promql, "timeout": f"{self.cfg.timeout:g}s"})
        if not isinstance(data, dict):
            raise QueryFailure("no data in the answer")
        kind, result = data.get("resultType"), data.get("result")
        ts = self.clock.now()
        if kind == "scalar" and isinstance(result, list) and len(result) == 2:
            value = _number(result[1])
            if value is None:
                raise QueryFailure(f"not a finite number: {str(result[1])[:40]!r}")
            if (checked := self.border.number(value, metric)) is not None:
                self.sink.record(metric, checked, ts)
            return
        if kind != "vector" or not isinstance(result, list):
            raise QueryFailure(f"a {kind} is not a value; write an instant vector or scalar query")
        if not result:
            raise QueryFailure("empty result")
        for element in result:
            pair = element.get("value") if isinstance(element, dict) else None
            value = _number(pair[1]) if isinstance(pair, list) and len(pair) == 2 else None
            if value is None or (value := self.border.number(value, metric)) is None:
                continue
            labels = _labels(element.get("metric")) if len(result) > 1 else None
            self.sink.record(metric, value, ts, labels)

    async def _backfill(self, metric: str, promql: str) -> None:
        end = self.clock.now()
        step = max(self.cfg.interval, self.chart_window / MAX_BACKFILL_POINTS, 1.0)
        params = {
            "query": promql,
            "start": f"{end - self.chart_window:.3f}",
            "end": f"{end:.3f}",
            "step": f"{step:g}s",
            "timeout": f"{self.cfg.timeout:g}s",
        }
        data = await self._api("/api/v1/query_range", params)
        result = data.get("result") if isinstance(data, dict) else None
        if not isinstance(result, list):
            return
        for series in result:
            if not isinstance(series, dict) or not isinstance(series.get("values"), list):
                continue
            labels = _labels(series.get("metric")) if len(result) > 1 else None
            for pair in series["values"]:
                value = _number(pair[1]) if isinstance(pair, list) and len(pair) == 2 else None
                when = _number(pair[0]) if isinstance(pair, list) and len(pair) == 2 else None
                if value is None or when is None:
                    continue
                checked, at = self.border.number(value, metric), self.border.timestamp(when, end)
                if checked is not None and at is not None:
                    self.sink.record(metric, checked, at, labels)

    async def _run_query(self, metric: str, promql: str) -> None:
        """One query (its backfill first, when due); a query error is kept per metric, a server one raised."""
        try:
            if not self.backfilled:
                await self._backfill(metric, promql)
            await self._instant(metric, promql)
        except QueryFailure as exc:
            self._fail(metric, str(exc))
            return
        if self.failing.pop(metric, None) is not None and self._set_metric_error is not None:
            self._set_metric_error(metric, None)

    def _fail(self, metric: str, why: str) -> None:
        self.failing[metric] = why
        if self._set_metric_error is not None:
            self._set_metric_error(metric, why)

    async def _probe(self) -> dict[str, object]:
        started = time.perf_counter()
        outcomes = await asyncio.gather(
            *(self._run_query(m, q) for m, q in self.cfg.queries.items()), return_exceptions=True
        )
        latency_ms = (time.perf_counter() - started) * 1000.0
        failures = [o for o in outcomes if isinstance(o, BaseException)]
        server = next((f for f in failures if isinstance(f, ServerFailure)), None)
        if server is not None:
            for metric in self.cfg.queries:
                self._fail(metric, f"source {server.state.value}: {server.reason}")
            return self._result(server.state, server.reason, latency_ms=None)
        if failures:
            raise failures[0]  # a bug, not a network fact: PolledSource logs it and shows it
        self.backfilled = True
        if self.failing:
            name, why = next(iter(self.failing.items()))
            more = f" (+{len(self.failing) - 1} more)" if len(self.failing) > 1 else ""
            return self._result(SourceState.DEGRADED, f"{name}: {why}{more}", latency_ms=latency_ms)
        return self._result(SourceState.UP, "", latency_ms=latency_ms)
