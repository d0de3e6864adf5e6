"""Where the history lives, chosen once for the console, the review and the commands alike.

``store.history_path`` names a file: that file. Otherwise a SQLite state store keeps its history in a file beside
it, and a PostgreSQL state store (team mode) in the team's database, shared (:mod:`opstui.metrics.history_pg`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from opstui.config.incidents import StateSettings
from opstui.config.models import StoreSettings, history_file
from opstui.metrics.history_file import HistoryFile, HistoryTables
from opstui.metrics.history_pg import SharedHistory, history_schema


def shared(store: StoreSettings, state: StateSettings) -> bool:
    """True when the history is the team's, in PostgreSQL (team mode, no file named)."""
    return state.backend == "postgres" and not store.history_path and state.dsn is not None


def history_opener(
    store: StoreSettings, state: StateSettings, *, read_only: bool = False
) -> tuple[str, Callable[[], HistoryTables]]:
    """What the history is (for messages) and how to open it; call the opener on the thread that will use it."""
    if shared(store, state):
        dsn, schema = state.dsn, history_schema(state.schema_)
        assert dsn is not None
        return f"PostgreSQL schema {schema}", lambda: SharedHistory(
            dsn, schema, read_only=read_only, timeout=state.timeout
        )
    path: Path = history_file(store, state)
    return str(path), lambda: HistoryFile(path, read_only=read_only)
