"""The SQLite file under :class:`~opstui.state.sqlite.SqliteState`: opening and checking it, its one worker
thread, and every failure as one line.

Threads: sqlite3 blocks, the core is asyncio. Every call runs on one dedicated worker thread that owns the
only connection, so calls are serialised in order and the event loop never waits on an fsync. Each call has a
timeout; on timeout the caller gets a :class:`StateError` (the statement may still complete in the background
and is then simply visible on the next read).

Durability: WAL and ``synchronous=FULL``, and every write in its own ``BEGIN IMMEDIATE`` ... ``COMMIT``
(:meth:`SqliteFile._transaction`), so a commit has reached the disk before the call returns.

Damage: a store that fails ``PRAGMA quick_check`` or lacks a table or column of its schema is refused at
open, before anything is written, with one line naming the file and how to recover (:class:`DamagedStore`);
a text column that is not UTF-8 is refused the same way wherever it is read. A read-only store (``read_only``:
the ``incidents``, ``report``, ``audit`` and ``checklist`` commands) is opened with ``mode=ro`` and never
migrated or written, so those commands work on a read-only file system.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from opstui.clock import Clock
from opstui.state.changes import CHANGES_KEPT, PRUNE_CHANGES
from opstui.state.migrations import LATEST_VERSION, TABLES, NewerSchemaError, migrate
from opstui.state.outbox_sql import OUTBOX_CAP
from opstui.state.protocol import StateError
from opstui.state.rows import INCIDENT_COLUMNS

T = TypeVar("T")


class DamagedStore(StateError):
    """The file fails its integrity or schema check: it is refused, never used or written."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(
            f"state store {path} is corrupt or not an opstui state database ({detail}); it was not used or changed. "
            "Recover: restore a backup with "
            f"'opstui state copy --from sqlite:BACKUP --to sqlite:NEW' and set state.path to NEW, or move {path} "
            "aside to start an empty one"
        )


_DAMAGE = ("not a database", "malformed", "corrupt", "disk image")
"""Words of SQLite's errors for a damaged file (as opposed to a locked or missing one)."""


class SqliteFile:
    """One SQLite state file and the worker thread that owns its connection (what :class:`SqliteState`
    stores records in)."""

    def __init__(
        self,
        path: str | Path,
        clock: Clock,
        *,
        timeout: float = 5.0,
        outbox_cap: int = OUTBOX_CAP,
        read_only: bool = False,
    ) -> None:
        self.path = Path(path)
        self.read_only = read_only
        """Open with ``mode=ro``: no migration, no write (the file may sit on a read-only file system)."""
        self._clock = clock
        self._timeout = timeout
        self._outbox_cap = outbox_cap
        self._executor: ThreadPoolExecutor | None = None
        self._conn: sqlite3.Connection | None = None
        """Touched only on the worker thread."""
        self._version = 0

    @property
    def schema_version(self) -> int:
        return self._version

    async def open(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="opstui-state")
        try:
            self._version = await self._call(self._connect, "open")
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is None:
            return
        try:
            await asyncio.get_running_loop().run_in_executor(executor, self._disconnect)
        finally:
            executor.shutdown(wait=False)

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.close()

    # The worker thread -----------------------------------------------------------------------------

    def _connect(self) -> int:
        try:
            return self._open_checked()
        except (sqlite3.DatabaseError, UnicodeDecodeError) as error:
            if isinstance(error, UnicodeDecodeError) or any(word in str(error).lower() for word in _DAMAGE):
                raise DamagedStore(self.path, _reason_line(error)) from None
            raise

    def _open_checked(self) -> int:
        if self.read_only and self.path.exists():
            return self._open_read_only()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # busy_timeout: wait for another process's write lock, but give up before the call times out.
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=self._timeout * 0.8)
        try:
            conn.row_factory = sqlite3.Row
            _check_intact(conn, self.path)  # before the first write: a damaged file is never touched
            mode = _journal_wal(conn, self._timeout * 0.8)
            if mode != "wal":
                raise StateError(f"state store {self.path}: cannot use WAL journaling (got {mode})")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            version = migrate(conn, self._clock.now())
            _check_schema(conn, self.path)
            conn.execute("BEGIN IMMEDIATE")  # waits for the write lock (busy_timeout) like every write here
            conn.execute(PRUNE_CHANGES, (CHANGES_KEPT,))
            conn.execute("COMMIT")
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return version

    def _open_read_only(self) -> int:
        """``mode=ro``: checked, never migrated or written; an older schema asks for a migration.

        A WAL database needs its ``-shm`` file even to be read; where that cannot be created (a read-only file
        system, a directory of another user) the file is opened ``immutable``: nothing writes there anyway.
        """
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=self._timeout * 0.8)
        try:
            conn.row_factory = sqlite3.Row
            try:
                _check_intact(conn, self.path)
            except sqlite3.OperationalError as error:
                if "readonly" not in str(error) and "unable to open" not in str(error):
                    raise
                conn.close()
                conn = sqlite3.connect(f"{uri}&immutable=1", uri=True, isolation_level=None)
                conn.row_factory = sqlite3.Row
                _check_intact(conn, self.path)
            if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'schema_version'").fetchone():
                raise DamagedStore(self.path, "it holds no opstui schema")
            (version,) = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()
            if version > LATEST_VERSION:
                raise NewerSchemaError(f"its schema is version {version}, newer than this opstui knows; upgrade opstui")
            if version < LATEST_VERSION:
                raise StateError(
                    f"state store {self.path} is at schema version {version}, this opstui needs {LATEST_VERSION}: "
                    "run 'opstui state migrate' (or start the console) once"
                )
            _check_schema(conn, self.path)
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return int(version)

    def _disconnect(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StateError(f"state store {self.path} is not open")
        return self._conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._db
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    async def _call(self, work: Callable[[], T], what: str) -> T:
        """Run ``work`` on the worker thread, turning every failure into a one-line StateError."""
        if self._executor is None:
            raise StateError(f"state store {self.path} is not open")
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(loop.run_in_executor(self._executor, work), self._timeout)
        except StateError:
            raise
        except TimeoutError:
            raise StateError(
                f"state store {self.path}: {what} took longer than {self._timeout:g}s (disk or lock busy)"
            ) from None
        except NewerSchemaError as error:
            raise StateError(f"state store {self.path}: {error}") from None
        except UnicodeDecodeError as error:  # flipped bytes inside a text column
            raise DamagedStore(self.path, _reason_line(error)) from None
        except sqlite3.DatabaseError as error:
            if any(word in str(error).lower() for word in _DAMAGE):  # a damaged page met after the open
                raise DamagedStore(self.path, _reason_line(error)) from None
            raise StateError(f"state store {self.path}: cannot {what}: {_reason(error)}") from error
        except (sqlite3.Error, OSError) as error:
            raise StateError(f"state store {self.path}: cannot {what}: {_reason(error)}") from error


def _check_intact(conn: sqlite3.Connection, path: Path) -> None:
    """``PRAGMA quick_check`` (a few milliseconds for a console's state): refuse a file that fails it."""
    problems = [row[0] for row in conn.execute("PRAGMA quick_check(5)").fetchall()]
    if problems != ["ok"]:
        raise DamagedStore(path, f"quick_check: {'; '.join(str(p) for p in problems)[:160]}")


def _check_schema(conn: sqlite3.Connection, path: Path) -> None:
    """Every table the migrations create, and every column an incident is read with, are there."""
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if missing := sorted(TABLES - tables):
        raise DamagedStore(path, f"missing table {', '.join(missing)}")
    columns = {row[1] for row in conn.execute("PRAGMA table_info(incidents)")}
    if missing := sorted(set(INCIDENT_COLUMNS) - columns):
        raise DamagedStore(path, f"table incidents lacks {', '.join(missing)}")


def _reason_line(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text[:160]


def _reason(error: BaseException) -> str:
    """Say what went wrong in the operator's terms, on one line."""
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    lowered = text.lower()
    if "locked" in lowered or "busy" in lowered:
        return "the database is locked by another process"
    if "full" in lowered:
        return "the disk is full"
    if "not a database" in lowered or "malformed" in lowered or "corrupt" in lowered:
        return f"the file is corrupt or not an opstui state database ({text})"
    if "readonly" in lowered or "unable to open" in lowered or isinstance(error, PermissionError):
        return f"the file cannot be opened for writing ({text})"
    return text


def _journal_wal(conn: sqlite3.Connection, timeout: float) -> str:
    """``PRAGMA journal_mode = WAL``, tried again while another process holds the file.

    SQLite answers a journal-mode change with "database is locked" at once, without its busy handler, so
    two processes opening a new store together (tests/state/test_migrations.py) could fail the second; it
    waits here as long as ``busy_timeout`` would for a write.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            return str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)  # the worker thread's own wait for the lock, as busy_timeout's
