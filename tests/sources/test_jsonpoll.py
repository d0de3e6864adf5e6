"""JSON polling against a real local server, and the path / number rules it relies on."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from opstui.clock import FakeClock
from opstui.config.models import JsonSource
from opstui.sources.base import SourceState
from opstui.sources.jsonpoll import MISSING, JsonPoll, as_number, pick
from tests.sources.conftest import HttpServer, RecordingSink, Route

DOCUMENT = {
    "db": {"cpu_percent": 41.5, "connections": 87, "replica_ok": True},
    "queue": {"length": "17"},
    "items": [{"n": 3}, {"n": 4}],
    "version": "v1.4.2",
}


@pytest.fixture
async def poll(http_server: HttpServer, clock: FakeClock, sink: RecordingSink) -> AsyncIterator[Any]:
    """A factory of JsonPoll sources against ``/stats`` of the local server, sharing one client."""
    async with httpx.AsyncClient() as client:

        def make(metrics: dict[str, str], **fields: Any) -> JsonPoll:
            cfg = JsonSource.model_validate(
                {"name": "stats", "type": "json", "url": http_server.url("/stats"), "metrics": metrics, **fields}
            )
            return JsonPoll(cfg, clock, sink, client)

        yield make


def serve_json(server: HttpServer, document: object, status: int = 200) -> None:
    server.routes["/stats"] = Route(status, json.dumps(document), content_type="application/json")


async def test_values_are_picked_by_path_and_recorded_unlabelled(
    http_server: HttpServer, poll: Any, clock: FakeClock, sink: RecordingSink
) -> None:
    serve_json(http_server, DOCUMENT)
    source = poll(
        {
            "db_cpu": "db.cpu_percent",
            "db_connections": "db.connections",
            "replica_ok": "db.replica_ok",
            "queue_length": "queue.length",
            "second_n": "items.1.n",
        }
    )
    status = await source.run_once()

    assert (status.state, status.reason) == (SourceState.UP, "")
    assert status.received == 5
    assert sink.samples == [
        ("db_cpu", 41.5, clock.now(), None),
        ("db_connections", 87.0, clock.now(), None),
        ("replica_ok", 1.0, clock.now(), None),
        ("queue_length", 17.0, clock.now(), None),
        ("second_n", 4.0, clock.now(), None),
    ]


async def test_missing_and_non_numeric_paths_degrade_but_keep_the_rest(
    http_server: HttpServer, poll: Any, sink: RecordingSink
) -> None:
    serve_json(http_server, DOCUMENT)
    source = poll({"db_cpu": "db.cpu_percent", "gone": "db.memory", "far": "items.9.n", "v": "version"})
    status = await source.run_once()

    assert status.state is SourceState.DEGRADED
    assert status.reason == "missing db.memory, items.9.n; not a number: version"
    assert status.received == 1
    assert [(m, v) for m, v, _, _ in sink.samples] == [("db_cpu", 41.5)]
    assert status.ok_checks == 1


async def test_received_counts_values_across_polls(http_server: HttpServer, poll: Any) -> None:
    serve_json(http_server, DOCUMENT)
    source = poll({"db_cpu": "db.cpu_percent", "n": "items.0.n"})
    await source.run_once()
    status = await source.run_once()
    assert (status.received, status.checks) == (4, 2)


async def test_malformed_json_is_down(http_server: HttpServer, poll: Any, sink: RecordingSink) -> None:
    http_server.routes["/stats"] = Route(200, "<html>oops</html>", content_type="text/html")
    status = await poll({"db_cpu": "db.cpu_percent"}).run_once()

    assert status.state is SourceState.DOWN
    assert status.reason.startswith("malformed JSON: Expecting value")
    assert sink.samples == []


async def test_server_error_is_down(http_server: HttpServer, poll: Any) -> None:
    serve_json(http_server, {"error": "boom"}, status=500)
    status = await poll({"db_cpu": "db.cpu_percent"}).run_once()
    assert (status.state, status.reason, status.received) == (SourceState.DOWN, "HTTP 500", 0)


async def test_hanging_server_is_unreachable(http_server: HttpServer, poll: Any) -> None:
    http_server.routes["/stats"] = Route(hold=asyncio.Event())
    status = await poll({"db_cpu": "db.cpu_percent"}, timeout="0.2s").run_once()
    assert (status.state, status.reason) == (SourceState.UNREACHABLE, "timeout after 0.2s")


async def test_refused_connection_is_unreachable(closed_port: int, clock: FakeClock, sink: RecordingSink) -> None:
    cfg = JsonSource.model_validate(
        {"name": "stats", "type": "json", "url": f"http://127.0.0.1:{closed_port}/", "metrics": {"x": "x"}}
    )
    async with httpx.AsyncClient() as client:
        status = await JsonPoll(cfg, clock, sink, client).run_once()
    assert (status.state, status.reason) == (SourceState.UNREACHABLE, "connection refused")


async def test_loop_polls_every_interval(
    http_server: HttpServer, poll: Any, clock: FakeClock, sink: RecordingSink
) -> None:
    serve_json(http_server, {"queue": {"length": 1}})
    source = poll({"queue_length": "queue.length"}, interval="10s")
    task = asyncio.create_task(source.run())
    try:
        await sink.wait_until(lambda: source.status.checks == 1)
        serve_json(http_server, {"queue": {"length": 2}})
        clock.advance(10.0)
        await sink.wait_until(lambda: source.status.checks == 2)
    finally:
        task.cancel()
    assert [(v, ts - sink.samples[0][2]) for _, v, ts, _ in sink.samples] == [(1.0, 0.0), (2.0, 10.0)]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (True, 1.0),
        (False, 0.0),
        (3, 3.0),
        (2.5, 2.5),
        (" 17 ", 17.0),
        ("1e3", 1000.0),
        ("abc", None),
        ("nan", None),
        (float("inf"), None),
        (None, None),
        ([1], None),
        ({"v": 1}, None),
    ],
)
def test_as_number_accepts_numbers_bools_and_numeric_strings_only(raw: object, expected: float | None) -> None:
    assert as_number(raw) == expected


def test_pick_walks_dicts_and_lists() -> None:
    assert pick(DOCUMENT, "items.-1.n") == 4
    assert pick(DOCUMENT, "db") == DOCUMENT["db"]
    assert pick({"a": None}, "a") is None
    for path in ("db.cpu_percent.x", "items.x", "items.2", "nope", "version.0"):
        assert pick(DOCUMENT, path) is MISSING


json_keys = st.text(alphabet="abcxyz_", min_size=1, max_size=6)


@given(st.lists(st.one_of(json_keys, st.integers(0, 3)), min_size=1, max_size=5), st.floats(allow_nan=False))
def test_pick_finds_any_value_where_its_path_put_it(steps: list[str | int], value: float) -> None:
    document: object = value
    for step in reversed(steps):
        document = [None] * step + [document] if isinstance(step, int) else {step: document}
    assert pick(json.loads(json.dumps(document)), ".".join(map(str, steps))) == value
