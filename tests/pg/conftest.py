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
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
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


MONITOR_ROLE = "opstui_test_monitor"
"""The role postgres sources connect as in the tests, made as docs/security.md says: a superuser is refused."""

_CREATE_MONITOR_ROLE = f"""
    DO $$ BEGIN
        CREATE ROLE {MONITOR_ROLE} LOGIN IN ROLE pg_monitor, pg_read_all_data;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;  -- another session made it first
    END $$
"""


def as_monitor(dsn: str) -> str:
    """``dsn`` with the monitoring role as its user (any password kept), for a source to connect with."""
    parts = urlsplit(dsn)
    user = parts.netloc.rpartition("@")[0]
    password = user.partition(":")[2]
    login = f"{MONITOR_ROLE}:{password}" if password else MONITOR_ROLE
    return urlunsplit((parts.scheme, f"{login}@{parts.netloc.rpartition('@')[2]}", parts.path, parts.query, ""))


def _fresh_database(what: str) -> Iterator[str]:
    admin = server_dsn()
    _reachable_or_skip(admin)
    asyncio.run(_admin(admin, _CREATE_MONITOR_ROLE))
    name = f"opstui_test_{os.getpid()}_{what}_{uuid.uuid4().hex[:6]}"
    asyncio.run(_admin(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"))
    try:
        yield with_database(admin, name)
    finally:
        asyncio.run(_admin(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


PINNED_NOW = datetime(2026, 6, 17, 13, 20, tzinfo=UTC)
"""The instant the demo database believes it is (a Wednesday afternoon): no test depends on the hour it runs at."""


async def pin_clock(dsn: str, at: datetime) -> None:
    """Make ``now()`` in every later connection to ``dsn``'s database return ``at``, in UTC.

    PostgreSQL searches ``pg_catalog`` first only when the search path does not name it; naming it after a
    schema of our own lets that schema's ``now()`` win for unqualified calls, which is how every query under
    test (and the demo's live traffic) reads the time. Call it after the schema exists: new tables would
    otherwise be created in the first schema of the path.
    """
    database = urlsplit(dsn).path.lstrip("/")
    await _admin(
        dsn,
        "CREATE SCHEMA IF NOT EXISTS pinned_clock",
        "CREATE OR REPLACE FUNCTION pinned_clock.now() RETURNS timestamptz LANGUAGE sql STABLE "
        f"AS $$ SELECT '{at.isoformat()}'::timestamptz $$",
        f"ALTER DATABASE {database} SET search_path = pinned_clock, pg_catalog, public",
        f"ALTER DATABASE {database} SET timezone = 'UTC'",
    )


def filled_shop(what: str, at: datetime, orders: int = 4000) -> Iterator[str]:
    """A fresh database with the demo shop filled up to ``at`` and its clock pinned there."""
    from opstui.demo.database import create_schema, fill

    for dsn in _fresh_database(what):

        async def build(dsn: str) -> None:
            conn = await asyncpg.connect(dsn, timeout=5)
            try:
                await create_schema(conn)
                await fill(conn, orders=orders, days=60, seed=7, now=at)
            finally:
                await conn.close()
            await pin_clock(dsn, at)

        asyncio.run(build(dsn))
        yield dsn


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
    """A database holding the demo shop schema with a small, seeded fill, its clock pinned at ``PINNED_NOW``."""
    yield from filled_shop("shop", PINNED_NOW)


def _pg_bindir() -> Path | None:
    """Where the machine's PostgreSQL server binaries are (``pg_config --bindir``, or Debian's layout)."""
    candidates: list[Path] = []
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(Path(out.stdout.strip()))
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for path in candidates:
        if (path / "initdb").exists() and (path / "pg_ctl").exists():
            return path
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PrivateServer:
    """A throw-away cluster this test session started (and may stop and start again)."""

    dsn: str
    pg_ctl: list[str]
    """``pg_ctl -D DATA`` (run as the postgres account when the tests run as root)."""
    options: str

    def stop(self) -> None:
        subprocess.run([*self.pg_ctl, "-m", "fast", "-w", "stop"], capture_output=True, check=True, timeout=60)

    def start(self) -> None:
        subprocess.run(
            [*self.pg_ctl, "-o", self.options, "-w", "-t", "30", "start"], capture_output=True, check=True, timeout=60
        )


@pytest.fixture(scope="session")
def private_server() -> Iterator[PrivateServer]:
    """A private server started from the machine's binaries with pg_stat_statements preloaded.

    The shared test server usually does not preload the extension (that needs a restart), so the
    "present" case (and the server-restart test) gets its own throw-away cluster: initdb in a
    temporary directory, trust auth on 127.0.0.1 and a free port, stopped and deleted at the end.
    Skipped, with the reason, when the binaries are missing or the cluster cannot start.
    """
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) on this machine")
    home = Path(tempfile.mkdtemp(prefix="opstui-pgss-"))
    data = home / "data"
    run_as: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root: the postgres account owns the cluster
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser: cannot start a private PostgreSQL")
        account = pwd.getpwnam("postgres")
        os.chown(home, account.pw_uid, account.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    initdb = [*run_as, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
    options = (
        f"-p {port} -k {data.parent} -c listen_addresses=127.0.0.1 "
        "-c shared_preload_libraries=pg_stat_statements -c fsync=off"
    )
    start = [
        *run_as,
        str(bindir / "pg_ctl"),
        "-D",
        str(data),
        "-o",
        options,
        "-l",
        str(data.parent / "log"),
        "-w",
        "-t",
        "30",
        "start",
    ]
    for command in (initdb, start):
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
        if done.returncode != 0:
            shutil.rmtree(home, ignore_errors=True)
            pytest.skip(f"could not start a private PostgreSQL: {(done.stderr or done.stdout).strip()[:200]}")
    try:
        pg_ctl = [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(data.parent / "log")]
        asyncio.run(_admin(f"postgresql://postgres@127.0.0.1:{port}/postgres", _CREATE_MONITOR_ROLE))
        yield PrivateServer(f"postgresql://postgres@127.0.0.1:{port}/postgres", pg_ctl, options)
    finally:
        subprocess.run(
            [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
            timeout=60,
        )
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def pgss_dsn(private_server: PrivateServer) -> str:
    """The private server's DSN (pg_stat_statements preloaded)."""
    return private_server.dsn
