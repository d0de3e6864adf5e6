"""Percentiles over days: the stream's latencies kept per hour as sketches, merged exactly, read back by
``opstui latency``."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from opstui.cli import main
from opstui.clock import FakeClock
from opstui.metrics.history import History
from opstui.metrics.history_file import HistoryFile
from opstui.metrics.sketch import LatencySketch
from opstui.metrics.store import MetricStore
from opstui.metrics.windows import EventWindows
from opstui.sources.events import RequestEvent

START = 1_790_000_000.0 // 3600 * 3600  # an hour's start
DAY = 86400.0


def requests(rng: random.Random, start: float, seconds: int, per_second: int) -> list[RequestEvent]:
    return [
        RequestEvent(start + s + k / per_second, 200, round(rng.lognormvariate(4.8, 0.6), 1), "/api/orders", "GET")
        for s in range(seconds)
        for k in range(per_second)
    ]


def test_a_sketch_survives_its_bytes() -> None:
    sketch = LatencySketch()
    sketch.add_many([0.0, 0.005, 1.0, 12.5, 120.0, 3000.0, 1e9])
    again = LatencySketch.from_bytes(sketch.to_bytes())
    assert again.to_bytes() == sketch.to_bytes() and again.count == 7
    assert again.quantiles([0.0, 0.5, 1.0]) == sketch.quantiles([0.0, 0.5, 1.0])
    with pytest.raises(ValueError, match="not a latency sketch"):
        LatencySketch.from_bytes(b"\x01\x02\x03\x04\x05\x06\x07\x08")


def test_the_windows_archive_each_hour_exactly_once() -> None:
    rng = random.Random(7)
    windows = EventWindows(window=300.0, archive=True)
    events = requests(rng, START, 2 * 3600 + 600, 3)  # two hours and ten minutes
    for second in range(0, len(events), 3):
        chunk = events[second : second + 3]
        windows.observe(chunk, chunk[-1].ts)
    taken = windows.take_archive(everything=True)
    expected: dict[int, LatencySketch] = {}
    for event in events:
        expected.setdefault(int(event.ts // 3600 * 3600), LatencySketch()).add(event.duration_ms)
    assert {hour: s.to_bytes() for hour, s in taken.items()} == {hour: s.to_bytes() for hour, s in expected.items()}
    assert windows.take_archive() == {}, "taken once"


async def test_history_keeps_the_hours_and_the_command_reads_percentiles_over_days(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(3)
    clock = FakeClock(START)
    windows = EventWindows(window=300.0, archive=True)
    store = MetricStore(clock, retention=48 * 3600.0, resolution=5.0)
    path = tmp_path / "ops.history.db"
    history = History(path, store, clock, rollup_retention=90 * DAY, latencies=windows.take_archive)
    await history.open()
    every = LatencySketch()
    for _ in range(3 * 360):  # three hours, flushed every ten seconds of data
        batch = requests(rng, clock.now(), 10, 2)
        every.add_many(e.duration_ms for e in batch)
        clock.advance(10.0)
        windows.observe(batch, clock.now())
        store.record("error_rate", 0.1)
        await history.flush()
    await history.close()  # a clean stop takes the window's last five minutes too

    file = HistoryFile(path, read_only=True)
    try:
        on_record = file.latency(START)
    finally:
        file.close()
    assert on_record.to_bytes() == every.to_bytes(), "every request's latency, merged exactly"

    clock_now = clock.now()
    monkeypatch.setattr("opstui.commands.latency.time.time", lambda: clock_now)  # the command reads the wall clock
    assert main(["latency", "--state", str(tmp_path / "ops.db"), "--json", "--days", "0.25"]) == 0
    doc = json.loads(capsys.readouterr().out)
    windows_shown = {w["window"]: w for w in doc["windows"]}
    day = windows_shown["24h"]
    assert day["requests"] == every.count == 3 * 3600 * 2
    expected = dict(zip(("p50", "p95", "p99"), every.quantiles([0.5, 0.95, 0.99]), strict=True))
    assert day["latency_ms"] == expected
    assert windows_shown["0.25d"]["requests"] == every.count, "six hours back covers the three on record"


def test_event_lines_on_record_are_bounded_by_age_and_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("opstui.metrics.history_file.MAX_EVENTS", 10)
    file = HistoryFile(tmp_path / "h.db")
    try:
        file.write_events([(START + i, "error", "app", f"boom {i} " + "x" * 3000) for i in range(40)])
        assert len(file.events(START)) == 40 and len(file.events(START)[0][3]) == 2000  # a message is cut
        file.prune(START + 40, retention=30.0, rollup_retention=DAY)
        kept = file.events(0.0)
        assert [line[0] for line in kept] == [START + i for i in range(30, 40)]  # the newest 10 (and 30 s back)
        file.prune(START + 100, retention=30.0, rollup_retention=DAY)
        assert file.events(0.0) == []
    finally:
        file.close()
