"""The connection a history backend gives its tables: five calls, the writer's lock and a close.

:class:`~opstui.metrics.history_file.HistoryTables` (and the per-route latency tables it is built on,
:mod:`opstui.metrics.history_routes`) write every statement once, in SQL that SQLite and PostgreSQL both take;
a backend (:class:`~opstui.metrics.history_file.HistoryFile`, :class:`~opstui.metrics.history_pg.SharedHistory`)
only implements the calls below. They live here, apart, so that each group of tables can be a module of its own
without borrowing another module's private names.
"""

from __future__ import annotations

import math
from typing import Any

Row = tuple[Any, ...]


class HistoryConnection:
    """What a history backend implements; everything else is written once over these calls."""

    where: str
    """What the history is, for messages: the file's path or the database's schema."""

    def _rows(self, sql: str, *args: Any) -> list[Row]:
        raise NotImplementedError

    def _row(self, sql: str, *args: Any) -> Row | None:
        raise NotImplementedError

    def _exec(self, sql: str, *args: Any) -> None:
        raise NotImplementedError

    def _many(self, sql: str, rows: list[Row]) -> None:
        raise NotImplementedError

    def _begin(self) -> None:
        """Start a write transaction (taking the write lock at once where the backend has one)."""
        raise NotImplementedError

    def take_lock(self) -> bool:
        """Become the one writer (True), or learn that another console is (False); kept until :meth:`close`."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


HOUR = 3600
FAR = 2**62
"""Beyond any time on record: an open end (``until=inf``) as the whole seconds the tables hold."""


def seconds_floor(at: float) -> int:
    """A time as whole seconds for a comparison with a whole-second column (the same rows match either way)."""
    return math.floor(at) if math.isfinite(at) else (FAR if at > 0 else -FAR)


def seconds_ceil(at: float) -> int:
    """A time as whole seconds, rounded up (an open end as :data:`FAR`)."""
    return math.ceil(at) if math.isfinite(at) else (FAR if at > 0 else -FAR)
