"""A real PostgreSQL for team-mode tests: each test gets its own schema, dropped afterwards.

The server is ``$OPSTUI_TEST_PG_DSN`` or ``postgresql://postgres@127.0.0.1:5432/postgres``. When it cannot be
reached the tests are skipped with the reason, unless ``OPSTUI_REQUIRE_PG=1`` (CI), where that is a failure.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import NamedTuple

import asyncpg
import pytest

from opstui.clock import FakeClock
from opstui.config.incidents import EscalationSettings, IncidentSettings
from opstui.incidents.manager import IncidentManager
from opstui.state.postgres import PostgresState

DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"

FEED_DEADLINE = 10.0
"""Seconds of real time a change may take to reach the other console through the change feed.

The aim is well under a second (it is, on a quiet machine); a loaded CI machine gets ten. The tests
that use it keep every other path closed (the fake clock never reaches the poll or the redraw), so a
broken feed still fails them: nothing else can bring the change at all.
"""


@pytest.fixture(scope="session")
def pg_dsn() -> str:
    return os.environ.get("OPSTUI_TEST_PG_DSN", DEFAULT_DSN)


@pytest.fixture
async def admin(pg_dsn: str) -> AsyncIterator[asyncpg.Connection]:
    try:
        conn = await asyncpg.connect(pg_dsn, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        if os.environ.get("OPSTUI_REQUIRE_PG") == "1":
            pytest.fail(f"PostgreSQL required but unreachable at {pg_dsn}: {error}")
        pytest.skip(f"PostgreSQL unreachable at {pg_dsn}: {error}")
    yield conn
    await conn.close()


@pytest.fixture
async def schema(admin: asyncpg.Connection) -> AsyncIterator[str]:
    name = f"opstui_test_{uuid.uuid4().hex[:12]}"
    yield name
    await admin.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    await admin.execute(f'DROP SCHEMA IF EXISTS "{name}_history" CASCADE')  # the team's shared metric history


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_state(pg_dsn: str, schema: str, clock: FakeClock) -> Callable[..., PostgresState]:
    """A new (unopened) store on the test's schema: several of them are several consoles."""

    def make(**options: object) -> PostgresState:
        return PostgresState(pg_dsn, clock, schema=schema, **options)  # type: ignore[arg-type]

    return make


@pytest.fixture
async def pg_state(make_state: Callable[..., PostgresState]) -> AsyncIterator[PostgresState]:
    async with make_state() as store:
        yield store


@pytest.fixture
def state(pg_state: PostgresState) -> PostgresState:
    """The name the SQLite tests use, so they can run here unchanged (see test_parity.py)."""
    return pg_state


@pytest.fixture
def manager(pg_state: PostgresState, clock: FakeClock) -> IncidentManager:
    return IncidentManager(
        pg_state, clock, IncidentSettings(), operator="alice", host="oncall-box", escalation=EscalationSettings()
    )


def console(state: PostgresState, clock: FakeClock, who: str) -> IncidentManager:
    """One console's incident manager on ``state``, acting as ``who`` from ``who``-laptop."""
    return IncidentManager(
        state, clock, IncidentSettings(), operator=who, host=f"{who}-laptop", escalation=EscalationSettings()
    )


class Team(NamedTuple):
    """Consoles on the test's schema, each with a store (and pool) of its own: what a race needs."""

    stores: list[PostgresState]
    consoles: list[IncidentManager]


StartTeam = Callable[..., Awaitable[Team]]


@pytest.fixture
async def team(make_state: Callable[..., PostgresState], clock: FakeClock) -> AsyncIterator[StartTeam]:
    """Consoles to race, each on a store with a pool of two, opened together as a team's consoles start.

    ``stores, consoles = await team(5)``: five, eng0 to eng4 (or ``names=``). Every store is closed after the
    test, whatever it asserted.
    """
    opened: list[PostgresState] = []

    async def start(count: int = 5, names: tuple[str, ...] = ()) -> Team:
        who = names or tuple(f"eng{n}" for n in range(count))
        stores = [make_state(pool_size=2) for _ in who]
        await asyncio.gather(*(store.open() for store in stores))
        opened.extend(stores)
        return Team(stores, [console(store, clock, name) for store, name in zip(stores, who, strict=True)])

    yield start
    await asyncio.gather(*(store.close() for store in opened))
