"""``opstui state copy``: move every record between a SQLite file and a PostgreSQL schema, either way.

Both ends are opened as stores first, so both are migrated to the same schema version; then every table is
copied row for row with its ids (timelines keep pointing at their incidents, undo ticks at what they undo),
in batches so that memory stays bounded however large the state is. The target must be empty: a copy never
merges into, or overwrites, state a team is already using. The change feed (``changes``) is not copied; the
target's triggers number the copied rows afresh.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import asyncpg

from opstui.clock import Clock
from opstui.state.postgres import PostgresState
from opstui.state.protocol import StateError
from opstui.state.sqlite import SqliteState

TABLES: tuple[tuple[str, str], ...] = (
    ("incidents", "id"),
    ("incident_events", "id"),
    ("silences", "id"),
    ("notifications", "id"),
    ("checklist_ticks", "id"),
    ("overrides", "id"),
    ("component_overrides", "id"),
    ("counters", "name"),
    ("check_results", "id"),
)
"""Every table that holds records, parents first, with the key rows are read in order of."""
BATCH = 1000


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One end of a copy: ``sqlite:PATH`` or ``postgres:DSN`` (the DSN is never printed)."""

    backend: str
    target: str
    schema: str = "opstui"

    @classmethod
    def parse(cls, text: str, schema: str = "opstui") -> Endpoint:
        kind, _, rest = text.partition(":")
        if kind == "sqlite" and rest:
            return cls("sqlite", rest, schema)
        if kind in ("postgres", "postgresql") and rest:
            # Accept ``postgres:postgresql://...``, a bare ``postgresql://...`` and ``postgres:host=... dbname=...``.
            from opstui.config.dsn import postgres_url

            return cls("postgres", postgres_url(text if rest.startswith("//") else rest), schema)
        raise ValueError(f"{text.split('@')[-1]!r}: expected sqlite:PATH or postgres:DSN")

    def describe(self) -> str:
        if self.backend == "sqlite":
            return f"sqlite {self.target}"
        from opstui.state.postgres import describe_dsn

        return f"{describe_dsn(self.target)} schema {self.schema}"


class _Side(Protocol):
    async def read(self, table: str, key: str, after: object, limit: int) -> list[dict[str, Any]]: ...
    async def write(self, table: str, rows: Sequence[dict[str, Any]]) -> None: ...
    async def count(self, table: str) -> int: ...
    async def finish(self) -> None: ...
    async def close(self) -> None: ...


class _SqliteSide:
    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA foreign_keys = ON")
        self._conn.execute("BEGIN IMMEDIATE")  # all or nothing on this side

    async def read(self, table: str, key: str, after: object, limit: int) -> list[dict[str, Any]]:
        def work() -> list[dict[str, Any]]:
            query = f"SELECT * FROM {table} WHERE {key} > ? ORDER BY {key} LIMIT ?"
            return [dict(row) for row in self._conn.execute(query, (after, limit))]

        return await asyncio.to_thread(work)

    async def write(self, table: str, rows: Sequence[dict[str, Any]]) -> None:
        columns = list(rows[0])
        statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        await asyncio.to_thread(self._conn.executemany, statement, [tuple(r[c] for c in columns) for r in rows])

    async def count(self, table: str) -> int:
        return int(self._conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    async def finish(self) -> None:
        await asyncio.to_thread(self._conn.execute, "COMMIT")

    async def close(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")
        self._conn.close()


class _PostgresSide:
    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self._tx: Any = None

    @classmethod
    async def connect(cls, dsn: str, schema: str) -> _PostgresSide:
        conn = await asyncpg.connect(dsn, timeout=10, server_settings={"search_path": schema})
        side = cls(conn)
        side._tx = conn.transaction()  # all or nothing on this side
        await side._tx.start()
        return side

    async def read(self, table: str, key: str, after: object, limit: int) -> list[dict[str, Any]]:
        rows = await self._conn.fetch(f"SELECT * FROM {table} WHERE {key} > $1 ORDER BY {key} LIMIT $2", after, limit)
        return [dict(row) for row in rows]

    async def write(self, table: str, rows: Sequence[dict[str, Any]]) -> None:
        columns = list(rows[0])
        placeholders = ", ".join(f"${n}" for n in range(1, len(columns) + 1))
        statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"
        await self._conn.executemany(statement, [tuple(r[c] for c in columns) for r in rows])

    async def count(self, table: str) -> int:
        return int(await self._conn.fetchval(f"SELECT COUNT(*) FROM {table}"))

    async def finish(self) -> None:
        # Ids were copied explicitly: move each identity past them, or the next insert would collide.
        for table, key in TABLES:
            if key == "id":
                await self._conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false) "
                    f"FROM {table}"
                )
        await self._tx.commit()

    async def close(self) -> None:
        if not self._conn.is_closed():
            await self._conn.close()


async def _open(endpoint: Endpoint, clock: Clock) -> _Side:
    """Migrate the end to the current schema through its store, then hold one raw transaction on it."""
    if endpoint.backend == "sqlite":
        async with SqliteState(endpoint.target, clock):
            pass
        return _SqliteSide(Path(endpoint.target))
    async with PostgresState(endpoint.target, clock, schema=endpoint.schema):
        pass
    return await _PostgresSide.connect(endpoint.target, endpoint.schema)


async def copy_state(source: Endpoint, target: Endpoint, clock: Clock) -> dict[str, int]:
    """Copy every record from ``source`` to the empty ``target``; returns rows copied per table.

    Raises :class:`StateError` with one line (never the DSN) when an end cannot be used or the target is
    not empty; on any failure the target is left as it was (its side runs in one transaction).
    """
    if source == target:
        raise StateError("state copy: source and target are the same store")
    if source.backend == "sqlite" and not await asyncio.to_thread(os.path.exists, source.target):
        raise StateError(f"state copy: {source.describe()} does not exist")
    sides: list[_Side] = []
    try:
        reader = await _open(source, clock)
        sides.append(reader)
        writer = await _open(target, clock)
        sides.append(writer)
        held = {table: await writer.count(table) for table, _ in TABLES}
        if any(held.values()):
            total = sum(held.values())
            raise StateError(f"state copy: {target.describe()} already holds {total} records; copy into an empty one")
        copied: dict[str, int] = {}
        for table, key in TABLES:
            copied[table] = 0
            after: object = 0 if key == "id" else ""
            while rows := await reader.read(table, key, after, BATCH):
                await writer.write(table, rows)
                copied[table] += len(rows)
                after = rows[-1][key]
        await writer.finish()
        return copied
    except StateError:
        raise
    except (OSError, sqlite3.Error, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        text = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise StateError(f"state copy from {source.describe()} to {target.describe()} failed: {text}") from None
    finally:
        for side in reversed(sides):
            await side.close()
