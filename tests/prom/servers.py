"""Real servers for the Prometheus tests: a service instrumented with ``prometheus_client``, and Debian's
``prometheus`` and ``prometheus-alertmanager`` started on free ports with their own temporary dirs.

The service's figures are functions of real time (a counter at 50 requests/s, a histogram filling its
buckets in fixed proportions), so Prometheus' ``rate`` and ``histogram_quantile`` over any window and
opstui's between two scrapes must agree: the tests compare them. Nothing here sleeps for a fixed time;
:func:`eventually` polls a condition, bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric

T = TypeVar("T")

REQUIRE = os.environ.get("OPSTUI_REQUIRE_PROM") == "1"
"""Set by .ci/run: the Prometheus tests must run (a missing binary is a failure, never a skip)."""

REQUEST_RATES = {"200": 50.0, "500": 5.0}
"""``demo_requests_total`` grows by these per second, by ``code``."""
BUCKETS = ((0.05, 1000.0), (0.1, 3000.0), (0.25, 7000.0), (0.5, 9000.0), (1.0, 9800.0), (float("inf"), 10000.0))
"""``demo_request_duration_seconds``: cumulative observations per second by upper bound (p95 = 812.5 ms).
OpenMetrics wants whole bucket counts: at these rates, rounding down moves a quantile by far less than 0.1 %."""
JOBS_RATE = 20.0
"""``demo_jobs_total`` grows by this per second; it is the counter the reset test resets."""


def binary(*names: str) -> str | None:
    """The first of ``names`` on PATH (Debian names Alertmanager ``prometheus-alertmanager``)."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def eventually(check: Callable[[], Awaitable[T | None]], within: float = 20.0, what: str = "") -> T:
    """Poll ``check`` until it returns something other than None (or False); fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result is not None and result is not False:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within:g}s: {what or check}")
        await asyncio.sleep(0.05)


class Service:
    """The instrumented service: figures as functions of real time, a settable gauge, a resettable counter."""

    def __init__(self) -> None:
        self.started = time.time()
        self.jobs_started = self.started
        self.pending = 7.0
        self.registry = CollectorRegistry()
        self.registry.register(self)
        self.port = free_port()
        self._server, self._thread = start_http_server(self.port, addr="127.0.0.1", registry=self.registry)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/metrics"

    def reset_jobs(self) -> None:
        """The service "restarts" its job counter: it starts again from zero now."""
        self.jobs_started = time.time()

    def jobs(self, now: float) -> float:
        return JOBS_RATE * (now - self.jobs_started)

    def collect(self) -> Iterator[Metric]:
        # Every sample carries the moment it was read: Prometheus and opstui then both measure rates over the
        # service's own times, not over when their requests happened to be answered on a busy machine.
        now = time.time()
        elapsed = now - self.started
        requests = CounterMetricFamily("demo_requests", "Requests served.", labels=["code"])
        for code, per_second in REQUEST_RATES.items():
            requests.add_metric([code], 1000.0 + per_second * elapsed, timestamp=now)
        yield requests
        jobs = CounterMetricFamily("demo_jobs", "Jobs done.", labels=[])
        jobs.add_metric([], self.jobs(now), timestamp=now)
        yield jobs
        pending = GaugeMetricFamily("jobs_pending", "Jobs waiting.", labels=[])
        pending.add_metric([], self.pending, timestamp=now)
        yield pending
        buckets = [
            ("+Inf" if bound == float("inf") else f"{bound:g}", int(count * elapsed)) for bound, count in BUCKETS
        ]
        histogram = HistogramMetricFamily("demo_request_duration_seconds", "Request latency.", labels=[])
        histogram.add_metric([], buckets, sum_value=0.3 * 10000 * elapsed, timestamp=now)
        yield histogram

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class Process:
    """A server binary run with its own arguments, started and stopped by the tests, ready on ``/-/ready``."""

    def __init__(self, argv: list[str], port: int, log: Path) -> None:
        self.argv = argv
        self.port = port
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30.0
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.argv[0]} exited: {self.log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/-/ready", timeout=1.0).status_code == 200:
                    return
            time.sleep(0.05)  # polling a starting process from a synchronous fixture, bounded above
        raise RuntimeError(f"{self.argv[0]} not ready in 30 s: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None


class Prometheus(Process):
    """Prometheus scraping :class:`Service` every second, with a rule file the tests may rewrite and reload."""

    def __init__(self, exe: str, work: Path, service: Service) -> None:
        self.rules = work / "rules.yml"
        self.rules.write_text("groups: []\n")
        config = work / "prometheus.yml"
        config.write_text(
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            f"rule_files: ['{self.rules}']\n"
            "scrape_configs:\n"
            f"  - job_name: svc\n    static_configs: [{{targets: ['127.0.0.1:{service.port}']}}]\n"
        )
        port = free_port()
        argv = [
            exe,
            f"--config.file={config}",
            f"--storage.tsdb.path={work / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--web.enable-lifecycle",
            "--log.level=warn",
        ]
        super().__init__(argv, port, work / "prometheus.log")

    async def query(self, promql: str) -> Any:
        """The ``data.result`` of an instant query (raises on an error answer)."""
        async with httpx.AsyncClient(timeout=5.0) as client:
            answer = (await client.get(self.url + "/api/v1/query", params={"query": promql})).json()
        assert answer["status"] == "success", answer
        return answer["data"]["result"]

    async def value(self, promql: str) -> float | None:
        """A one-element vector's value, or None while Prometheus has no answer yet."""
        result = await self.query(promql)
        return float(result[0]["value"][1]) if len(result) == 1 else None

    async def reload(self) -> None:
        async with httpx.AsyncClient(timeout=5.0) as client:
            (await client.post(self.url + "/-/reload")).raise_for_status()


class Alertmanager(Process):
    """Alertmanager with a do-nothing receiver and no cluster (no gossip port to collide on)."""

    def __init__(self, exe: str, work: Path) -> None:
        config = work / "alertmanager.yml"
        config.write_text("route: {receiver: 'null', group_wait: 1s}\nreceivers: [{name: 'null'}]\n")
        port = free_port()
        argv = [
            exe,
            f"--config.file={config}",
            f"--storage.path={work / 'am-data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
            "--log.level=warn",
        ]
        super().__init__(argv, port, work / "alertmanager.log")
