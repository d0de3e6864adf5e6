"""Events per second of the websocket ingest path (``parse_message`` + ``EventWindows.observe`` + the per-route
windows, ``RouteWindows.observe``; ``ingest_without_routes`` is the same path before routes, its floor) on one core,
and the cost of one ``EventWindows.stats()`` over a full five-minute window (Python runs this on one thread).

The messages are what a busy shop's websocket carries: JSON arrays of about 20 events, nine in ten of them
requests (a few routes, log-normal latencies, ~2 % 5xx) and the rest payments, stamped up to half a second
before their message so some arrive out of order. Target: at least 50,000 events/s together.
"""

from __future__ import annotations

import json
import random
import time

from opstui.metrics.routes import RouteWindows
from opstui.metrics.windows import EventWindows
from opstui.sources.events import parse_message

_ROUTES = ("/api/products", "/api/cart", "/api/checkout", "/api/payments", "/api/users/me", "/health")
_METHODS = ("GET", "GET", "GET", "POST")


def _messages(events: int, start: float, per_second: float, per_message: int = 20) -> list[bytes]:
    """``events`` events in arrays of ``per_message``, ``per_second`` of them per second of event time."""
    rng = random.Random(42)
    messages: list[bytes] = []
    for first in range(0, events, per_message):
        batch: list[dict[str, object]] = []
        for i in range(first, min(events, first + per_message)):
            ts = round(start + i / per_second - rng.random() * 0.5, 3)
            if rng.random() < 0.9:
                status = 500 + rng.randrange(4) if rng.random() < 0.02 else rng.choice((200, 200, 201, 404))
                batch.append(
                    {
                        "type": "request",
                        "ts": ts,
                        "route": rng.choice(_ROUTES),
                        "method": rng.choice(_METHODS),
                        "status": status,
                        "duration_ms": round(rng.lognormvariate(3.5, 0.8), 2),
                    }
                )
            else:
                outcome = "failed" if rng.random() < 0.03 else "succeeded"
                amount = round(rng.uniform(5, 250), 2)
                batch.append({"type": "payment", "ts": ts, "status": outcome, "amount": amount})
        messages.append(json.dumps(batch).encode())
    return messages


def bench_ingest(events: int = 300_000) -> dict[str, float]:
    """Measure parse + observe throughput and ``stats()`` latency; returns the figures by name.

    Event time runs at 500 events a second, so 300,000 events cover ten minutes: ``stats()`` is timed once
    per second of event time, as the core calls it, and reported over the calls made with the five-minute
    window full (each seals one cell and expires one), or over all calls when ``events`` is too few for that.
    """
    per_second, per_message, window = 500.0, 20, 300.0
    start = 1_790_000_000.0
    messages = _messages(events, start, per_second, per_message)
    windows = EventWindows(window=window, bucket=1.0)
    routes = RouteWindows(window=window, max_routes=50)
    parse_s = observe_s = routes_s = 0.0
    parsed = 0
    stats_full: list[float] = []
    stats_all: list[float] = []
    clock = time.perf_counter
    messages_per_second = round(per_second / per_message)
    for n, raw in enumerate(messages):
        now = start + n / messages_per_second
        t0 = clock()
        result = parse_message(raw, now)
        t1 = clock()
        windows.observe(result.events, now)
        t2 = clock()
        routes.observe(result.events, now)
        t3 = clock()
        parse_s += t1 - t0
        observe_s += t2 - t1
        routes_s += t3 - t2
        parsed += len(result.events)
        if n % messages_per_second == 0:
            t0 = clock()
            windows.stats(now)
            spent = clock() - t0
            stats_all.append(spent)
            if now - start >= window:
                stats_full.append(spent)
    timed = stats_full or stats_all
    return {
        "events": float(parsed),
        "parse_events_per_s": parsed / parse_s,
        "observe_events_per_s": parsed / observe_s,
        "routes_events_per_s": parsed / routes_s,
        "ingest_events_per_s": parsed / (parse_s + observe_s + routes_s),
        "ingest_without_routes_events_per_s": parsed / (parse_s + observe_s),
        "stats_ms": sum(timed) / len(timed) * 1000,
        "stats_max_ms": max(timed) * 1000,
    }


if __name__ == "__main__":
    for name, value in bench_ingest().items():
        print(f"{name:>22}: {value:,.3f}" if name.endswith("_ms") else f"{name:>22}: {value:,.0f}")
