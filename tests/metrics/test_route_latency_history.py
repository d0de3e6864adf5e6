"""Per-route percentiles over days: each route's latencies kept per hour as sketches, merged exactly, bounded by
``store.max_routes`` (the rest as ``other``), read back by ``opstui latency --route`` and ``--routes``; a history
file written before the table gains it and keeps what it had."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import sqlite3
import threading
from pathlib import Path

import pytest

from opstui.cli import main
from opstui.clock import FakeClock
from opstui.metrics.history import History
from opstui.metrics.history_file import HistoryFile
from opstui.metrics.history_routes import RouteHours, pack, unpack
from opstui.metrics.keys import route_key
from opstui.metrics.routes import OTHER, RouteWindows
from opstui.metrics.sketch import LatencySketch
from opstui.metrics.store import MetricStore
from opstui.metrics.windows import ARCHIVE_HOURS, EventWindows
from opstui.sources.events import RequestEvent

START = 1_790_000_000.0 // 3600 * 3600  # an hour's start
DAY = 86400.0
HOUR = 3600
ROUTES = {"/api/orders/{}": 4.8, "/api/payments": 5.6, "/health": 1.5}
"""Route (ids filled in) -> the mean log-latency of its requests: three different spreads."""


def requests(rng: random.Random, start: float, seconds: int, per_second: int) -> list[RequestEvent]:
    out = []
    for s in range(seconds):
        for k in range(per_second):
            route = rng.choice(list(ROUTES))
            latency = round(rng.lognormvariate(ROUTES[route], 0.6), 1)
            out.append(RequestEvent(start + s + k / per_second, 200, latency, route.format(rng.randrange(999)), "GET"))
    return out


def by_route(events: list[RequestEvent]) -> dict[str, LatencySketch]:
    out: dict[str, LatencySketch] = {}
    for event in events:
        out.setdefault(route_key(event.route), LatencySketch()).add(event.duration_ms)
    return out


def sketch_of(values: list[float]) -> LatencySketch:
    sketch = LatencySketch()
    sketch.add_many(values)
    return sketch


def test_the_route_windows_archive_each_route_hour_exactly_once() -> None:
    rng = random.Random(11)
    windows = RouteWindows(window=300.0, max_routes=50, archive=True)
    events = requests(rng, START, 2 * 3600 + 600, 3)
    for second in range(0, len(events), 3):
        chunk = events[second : second + 3]
        windows.observe(chunk, chunk[-1].ts)
    taken = windows.take_archive(everything=True)
    expected: dict[int, dict[str, LatencySketch]] = {}
    for event in events:
        hour = int(event.ts // HOUR * HOUR)
        expected.setdefault(hour, {}).setdefault(route_key(event.route), LatencySketch()).add(event.duration_ms)
    as_bytes = {hour: {r: s.to_bytes() for r, s in routes.items()} for hour, routes in taken.items()}
    assert as_bytes == {hour: {r: s.to_bytes() for r, s in routes.items()} for hour, routes in expected.items()}
    assert windows.take_archive() == {}, "taken once"


async def test_each_routes_hours_on_record_merge_to_every_request_of_the_route(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(5)
    clock = FakeClock(START)
    routes = RouteWindows(window=300.0, max_routes=50, archive=True)
    store = MetricStore(clock, retention=48 * 3600.0, resolution=5.0)
    path = tmp_path / "ops.history.db"
    history = History(path, store, clock, rollup_retention=90 * DAY, route_latencies=routes.take_archive, max_routes=50)
    await history.open()
    every: list[RequestEvent] = []
    for _ in range(3 * 360):  # three hours, flushed every ten seconds of data
        batch = requests(rng, clock.now(), 10, 2)
        every += batch
        clock.advance(10.0)
        routes.observe(batch, clock.now())
        routes.stats(clock.now())  # the console's refresh, which moves every route's window on
        store.record("error_rate", 0.1)
        await history.flush()
    await history.close()  # a clean stop takes the windows' last five minutes too

    expected = by_route(every)
    file = HistoryFile(path, read_only=True)
    try:
        on_record = file.route_latencies(START)
        one = file.route_latency("/api/payments", START)
    finally:
        file.close()
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT count(*), count(DISTINCT hour) FROM route_latency").fetchone()
    conn.close()
    assert {r: s.to_bytes() for r, s in on_record.items()} == {r: s.to_bytes() for r, s in expected.items()}
    assert one.to_bytes() == expected["/api/payments"].to_bytes()
    assert rows == (3 * 3, 3), "one row per route and hour"

    clock_now = clock.now()
    monkeypatch.setattr("opstui.commands.latency.time.time", lambda: clock_now)  # the command reads the wall clock
    state = str(tmp_path / "ops.db")
    assert main(["latency", "--state", state, "--json", "--route", "/api/orders/1234"]) == 0
    doc = json.loads(capsys.readouterr().out)
    orders = expected["/api/orders/:id"]
    assert doc["route"] == "/api/orders/:id", "a path is looked up as its template"
    day = {w["window"]: w for w in doc["windows"]}["24h"]
    assert day["requests"] == orders.count
    assert day["latency_ms"] == dict(zip(("p50", "p95", "p99"), orders.quantiles([0.5, 0.95, 0.99]), strict=True))

    assert main(["latency", "--state", state, "--json", "--routes", "--sort", "p95"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [r["route"] for r in doc["routes"]] == ["/api/payments", "/api/orders/:id", "/health"]
    assert [r["requests"] for r in doc["routes"]] == [expected[r["route"]].count for r in doc["routes"]]
    assert sum(r["requests"] for r in doc["routes"]) == len(every) == 3 * 3600 * 2

    assert main(["latency", "--state", state, "--routes", "--top", "2"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0] == "routes over 30d, by volume, top 2 of 3"
    busiest = max(expected, key=lambda r: expected[r].count)
    assert table[2].startswith(busiest) and f"{expected[busiest].count:,}" in table[2]


class SlowFile(HistoryFile):
    """A history file whose whole-stream latency write waits for the test: a flush caught half way."""

    entered = threading.Event()
    go = threading.Event()

    def write_latency(self, hours: dict[int, LatencySketch]) -> None:
        self.entered.set()
        self.go.wait(10)
        super().write_latency(hours)


async def test_a_stop_that_cancels_a_flush_half_way_loses_no_latencies(tmp_path: Path) -> None:
    SlowFile.entered, SlowFile.go = threading.Event(), threading.Event()
    rng = random.Random(8)
    clock = FakeClock(START)
    windows = EventWindows(window=300.0, archive=True)
    routes = RouteWindows(window=300.0, max_routes=50, archive=True)
    store = MetricStore(clock, retention=48 * 3600.0, resolution=5.0)
    path = tmp_path / "h.db"
    history = History(
        path,
        store,
        clock,
        rollup_retention=90 * DAY,
        opener=lambda: SlowFile(path),
        latencies=windows.take_archive,
        route_latencies=routes.take_archive,
    )
    await history.open()
    events = requests(rng, START, 900, 2)
    for second in range(0, len(events), 20):
        batch = events[second : second + 20]
        clock.advance(10.0)
        windows.observe(batch, clock.now())
        routes.observe(batch, clock.now())
    flushing = asyncio.create_task(history.flush())
    await asyncio.to_thread(SlowFile.entered.wait, 10)
    flushing.cancel()  # the console stopping: its tasks are cancelled, then the history closed
    SlowFile.go.set()
    with contextlib.suppress(asyncio.CancelledError):
        await flushing
    await history.close()

    file = HistoryFile(path, read_only=True)
    try:
        whole, per_route = file.latency(START), file.route_latencies(START)
    finally:
        file.close()
    assert whole.count == len(events)
    assert {r: s.to_bytes() for r, s in per_route.items()} == {r: s.to_bytes() for r, s in by_route(events).items()}


def test_routes_beyond_max_routes_are_kept_as_other_and_nothing_is_lost(tmp_path: Path) -> None:
    # In memory: routes that took idle routes' places outnumber max_routes within the hour.
    windows = RouteWindows(window=300.0, max_routes=2, archive=True)
    sent = 0
    for n, route in enumerate(("/a", "/b", "/c", "/d", "/e")):
        at = START + 400 * n  # each route idle for more than a window when the next ones come
        windows.observe([RequestEvent(at, 200, 10.0 + n, route, "GET"), RequestEvent(at, 200, 1.0, "/x", "GET")], at)
        sent += 2
    hours = windows.take_archive(everything=True)
    assert list(hours) == [START]
    kept = hours[START]
    assert len(kept) - (OTHER in kept) <= 2 and OTHER in kept
    assert sum(s.count for s in kept.values()) == sent, "every request is in a named route or in other"

    # On record: a second session in the same hour cannot name more routes than max_routes between them.
    file = HistoryFile(tmp_path / "h.db")
    try:
        first: RouteHours = {START: {f"/r{i}": sketch_of([float(i)] * (10 - i)) for i in range(4)}}
        file.write_route_latency(first, max_routes=3)
        file.write_route_latency({START: {"/r9": sketch_of([9.0] * 50), "/r1": sketch_of([1.0])}}, max_routes=3)
        with sqlite3.connect(tmp_path / "h.db") as conn:
            rows = {route: unpack(blob) for route, blob in conn.execute("SELECT route, data FROM route_latency")}
        conn.close()
        assert set(rows) == {"/r0", "/r1", "/r2", OTHER}, "the busiest were named first; later ones join other"
        assert rows["/r1"].count == 9 + 1 and rows[OTHER].count == 7 + 50
        assert sum(s.count for s in rows.values()) == 10 + 9 + 8 + 7 + 50 + 1
        file.prune(START + 100 * DAY, retention=2 * DAY, rollup_retention=90 * DAY)
        assert file.route_latencies(0.0) == {}, "pruned with the rollups"
    finally:
        file.close()


def test_an_archive_nobody_takes_keeps_only_the_newest_hours() -> None:
    windows = EventWindows(window=300.0, archive=True)
    routes = RouteWindows(window=300.0, max_routes=5, archive=True)
    for hour in range(10):
        at = START + hour * HOUR
        events = [RequestEvent(at, 200, 5.0, "/a", "GET")]
        windows.observe(events, at)
        routes.observe(events, at)
    assert windows.archive is not None and len(windows.archive) == ARCHIVE_HOURS
    assert len(routes.take_archive()) <= ARCHIVE_HOURS


def test_a_sketch_survives_its_packed_row() -> None:
    sketch = sketch_of([0.0, 0.5, 12.5, 120.0, 3000.0, 1e9])
    assert unpack(pack(sketch)).to_bytes() == sketch.to_bytes()
    assert len(pack(sketch_of([random.Random(1).lognormvariate(4.8, 0.6) for _ in range(36_000)]))) < 1200


OLD_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE series (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, metric TEXT NOT NULL, labels TEXT NOT NULL);
CREATE TABLE points (
    series INTEGER NOT NULL, start INTEGER NOT NULL, ts BLOB NOT NULL, vals BLOB NOT NULL, UNIQUE (series, start));
CREATE TABLE rollups (
    series INTEGER NOT NULL, hour INTEGER NOT NULL, data BLOB NOT NULL,
    count INTEGER NOT NULL, total REAL NOT NULL, UNIQUE (series, hour));
CREATE TABLE latency (hour INTEGER PRIMARY KEY, data BLOB NOT NULL);
INSERT INTO meta VALUES ('format', '1');
"""
"""A history file as opstui wrote it before per-route latency (format 1, with the whole stream's hours)."""


def test_an_older_history_file_gains_the_route_table_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.history.db"
    whole = sketch_of([10.0, 20.0, 30.0])
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_SCHEMA)
        conn.execute("INSERT INTO latency VALUES (?, ?)", (int(START), whole.to_bytes()))
    conn.close()

    reader = HistoryFile(path, read_only=True)  # opstui latency beside an old console: nothing per route yet
    try:
        assert reader.route_latencies(START) == {}
        assert reader.route_latency("/a", START).count == 0
        assert reader.latency(START).to_bytes() == whole.to_bytes()
    finally:
        reader.close()

    writer = HistoryFile(path)  # the next console opens it for writing: the table is made, nothing else changes
    try:
        writer.write_route_latency({int(START): {"/a": sketch_of([5.0, 6.0])}}, max_routes=50)
        assert writer.route_latency("/a", START).count == 2
        assert writer.latency(START).to_bytes() == whole.to_bytes()
    finally:
        writer.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM meta").fetchall() == [("1",)], "no format change"
    conn.close()
