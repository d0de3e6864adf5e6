"""The PostgreSQL pool under :class:`~opstui.state.postgres.PostgresState`: connections, timeouts, and every
failure as one line.

Every call has a timeout; failures are a one-line :class:`StateError` naming host, port and database, never
the DSN's password. A write runs in one transaction on one pooled connection (:meth:`PostgresPool._run`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import asyncpg

from opstui.clock import Clock
from opstui.state.migrations import NewerSchemaError
from opstui.state.outbox_sql import OUTBOX_CAP
from opstui.state.protocol import StateError

T = TypeVar("T")


def describe_dsn(dsn: str) -> str:
    """``host:port/database`` of a DSN: what errors may show (never the user's password)."""
    try:
        parts = urlsplit(dsn)
        host = parts.hostname or "localhost"
        port = parts.port or 5432
        database = parts.path.lstrip("/") or parts.username or "postgres"
    except ValueError:
        return "postgresql (unparsable DSN)"
    return f"postgresql {host}:{port}/{database}"


class PostgresPool:
    """A pool of connections to one schema, and the plumbing every call of :class:`PostgresState` runs through."""

    def __init__(
        self,
        dsn: str,
        clock: Clock,
        *,
        schema: str = "opstui",
        timeout: float = 5.0,
        outbox_cap: int = OUTBOX_CAP,
        pool_size: int = 4,
    ) -> None:
        self._dsn = dsn
        self.schema = schema
        self.where = f"{describe_dsn(dsn)} schema {schema}"
        self._clock = clock
        self._timeout = timeout
        self._outbox_cap = outbox_cap
        self._pool_size = pool_size
        self._pool: asyncpg.Pool | None = None
        self._version = 0

    @property
    def schema_version(self) -> int:
        return self._version

    @property
    def channel(self) -> str:
        """The NOTIFY channel of this schema (the triggers derive the same name)."""
        return f"opstui_{self.schema}"

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            try:
                await asyncio.wait_for(pool.close(), self._timeout)
            except (TimeoutError, OSError, asyncpg.PostgresError):
                pool.terminate()

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def _connect(self) -> Any:
        return await asyncpg.connect(
            self._dsn,
            timeout=self._timeout,
            command_timeout=self._timeout,
            server_settings={"search_path": self.schema, "application_name": "opstui"},
        )

    # Plumbing --------------------------------------------------------------------------------------

    async def _guard(self, work: Awaitable[T], what: str, limit: float | None = None) -> T:
        """Await ``work`` with a timeout, turning every failure into a one-line, password-free StateError."""
        limit = limit if limit is not None else self._timeout
        try:
            return await asyncio.wait_for(work, limit)
        except StateError:
            raise
        except TimeoutError:
            raise StateError(f"state store {self.where}: {what} took longer than {limit:g}s") from None
        except NewerSchemaError as error:
            raise StateError(f"state store {self.where}: {error}") from None
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as error:
            raise StateError(f"state store {self.where}: cannot {what}: {_reason(error)}") from None

    async def _run(self, work: Callable[[Any], Awaitable[T]], what: str, *, write: bool = False) -> T:
        """Run ``work(conn)`` on a pooled connection, inside a transaction when it writes."""
        pool = self._pool
        if pool is None:
            raise StateError(f"state store {self.where} is not open")

        async def attempt() -> T:
            async with pool.acquire() as conn:
                if not write:
                    return await work(conn)
                async with conn.transaction():
                    return await work(conn)

        return await self._guard(attempt(), what)

    async def _rows(self, convert: Callable[[Any], T], what: str, query: str, *args: object) -> list[T]:
        async def work(conn: Any) -> list[T]:
            return [convert(row) for row in await conn.fetch(query, *args)]

        return await self._run(work, what)

    async def _count(self, what: str, statement: str, *args: object) -> int:
        async def work(conn: Any) -> int:
            status = await conn.execute(statement, *args)
            return int(status.rsplit(" ", 1)[-1])

        return await self._run(work, what, write=True)

    async def _value(self, what: str, query: str, *args: object) -> int:
        async def work(conn: Any) -> int:
            return int(await conn.fetchval(query, *args))

        return await self._run(work, what)


def _reason(error: BaseException) -> str:
    """One line in the operator's terms; asyncpg messages never contain the DSN."""
    if isinstance(error, ConnectionRefusedError):
        return "connection refused (is PostgreSQL running?)"
    if isinstance(error, asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError):
        return "authentication failed (check the DSN's user and password)"
    if isinstance(error, asyncpg.InsufficientPrivilegeError):
        return f"permission denied ({_first_line(error)}); see docs/team-mode.md for the GRANTs"
    if isinstance(error, asyncpg.InvalidCatalogNameError):
        return "the database does not exist"
    if isinstance(error, asyncpg.ConnectionDoesNotExistError | asyncpg.InterfaceError):
        return "the connection to PostgreSQL was lost"
    return _first_line(error)


def _first_line(error: BaseException) -> str:
    text = str(error)
    return text.splitlines()[0] if text else type(error).__name__
