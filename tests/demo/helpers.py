"""Helpers for driving the demo shop's stream with a FakeClock and real sockets."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection

from opstui.clock import FakeClock
from opstui.sources.events import parse_message

WAIT = 5.0
"""Real seconds any one network wait may take before the test fails (never clock time)."""


async def until(condition: Callable[[], bool], what: str) -> None:
    """Yield to the loop until ``condition()`` holds, failing after :data:`WAIT` real seconds."""
    try:
        async with asyncio.timeout(WAIT):
            while True:
                if condition():
                    return
                await asyncio.sleep(0.001)
    except TimeoutError:
        pytest.fail(f"timed out waiting until {what}")


async def tick(clock: FakeClock, seconds: float = 1.0) -> None:
    """Advance the clock once the stream loop is parked on it, so the advance is never missed."""
    await until(lambda: clock.sleepers > 0, "the stream loop sleeps on the clock")
    clock.advance(seconds)


async def receive(ws: ClientConnection) -> list[dict[str, Any]]:
    """One stream message as raw JSON objects, checked to parse with zero malformed or unknown."""
    async with asyncio.timeout(WAIT):
        raw = await ws.recv()
    result = parse_message(raw, received_at=0.0)
    assert result.malformed == 0, result.last_problem
    assert result.unknown == 0, result.last_problem
    doc = json.loads(raw)
    assert isinstance(doc, list) and len(doc) == len(result.events)
    return doc


async def collect(clock: FakeClock, ws: ClientConnection, ticks: int) -> list[dict[str, Any]]:
    """The events of ``ticks`` one-second ticks of the stream."""
    events: list[dict[str, Any]] = []
    for _ in range(ticks):
        await tick(clock)
        events += await receive(ws)
    return events


def error_rate(events: list[dict[str, Any]]) -> float:
    """Share of request events answered 5xx, as the console computes it."""
    statuses = [int(e["status"]) for e in events if e["type"] == "request"]
    assert statuses, "no request events"
    return sum(s >= 500 for s in statuses) / len(statuses)
