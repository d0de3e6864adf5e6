"""Cost of one refresh of a ``prometheus`` source with 20 queries, against a local server answering as Prometheus.

The server is a minimal HTTP server on 127.0.0.1 that answers every ``/api/v1/query`` with a one-element
vector (what ``sum(rate(...))`` gives), so the figure is opstui's own cost per refresh (requests through the
shared client and semaphore, JSON decoding, recording): the floor under any real Prometheus' query time.
"""

from __future__ import annotations

import asyncio
import json
import time

import httpx

from opstui.clock import FakeClock
from opstui.config.models import Config, PrometheusSource
from opstui.monitor import Monitor
from opstui.sources.prometheus import PrometheusQuery

ANSWER = json.dumps(
    {"status": "success", "data": {"resultType": "vector", "result": [{"metric": {}, "value": [0, "12.5"]}]}}
).encode()


_HANDLERS: dict[asyncio.StreamWriter, asyncio.Task[object]] = {}
"""Open connections and their handlers: closed and awaited at the end (a cancelled handler is logged noisily)."""


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answer every request on a kept-alive connection with the same vector."""
    task = asyncio.current_task()
    if task is not None:
        _HANDLERS[writer] = task
    try:
        while True:
            line = await reader.readline()
            if not line:
                return
            while await reader.readline() not in (b"\r\n", b""):
                pass
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(ANSWER)}\r\n\r\n".encode()
                + ANSWER
            )
            await writer.drain()
    except ConnectionError:
        return
    finally:
        writer.close()


async def _bench(queries: int, rounds: int) -> dict[str, float]:
    server = await asyncio.start_server(_serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    cfg = PrometheusSource.model_validate(
        {
            "name": "prom",
            "type": "prometheus",
            "url": f"http://127.0.0.1:{port}",
            "backfill": False,
            "queries": {f"q{n}": f'sum(rate(http_requests_total{{route="/r{n}"}}[5m]))' for n in range(queries)},
        }
    )
    clock = FakeClock(time.time())
    monitor = Monitor(Config(), clock)
    async with httpx.AsyncClient() as client:
        source = PrometheusQuery(cfg, clock, monitor, client, 900.0)
        await source.run_once()  # connections opened
        cpu, began = time.process_time(), time.perf_counter()
        for _ in range(rounds):
            status = await source.run_once()
            if status.state.value != "up":
                raise RuntimeError(f"refresh failed: {status.reason}")
        wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    server.close()
    for writer in _HANDLERS:
        writer.transport.abort()  # the handler reads EOF and returns
    await asyncio.gather(*_HANDLERS.values(), return_exceptions=True)
    _HANDLERS.clear()
    await server.wait_closed()
    return {
        "queries": float(queries),
        "ms_per_refresh": wall / rounds * 1000,
        "cpu_ms_per_refresh": cpu / rounds * 1000,
    }


def bench_promql(queries: int = 20, rounds: int = 50) -> dict[str, float]:
    """Milliseconds (wall and CPU, server included) per refresh of ``queries`` instant queries."""
    return asyncio.run(_bench(queries, rounds))


def rows(quick: bool = False, dsn: str | None = None) -> list[tuple[str, str, str]]:
    """The figures for ``bench/run.py``."""
    figures = bench_promql(rounds=10 if quick else 50)
    how = "20 instant queries through the shared client, against a local server answering as Prometheus"
    return [
        (
            "prometheus source: one refresh",
            f"{figures['ms_per_refresh']:.1f} ms ({figures['cpu_ms_per_refresh']:.1f} ms CPU)",
            how,
        )
    ]


if __name__ == "__main__":
    print(bench_promql())
