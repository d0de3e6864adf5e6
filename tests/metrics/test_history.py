"""History on disk: what is flushed comes back after a restart, bounded, rollups exact, damage refused."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opstui.clock import FakeClock
from opstui.metrics.history import History
from opstui.metrics.history_file import HistoryDamaged, HistoryFile
from opstui.metrics.store import MetricStore

START = 1_790_000_000.0
DAY = 86400.0


def new_history(path: Path, clock: FakeClock, **kw: float) -> tuple[MetricStore, History]:
    store = MetricStore(clock, retention=kw.pop("retention", 48 * 3600.0), resolution=kw.pop("resolution", 5.0))
    history = History(path, store, clock, rollup_retention=kw.pop("rollup_retention", 90 * DAY), **kw)  # type: ignore[arg-type]
    return store, history


async def test_the_charts_points_come_back_after_a_restart(tmp_path: Path) -> None:
    clock = FakeClock(START)
    store, history = new_history(tmp_path / "h.db", clock)
    await history.open()
    for i in range(3 * 720):  # three hours at 5 s
        clock.advance(5.0)
        store.record("error_rate", (i % 17) / 3.0)
        store.record("check_up", float(i % 50 != 0), labels={"source": "api"})
        if i % 2 == 0:
            await history.flush()
    expected = {key: list(ring) for key, _, _, ring in store.items()}
    await history.close()

    again, reopened = new_history(tmp_path / "h.db", clock)
    assert await reopened.open() == sum(len(points) for points in expected.values())
    assert {key: list(ring) for key, _, _, ring in again.items()} == expected
    assert again.window("check_up", 3600.0, {"source": "api"}) == store.window("check_up", 3600.0, {"source": "api"})
    await reopened.close()


async def test_only_the_retention_is_loaded_and_the_store_keeps_its_capacity(tmp_path: Path) -> None:
    clock = FakeClock(START)
    store, history = new_history(tmp_path / "h.db", clock, retention=3600.0, resolution=60.0)
    await history.open()
    for _ in range(180):  # three hours, one point a minute
        clock.advance(60.0)
        store.record("queue_length", clock.now() % 1000)
    await history.close()
    again, reopened = new_history(tmp_path / "h.db", clock, retention=3600.0, resolution=60.0)
    await reopened.open()
    ring = again.ring("queue_length")
    assert ring is not None and len(ring) == 60
    assert list(ring) == list(store.ring("queue_length") or [])  # type: ignore[arg-type]
    await reopened.close()


CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from opstui.clock import FakeClock
    from opstui.metrics.history import History
    from opstui.metrics.store import MetricStore

    async def main() -> None:
        clock = FakeClock(1_790_000_000.0)
        store = MetricStore(clock, retention=48 * 3600.0, resolution=5.0)
        history = History(Path(sys.argv[1]), store, clock, rollup_retention=90 * 86400.0)
        await history.open()
        i = 0
        while True:
            i += 1
            clock.advance(5.0)
            store.record("latency_p95", float(i))
            if i % 6 == 0:  # a flush every 30 s of clock time
                await history.flush()
                print(f"flushed {clock.now()!r}", flush=True)

    asyncio.run(main())
    """
)


def test_kill_9_loses_at_most_the_last_batch(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE, text=True, env=env)
    assert child.stdout is not None
    flushed = 0.0
    for _ in range(40):
        line = child.stdout.readline()
        flushed = float(line.split()[1])
    os.kill(child.pid, signal.SIGKILL)  # mid-flight: it goes on recording and flushing until killed
    child.wait()
    child.stdout.close()
    assert child.returncode == -signal.SIGKILL

    file = HistoryFile(path)  # opened for writing, as the next console would: the WAL is recovered
    [(key, _, _, times, values)] = list(file.load(0.0))
    file.close()
    assert key == "latency_p95"
    # Every point up to the last batch the child reported is there, one per 5 s, value = its index.
    upto = [v for t, v in zip(times, values, strict=True) if t <= flushed]
    assert upto == [float(i) for i in range(1, int((flushed - 1_790_000_000.0) / 5.0) + 1)]
    # At most the batch in flight when it died was written beyond that (never a torn one).
    assert len(times) - len(upto) in (0, 6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(
        st.tuples(st.floats(1.0, 400.0), st.floats(-1e6, 1e6, allow_nan=False), st.booleans()),
        min_size=1,
        max_size=120,
    )
)
async def test_rollups_equal_the_raw_datas_aggregates(
    tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[float, float, bool]]
) -> None:
    path = tmp_path_factory.mktemp("h") / "h.db"
    clock = FakeClock(START)
    store, history = new_history(path, clock, resolution=5.0)
    await history.open()
    for gap, value, flush in steps:
        clock.advance(gap)
        store.record("db_cpu", value)
        if flush:
            await history.flush()
    await history.close()
    points = list(store.ring("db_cpu") or [])  # type: ignore[arg-type]
    minutes: dict[int, list[float]] = {}
    for t, v in points:
        minutes.setdefault(int(t // 60 * 60), []).append(v)
    file = HistoryFile(path, read_only=True)
    rollups = file.rollups("db_cpu", 0.0, math.inf)
    file.close()
    assert [(r.minute, r.count) for r in rollups] == [(m, len(vs)) for m, vs in sorted(minutes.items())]
    for r in rollups:
        vs = minutes[r.minute]
        assert (r.min, r.max) == (min(vs), max(vs))
        assert r.sum == pytest.approx(math.fsum(vs), rel=1e-9, abs=1e-6)


def _size(path: Path) -> int:
    """The file and its write-ahead log: what the history takes on disk."""
    return path.stat().st_size + Path(f"{path}-wal").stat().st_size


async def test_the_file_stops_growing_after_ninety_simulated_days(tmp_path: Path) -> None:
    """Three series, one point every five minutes, flushed every six hours; rollups kept 30 days, points 6 h."""
    path = tmp_path / "h.db"
    clock = FakeClock(START)
    store, history = new_history(path, clock, retention=6 * 3600.0, resolution=300.0, rollup_retention=30 * DAY)
    await history.open()
    sizes: dict[int, int] = {}
    for quarter in range(1, 90 * 4 + 1):
        for _ in range(72):
            clock.advance(300.0)
            for name in ("error_rate", "queue_length", "db_cpu"):
                store.record(name, clock.now() % 97)
        await history.flush()
        if quarter % (4 * 15) == 0:
            sizes[quarter // 4] = _size(path)
    await history.close()
    # The stated bound: 3 series x 30 days x 24 h x 1,920 bytes of rollups (4.1 MB), SQLite's pages around
    # them (under 10 %) and the write-ahead log (at most 1 MB).
    bound = 3 * 30 * 24 * 1920 * 1.1 + 1_300_000
    assert sizes[30] > 3 * 29 * 24 * 1920  # the rollups of a full month are really there
    assert max(sizes.values()) < bound
    assert sizes[90] <= sizes[45] * 1.05  # full since day 30: no growth after
    file = HistoryFile(path, read_only=True)
    kept = file.rollups("db_cpu", 0.0, math.inf)
    file.close()
    assert kept[0].minute >= clock.now() - 30 * DAY - 3600


async def test_a_damaged_file_is_refused_with_one_line_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\xde\xad" * 3000)
    before = path.read_bytes()
    clock = FakeClock(START)
    _, history = new_history(path, clock)
    with pytest.raises(HistoryDamaged) as refused:
        await history.open()
    message = str(refused.value)
    assert "\n" not in message and str(path) in message and "move it aside" in message
    assert path.read_bytes() == before


async def test_another_programs_database_is_refused(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE points (x)")
    _, history = new_history(path, FakeClock(START))
    with pytest.raises(HistoryDamaged, match="missing table"):
        await history.open()


async def test_a_second_console_reads_but_writes_only_after_the_first_is_gone(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    clock = FakeClock(START)
    first_store, first = new_history(path, clock)
    await first.open()
    second_store, second = new_history(path, clock)
    await second.open()
    assert (first.writer, second.writer) == (True, False)
    clock.advance(5.0)
    first_store.record("queue_length", 1.0)
    second_store.record("queue_length", 2.0)
    assert await second.flush() == 0
    assert await first.flush() == 1
    await first.close()  # gone (a kill -9 releases the lock the same way)
    clock.advance(5.0)
    second_store.record("queue_length", 3.0)
    assert await second.flush() == 1 and second.writer
    await second.close()
    third_store, third = new_history(path, clock)
    await third.open()
    assert [v for _, v in third_store.ring("queue_length") or []] == [2.0, 3.0]  # type: ignore[union-attr]
    await third.close()


async def test_prometheus_series_are_not_copied(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    clock = FakeClock(START)
    store, history = new_history(path, clock)
    history.exclude = frozenset({"prom_rps"})
    await history.open()
    clock.advance(5.0)
    store.record("prom_rps", 10.0)
    store.record("queue_length", 1.0)
    await history.flush()
    await history.close()
    file = HistoryFile(path, read_only=True)
    assert [key for key, *_ in file.load(0.0)] == ["queue_length"]
    file.close()
