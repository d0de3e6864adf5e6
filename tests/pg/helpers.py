"""A sink that keeps what a PostgreSQL source gives it: values, tables and per-metric errors."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from opstui.sources.base import SourceStatus
from opstui.sources.events import Event
from tests.sources.conftest import Notifier


class TableSink(Notifier):
    """Implements the Sink protocol plus the Monitor's ``set_table`` / ``set_metric_error``."""

    retention = 48 * 3600.0
    """Seconds of history a real store keeps: the sources' border refuses older timestamps."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, list[float]] = {}
        self.tables: dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]], str]] = {}
        self.errors: dict[str, str] = {}
        self.statuses: list[SourceStatus] = []

    def record(self, metric: str, value: float, ts: float, labels: dict[str, str] | None = None) -> None:
        self.values.setdefault(metric, []).append(value)
        self.notify()

    def ingest(self, events: list[Event]) -> None:  # a database emits no stream events
        pass

    def status_changed(self, status: SourceStatus) -> None:
        self.statuses.append(status)
        self.notify()

    def set_table(self, name: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]], *, note: str = "") -> None:
        self.tables[name] = (columns, rows, note)

    def set_metric_error(self, name: str, error: str | None) -> None:
        if error is None:
            self.errors.pop(name, None)
        else:
            self.errors[name] = error

    def last(self, metric: str) -> float:
        return self.values[metric][-1]


async def until_server(check: Callable[[], Awaitable[object]], attempts: int = 250) -> None:
    """Wait until the server reports ``check()`` truthy (a backend appearing, a lock queued).

    The server offers no notification for these, so it is asked again every 20 ms, at most
    ``attempts`` times; this waits for the server's state, never for clock time.
    """
    for _ in range(attempts):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the server never reached the expected state")
