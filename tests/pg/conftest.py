"""A real PostgreSQL server for the database tests, and fresh databases on it.

The server is ``$OPSTUI_TEST_PG_DSN`` or ``postgresql://postgres@127.0.0.1:5432/postgres``. When it
cannot be reached the tests are skipped with the reason, unless ``OPSTUI_REQUIRE_PG=1`` (CI sets it),
which turns the skip into a failure: CI never silently skips the database.

Each session creates its own databases (``opstui_test_<pid>_<what>_<random>``) and drops them at the end, so
parallel runs and other helpers' databases never collide.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"


def server_dsn() -> str:
    return os.environ.get("OPSTUI_TEST_PG_DSN") or DEFAULT_DSN


def with_database(dsn: str, database: str) -> str:
    """``dsn`` pointing at another database on the same server."""
    parts = urlsplit(dsn)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


async def _admin(dsn: str, *statements: str) -> None:
    conn = await asyncpg.connect(dsn, timeout=5)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def _reachable_or_skip(dsn: str) -> None:
    try:
        asyncio.run(_admin(dsn, "SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server means the same thing here
        reason = f"PostgreSQL not reachable at {urlsplit(dsn).hostname}:{urlsplit(dsn).port}: {exc}"
        if os.environ.get("OPSTUI_REQUIRE_PG") == "1":
            pytest.fail(f"{reason} (OPSTUI_REQUIRE_PG=1: the database tests may not be skipped)")
        pytest.skip(reason)


def _fresh_database(what: str) -> Iterator[str]:
    admin = server_dsn()
    _reachable_or_skip(admin)
    name = f"opstui_test_{os.getpid()}_{what}_{uuid.uuid4().hex[:6]}"
    asyncio.run(_admin(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"))
    try:
        yield with_database(admin, name)
    finally:
        asyncio.run(_admin(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture(scope="session")
def pg_dsn() -> Iterator[str]:
    """A fresh, empty database for this test session; dropped afterwards."""
    yield from _fresh_database("src")


@pytest.fixture(scope="session")
def pg_admin_dsn() -> str:
    """The server's own DSN (to kill backends, look at pg_stat_activity)."""
    dsn = server_dsn()
    _reachable_or_skip(dsn)
    return dsn


@pytest.fixture(scope="session")
def demo_dsn() -> Iterator[str]:
    """A database holding the demo shop schema with a small, seeded fill (fast enough per session)."""
    from opstui.demo.database import create_schema, fill

    for dsn in _fresh_database("shop"):

        async def build(dsn: str) -> None:
            conn = await asyncpg.connect(dsn, timeout=5)
            try:
                await create_schema(conn)
                await fill(conn, orders=4000, days=60, seed=7)
            finally:
                await conn.close()

        asyncio.run(build(dsn))
        yield dsn
