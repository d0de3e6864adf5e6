"""A websocket event stream at a fixed rate, in the console's event format, for the keystroke benchmark.

    python -m bench.flood --port 8765 --rate 10000

Messages of ``batch`` request events are built ahead (a few hundred variants) and sent on a fixed cadence, so
the flood costs this process little and the rate is what the console receives. Each message's events carry no
``ts``: the console stamps them on arrival, as it does for producers that send none. Every connected client gets
the whole stream; the count sent is printed on exit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

ROUTES = ("/api/products", "/api/cart", "/api/orders", "/api/payments", "/api/auth/login")


def messages(batch: int, variants: int = 200, seed: int = 1) -> list[str]:
    """``variants`` JSON arrays of ``batch`` request events: 2 % errors, log-normal latencies around 120 ms."""
    rng = random.Random(seed)
    out = []
    for _ in range(variants):
        events = [
            {
                "type": "request",
                "route": rng.choice(ROUTES),
                "method": "GET",
                "status": 500 if rng.random() < 0.02 else 200,
                "duration_ms": round(rng.lognormvariate(4.8, 0.5), 1),
            }
            for _ in range(batch)
        ]
        out.append(json.dumps(events))
    return out


async def run(port: int, rate: int, batch: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    prepared = messages(batch)
    sent = 0

    async def stream(connection: ServerConnection) -> None:
        nonlocal sent
        if rate <= 0:
            await connection.wait_closed()
            return
        per_second = rate / batch
        start = loop.time()
        n = 0
        while not stop.is_set():
            due = start + n / per_second
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                await connection.send(prepared[n % len(prepared)])
            except ConnectionClosed:
                return  # the console quit or reconnects: a new connection gets a new stream
            sent += batch
            n += 1

    async def report() -> None:
        """``sent N`` every second: a reader sees whether the consumer keeps the rate (the send blocks when it
        does not: websockets and TCP push back, nothing is dropped)."""
        while not stop.is_set():
            await asyncio.sleep(1.0)
            print(f"sent {sent}", flush=True)

    async with serve(stream, "127.0.0.1", port, max_size=None):
        print(f"flood ready on {port}", flush=True)
        reporter = asyncio.create_task(report())
        await stop.wait()
        reporter.cancel()
    print(f"sent {sent}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rate", type=int, default=1000, help="events a second (0: accept clients, send nothing)")
    parser.add_argument("--batch", type=int, default=50, help="events per websocket message")
    args = parser.parse_args()
    asyncio.run(run(args.port, args.rate, args.batch))


if __name__ == "__main__":
    main()
