"""``opstui demo-server``: the simulated shop alone, so a real config can point at it."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "demo-server",
        help="serve the simulated shop alone, to point a real config at",
        description="Serve the simulated shop on 127.0.0.1 until interrupted: its health endpoints, /api/metrics "
        "(JSON), /metrics (Prometheus text or OpenMetrics: the event stream's requests, latency and payments, and "
        "the gauges) and the /ops/events websocket.",
    )
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from opstui.demo.shop import run_demo_server

    asyncio.run(run_demo_server(args.port))
    return 0
