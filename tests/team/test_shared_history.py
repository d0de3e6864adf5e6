"""The team's shared history in PostgreSQL: what one console writes every console reads, the same figures as a
file's, and one writer, elected, whose role passes on when its process is killed."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from array import array
from pathlib import Path

import pytest

from opstui.clock import FakeClock
from opstui.config.incidents import StateSettings
from opstui.config.models import Config, StoreSettings
from opstui.core import Core
from opstui.metrics.history import History
from opstui.metrics.history_file import HistoryFile
from opstui.metrics.history_open import history_opener
from opstui.metrics.history_pg import SharedHistory, history_schema, numbered
from opstui.metrics.store import MetricStore

START = 1_790_000_000.0
DAY = 86400.0


@pytest.fixture
def shared_schema(schema: str) -> str:
    """The history schema that goes with the test's state schema (the schema fixture drops both)."""
    return history_schema(schema)


def console(clock: FakeClock, open_history: object) -> tuple[MetricStore, History]:
    store = MetricStore(clock, retention=48 * 3600.0, resolution=5.0)
    history = History(Path("unused"), store, clock, rollup_retention=90 * DAY, opener=open_history)  # type: ignore[arg-type]
    return store, history


def fill(store: MetricStore, clock: FakeClock, steps: int) -> None:
    for i in range(steps):
        clock.advance(5.0)
        store.record("error_rate", (i % 17) / 3.0)
        store.record("check_up", float(i % 50 != 0), labels={"source": "api"})


def test_placeholders_are_numbered_in_order() -> None:
    assert numbered("SELECT a FROM t WHERE b = ? AND c > ?") == "SELECT a FROM t WHERE b = $1 AND c > $2"


def test_team_mode_chooses_the_shared_history_unless_a_file_is_named(tmp_path: Path) -> None:
    team = StateSettings(backend="postgres", dsn="postgresql://u@127.0.0.1:5432/ops", schema="team_a")
    where, _ = history_opener(StoreSettings(), team)
    assert where == "PostgreSQL schema team_a_history"
    where, _ = history_opener(StoreSettings(history_path=str(tmp_path / "h.db")), team)
    assert where == str(tmp_path / "h.db")
    where, _ = history_opener(StoreSettings(), StateSettings(path=str(tmp_path / "s.db")))
    assert where == str(tmp_path / "s.history.db")


async def test_what_one_console_writes_another_reads_with_the_files_figures(
    pg_dsn: str, shared_schema: str, tmp_path: Path
) -> None:
    clock = FakeClock(START)
    store, writer = console(clock, lambda: SharedHistory(pg_dsn, shared_schema))
    await writer.open()
    fill(store, clock, 3 * 720)  # three hours at 5 s
    await writer.flush()
    assert writer.writer
    expected = {key: list(ring) for key, _, _, ring in store.items()}

    # The same points into a file, for the figures to compare with.
    file_store, on_file = console(clock, lambda: HistoryFile(tmp_path / "h.db"))
    await on_file.open()
    for _, metric, labels, ring in store.items():
        times, values = zip(*ring, strict=True)
        file_store.load(metric, labels, array("d", times), array("d", values))
    await on_file.flush()
    await on_file.close()

    second_store, reader = console(clock, lambda: SharedHistory(pg_dsn, shared_schema))
    assert await reader.open() == sum(len(points) for points in expected.values())
    assert {key: list(ring) for key, _, _, ring in second_store.items()} == expected
    assert not reader.writer and await reader.flush() == 0, "one writer: the second console only reads"

    def figures(tables: object) -> tuple[object, ...]:
        since = START + 1800.0
        key = next(k for k, _ in tables.series("check_up"))  # type: ignore[attr-defined]
        return (
            tables.span(),  # type: ignore[attr-defined]
            tables.series("check_up"),  # type: ignore[attr-defined]
            [(t.key, t.sum, t.count, t.first) for t in tables.totals("check_up", since)],  # type: ignore[attr-defined]
            tables.rollups(key, since, START + 7200.0),  # type: ignore[attr-defined]
            tables.between(key, since, START + 3600.0),  # type: ignore[attr-defined]
            tables.between(key, since, float("inf"))[0][-1],  # type: ignore[attr-defined]
        )

    def both() -> tuple[tuple[object, ...], tuple[object, ...]]:
        shared, local = SharedHistory(pg_dsn, shared_schema, read_only=True), HistoryFile(tmp_path / "h.db")
        try:
            return figures(shared), figures(local)
        finally:
            shared.close()
            local.close()

    in_postgres, in_file = await asyncio.to_thread(both)
    assert in_postgres == in_file
    # ... and both are the exact aggregates of the points from the first whole minute after ``since`` on.
    minute = -(-(START + 1800.0) // 60) * 60
    points = [v for t, v in expected['check_up{source="api"}'] if t >= minute]
    assert in_postgres[2][0][1:3] == (sum(points), len(points))  # type: ignore[index]
    await reader.close()
    await writer.close()


_WRITER = textwrap.dedent(
    """
    import asyncio, sys, time
    from pathlib import Path
    from opstui.clock import FakeClock
    from opstui.metrics.history import History
    from opstui.metrics.history_pg import SharedHistory
    from opstui.metrics.store import MetricStore

    async def main():
        clock = FakeClock(1_790_000_000.0)
        store = MetricStore(clock, retention=3600.0, resolution=5.0)
        history = History(Path("unused"), store, clock, rollup_retention=86400.0,
                          opener=lambda: SharedHistory(sys.argv[1], sys.argv[2]))
        await history.open()
        for i in range(100):
            clock.advance(5.0)
            store.record("queue_length", float(i))
        await history.flush()
        print("writer" if history.writer else "reader", flush=True)
        await asyncio.sleep(120)

    asyncio.run(main())
    """
)


async def test_the_writer_role_passes_on_when_the_writer_is_killed(pg_dsn: str, shared_schema: str) -> None:
    child = subprocess.Popen(  # noqa: ASYNC220 - a real process, to be killed with SIGKILL
        [sys.executable, "-c", _WRITER, pg_dsn, shared_schema],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        assert child.stdout is not None
        assert await asyncio.to_thread(child.stdout.readline) == "writer\n"
        clock = FakeClock(START + 600.0)
        store, second = console(clock, lambda: SharedHistory(pg_dsn, shared_schema))
        assert await second.open() == 100, "the writer's points, read at start"
        fill(store, clock, 10)
        assert await second.flush() == 0 and not second.writer

        child.send_signal(signal.SIGKILL)  # no goodbye: the server ends its session, and the lock with it
        child.wait(timeout=10)
        deadline = time.monotonic() + 10.0
        while not second.writer and time.monotonic() < deadline:
            written = await second.flush()
            await asyncio.sleep(0.1)
        assert second.writer, "the next flush after the writer died takes the role over"
        assert written == 2  # its own two series (the queue_length it loaded has nothing new)
        await second.close()

        def series() -> list[str]:
            shared = SharedHistory(pg_dsn, shared_schema, read_only=True)
            try:
                return sorted(
                    key for metric in ("error_rate", "check_up", "queue_length") for key, _ in shared.series(metric)
                )
            finally:
                shared.close()

        assert await asyncio.to_thread(series) == ['check_up{source="api"}', "error_rate", "queue_length"]
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)


async def test_two_team_consoles_read_one_history_and_one_of_them_writes(pg_dsn: str, schema: str) -> None:
    clock = FakeClock(START)
    state = {"backend": "postgres", "dsn": pg_dsn, "schema": schema}
    cores = [Core(Config.model_validate({"operator": who, "alerts": [], "state": state}), clock) for who in "ab"]
    try:
        for core in cores:
            await core.start()
        histories = [core.history for core in cores]
        assert all(h is not None for h in histories), [core.history_error for core in cores]
        assert sorted(h.writer for h in histories if h is not None) == [False, True]
    finally:
        for core in cores:
            await core.stop()
