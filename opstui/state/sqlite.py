"""The SQLite state store: one file, WAL, ``synchronous=FULL``, versioned migrations.

Durability: every write runs in its own ``BEGIN IMMEDIATE`` ... ``COMMIT`` and, with WAL and
``synchronous=FULL``, the commit has reached the disk (fsync) before the call returns, so a
``kill -9`` or a power cut right after loses nothing the console has shown as done.

Threads: sqlite3 blocks, the core is asyncio. Every call runs on one dedicated worker thread that
owns the only connection, so calls are serialised in order and the event loop never waits on an
fsync. Each call has a timeout; on timeout the caller gets a :class:`StateError` (the statement
may still complete in the background and is then simply visible on the next read).

Several processes (two consoles on one host) may share the file: WAL lets readers run beside the
writer, ``busy_timeout`` waits for the write lock, and incidents carry a revision so that a change
made from a stale snapshot fails with :class:`ConflictError` instead of overwriting another.

Damage: a store that fails ``PRAGMA quick_check`` or lacks a table or column of its schema is refused at
open, before anything is written, with one line naming the file and how to recover (:class:`DamagedStore`);
a text column that is not UTF-8 is refused the same way wherever it is read. A read-only store (``read_only``:
the ``incidents``, ``report``, ``audit`` and ``checklist`` commands) is opened with ``mode=ro`` and never
migrated or written, so those commands work on a read-only file system.

Bounds: the outbox keeps at most ``outbox_cap`` (10,000) undelivered notifications; beyond that the
oldest are dropped, counted (see :meth:`SqliteState.outbox_dropped`) and logged as a warning.
Delivered, superseded and failed notifications are deleted after 7 days.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from opstui.alerts.model import Severity
from opstui.clock import Clock
from opstui.incidents.model import (
    AlertPhase,
    EventKind,
    Incident,
    IncidentEvent,
    IncidentState,
    Milestone,
    Silence,
)
from opstui.state.audit import AuditEntry, audit_sql, entry
from opstui.state.changes import CHANGES_KEPT, PRUNE_CHANGES, Change, PollWakeup, follow
from opstui.state.migrations import LATEST_VERSION, TABLES, NewerSchemaError, migrate
from opstui.state.outbox_sql import (
    CLAIMABLE,
    FAILING,
    LATER_PENDING,
    MARK_DELIVERED,
    MARK_FAILED,
    MARK_SUPERSEDED,
    OUTBOX_COLUMNS,
    PRUNE_FINISHED,
    RETRY_CHANNEL_NOW,
    events,
    notification,
    outbox_values,
)
from opstui.state.protocol import (
    ConflictError,
    DeliveryState,
    Notification,
    StateError,
    Tick,
    TickKind,
    TickTaken,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

OUTBOX_CAP = 10_000
"""Most undelivered notifications kept; a notifier down for days must not fill the disk."""
DELIVERED_RETENTION = 7 * 86400.0

_INCIDENT_COLUMNS = (
    "fingerprint, rule, title, severity, state, opened_at, triggered_at, acknowledged_at, acknowledged_by, "
    "resolved_at, resolved_by, escalation_level, last_escalated_at, alert_state, alert_cleared_at, runbook, "
    "metric, summary, labels, reopened"
)
_EFFECTIVE_TICK = "kind != 'undo' AND id NOT IN (SELECT undoes FROM checklist_ticks WHERE undoes IS NOT NULL)"
_CLOSING_KINDS = (TickKind.DONE, TickKind.SKIP)
"""The kinds that close a task's period: at most one that counts per (task, period), across consoles."""
_FIRST_CLOSING_TICK = (
    f"SELECT * FROM checklist_ticks WHERE task_id = ? AND period_start = ? AND kind IN ('done', 'skip') "
    f"AND {_EFFECTIVE_TICK} ORDER BY id LIMIT 1"
)


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


class SqliteState:
    """The default :class:`~opstui.state.protocol.StateStore`: a SQLite file on this host."""

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

    async def __aenter__(self) -> SqliteState:
        await self.open()
        return self

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
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
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

    # Incidents -------------------------------------------------------------------------------------

    async def insert_incident(
        self, incident: Incident, event: IncidentEvent, notifications: Sequence[Notification] = ()
    ) -> Incident:
        def work() -> Incident:
            with self._transaction() as conn, _one_open_per_fingerprint(incident):
                cursor = conn.execute(
                    f"INSERT INTO incidents ({_INCIDENT_COLUMNS}, revision) VALUES ({', '.join('?' * 21)})",
                    (*_incident_values(incident), 0),
                )
                stored = replace(incident, id=_rowid(cursor), revision=0)
                self._insert_event(conn, replace(event, incident_id=stored.id))
                self._enqueue(conn, notifications, stored.id)
            return stored

        return await self._call(work, "record the new incident")

    async def update_incident(
        self,
        incident: Incident,
        events: Sequence[IncidentEvent] = (),
        notifications: Sequence[Notification] = (),
    ) -> Incident:
        def work() -> Incident:
            with self._transaction() as conn, _one_open_per_fingerprint(incident):
                assignments = ", ".join(f"{column.strip()} = ?" for column in _INCIDENT_COLUMNS.split(","))
                cursor = conn.execute(
                    f"UPDATE incidents SET {assignments}, revision = revision + 1 WHERE id = ? AND revision = ?",
                    (*_incident_values(incident), incident.id, incident.revision),
                )
                if cursor.rowcount != 1:
                    raise ConflictError(f"incident #{incident.id} was changed by someone else; try again")
                for event in events:
                    self._insert_event(conn, event)
                self._enqueue(conn, notifications, incident.id)
            return replace(incident, revision=incident.revision + 1)

        return await self._call(work, f"update incident #{incident.id}")

    async def get_incident(self, incident_id: int) -> Incident | None:
        def work() -> Incident | None:
            row = self._db.execute("SELECT * FROM incidents WHERE id = ?", (incident_id,)).fetchone()
            return None if row is None else _incident(row)

        return await self._call(work, f"read incident #{incident_id}")

    async def latest_incident(self, fingerprint: str) -> Incident | None:
        def work() -> Incident | None:
            row = self._db.execute(
                "SELECT * FROM incidents WHERE fingerprint = ? ORDER BY opened_at DESC, id DESC LIMIT 1",
                (fingerprint,),
            ).fetchone()
            return None if row is None else _incident(row)

        return await self._call(work, "read incidents")

    async def open_incidents(self) -> list[Incident]:
        def work() -> list[Incident]:
            rows = self._db.execute("SELECT * FROM incidents WHERE state != 'resolved' ORDER BY id")
            return [_incident(row) for row in rows]

        return await self._call(work, "read open incidents")

    async def recent_incidents(self, limit: int) -> list[Incident]:
        def work() -> list[Incident]:
            rows = self._db.execute("SELECT * FROM incidents ORDER BY opened_at DESC, id DESC LIMIT ?", (limit,))
            return [_incident(row) for row in rows]

        return await self._call(work, "read incidents")

    async def add_event(self, event: IncidentEvent) -> IncidentEvent:
        def work() -> IncidentEvent:
            with self._transaction() as conn:
                return self._insert_event(conn, event)

        return await self._call(work, f"record on incident #{event.incident_id}")

    async def events(self, incident_id: int) -> list[IncidentEvent]:
        def work() -> list[IncidentEvent]:
            rows = self._db.execute(
                "SELECT * FROM incident_events WHERE incident_id = ? ORDER BY at, id", (incident_id,)
            )
            return [_event(row) for row in rows]

        return await self._call(work, f"read the timeline of incident #{incident_id}")

    @staticmethod
    def _insert_event(conn: sqlite3.Connection, event: IncidentEvent) -> IncidentEvent:
        cursor = conn.execute(
            "INSERT INTO incident_events (incident_id, at, kind, milestone, actor, host, text) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                event.incident_id,
                event.at,
                event.kind.value,
                event.milestone,
                event.actor,
                event.host,
                event.text,
            ),
        )
        return replace(event, id=_rowid(cursor))

    # Silences --------------------------------------------------------------------------------------

    async def add_silence(self, silence: Silence, events: Sequence[IncidentEvent] = ()) -> Silence:
        def work() -> Silence:
            with self._transaction() as conn:
                cursor = conn.execute(
                    "INSERT INTO silences (matcher, created_at, until, reason, created_by, host) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        silence.matcher,
                        silence.created_at,
                        silence.until,
                        silence.reason,
                        silence.created_by,
                        silence.host,
                    ),
                )
                for event in events:
                    self._insert_event(conn, event)
            return replace(silence, id=_rowid(cursor))

        return await self._call(work, "record the silence")

    async def active_silences(self, now: float) -> list[Silence]:
        def work() -> list[Silence]:
            rows = self._db.execute(
                "SELECT * FROM silences WHERE ended_at IS NULL AND until > ? ORDER BY until DESC, id", (now,)
            )
            return [Silence(**dict(row)) for row in rows]

        return await self._call(work, "read silences")

    async def end_silences(self, matcher: str, at: float, by: str) -> int:
        def work() -> int:
            with self._transaction() as conn:
                cursor = conn.execute(
                    "UPDATE silences SET ended_at = ?, ended_by = ?, end_reason = 'cancelled' "
                    "WHERE matcher = ? AND ended_at IS NULL AND until > ?",
                    (at, by, matcher, at),
                )
            return cursor.rowcount

        return await self._call(work, "cancel the silence")

    async def expire_silences(self, now: float) -> int:
        def work() -> int:
            with self._transaction() as conn:
                cursor = conn.execute(
                    "UPDATE silences SET ended_at = until, end_reason = 'expired' "
                    "WHERE ended_at IS NULL AND until <= ?",
                    (now,),
                )
            return cursor.rowcount

        return await self._call(work, "expire silences")

    async def count_suppressed(self, silence_id: int) -> None:
        def work() -> None:
            with self._transaction() as conn:
                conn.execute("UPDATE silences SET suppressed = suppressed + 1 WHERE id = ?", (silence_id,))

        await self._call(work, "count a suppressed alert")

    # Notification outbox ---------------------------------------------------------------------------

    async def enqueue(self, notifications: Sequence[Notification]) -> None:
        def work() -> None:
            with self._transaction() as conn:
                self._enqueue(conn, notifications, None)

        await self._call(work, "queue the notification")

    def _enqueue(
        self, conn: sqlite3.Connection, notifications: Sequence[Notification], incident_id: int | None
    ) -> None:
        if not notifications:
            return
        for item in notifications:
            payload = dict(item.payload)
            if incident_id is not None:
                payload["incident_id"] = incident_id  # a new incident's id is only known here
            conn.execute(
                f"INSERT INTO notifications ({OUTBOX_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)", outbox_values(item, payload)
            )
        (undelivered,) = conn.execute("SELECT COUNT(*) FROM notifications WHERE delivered_at IS NULL").fetchone()
        excess = undelivered - self._outbox_cap
        if excess > 0:
            conn.execute(
                "DELETE FROM notifications WHERE id IN "
                "(SELECT id FROM notifications WHERE delivered_at IS NULL ORDER BY id LIMIT ?)",
                (excess,),
            )
            conn.execute(
                "INSERT INTO counters (name, value) VALUES ('outbox_dropped', ?) "
                "ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
                (excess,),
            )
            log.warning("notification outbox full (%d undelivered): dropped the %d oldest", self._outbox_cap, excess)
        conn.execute(PRUNE_FINISHED, (self._clock.now() - DELIVERED_RETENTION,))

    async def pending_notifications(self, now: float, limit: int = 100) -> list[Notification]:
        def work() -> list[Notification]:
            rows = self._db.execute(
                "SELECT * FROM notifications WHERE state = 'pending' AND next_attempt_at <= ? "
                "ORDER BY next_attempt_at, id LIMIT ?",
                (now, limit),
            )
            return [notification(row) for row in rows]

        return await self._call(work, "read the outbox")

    async def mark_delivered(self, notification_id: int, at: float, superseded: bool = False) -> None:
        state = DeliveryState.SUPERSEDED if superseded else DeliveryState.DELIVERED

        def work() -> None:
            with self._transaction() as conn:
                conn.execute(MARK_DELIVERED, (state.value, at, at, notification_id))
                conn.execute(RETRY_CHANNEL_NOW, (at, notification_id, at))

        await self._call(work, "mark the notification delivered")

    async def mark_superseded(self, notification_id: int, at: float) -> None:
        def work() -> None:
            with self._transaction() as conn:
                conn.execute(MARK_SUPERSEDED, (at, notification_id))

        await self._call(work, "mark the notification superseded")

    async def mark_failed(self, notification_id: int, error: str, retry_at: float | None) -> None:
        def work() -> None:
            with self._transaction() as conn:
                state = DeliveryState.FAILED if retry_at is None else DeliveryState.PENDING
                conn.execute(MARK_FAILED, (error, retry_at, state.value, self._clock.now(), notification_id))

        await self._call(work, "record the failed delivery")

    async def later_events(self, notification_id: int) -> list[str]:
        def work() -> list[str]:
            return events([row[0] for row in self._db.execute(LATER_PENDING, (notification_id,))])

        return await self._call(work, "read the outbox")

    async def notifications(self, limit: int = 500) -> list[Notification]:
        def work() -> list[Notification]:
            rows = self._db.execute("SELECT * FROM notifications ORDER BY id DESC LIMIT ?", (limit,))
            return [notification(row) for row in rows]

        return await self._call(work, "read the outbox")

    async def failing_count(self, since: float) -> int:
        def work() -> int:
            return int(self._db.execute(FAILING, (since,)).fetchone()[0])

        return await self._call(work, "read the outbox")

    async def pending_count(self) -> int:
        def work() -> int:
            (count,) = self._db.execute("SELECT COUNT(*) FROM notifications WHERE state = 'pending'").fetchone()
            return int(count)

        return await self._call(work, "read the outbox")

    async def outbox_dropped(self) -> int:
        def work() -> int:
            row = self._db.execute("SELECT value FROM counters WHERE name = 'outbox_dropped'").fetchone()
            return 0 if row is None else int(row[0])

        return await self._call(work, "read the outbox")

    # Checklist ticks -------------------------------------------------------------------------------

    async def add_tick(self, tick: Tick) -> Tick:
        """Record a tick; a DONE or SKIP for a task and period that already has one that counts raises
        :class:`TickTaken` with it (the write lock makes the check and the insert one step)."""

        def work() -> Tick:
            with self._transaction() as conn:
                if tick.kind in _CLOSING_KINDS:
                    row = conn.execute(_FIRST_CLOSING_TICK, (tick.task_id, tick.period_start)).fetchone()
                    if row is not None:
                        raise TickTaken(_tick(row))
                return self._insert_tick(conn, tick)

        return await self._call(work, f"record the tick on {tick.task_id}")

    async def ticks_since(self, since: float) -> list[Tick]:
        def work() -> list[Tick]:
            rows = self._db.execute(
                f"SELECT * FROM checklist_ticks WHERE at >= ? AND {_EFFECTIVE_TICK} ORDER BY at, id", (since,)
            )
            return [_tick(row) for row in rows]

        return await self._call(work, "read checklist ticks")

    async def last_tick(self, task_id: str) -> Tick | None:
        def work() -> Tick | None:
            row = self._db.execute(
                f"SELECT * FROM checklist_ticks WHERE task_id = ? AND {_EFFECTIVE_TICK} "
                "ORDER BY at DESC, id DESC LIMIT 1",
                (task_id,),
            ).fetchone()
            return None if row is None else _tick(row)

        return await self._call(work, f"read the last tick of {task_id}")

    async def undo_last_tick(self, actor: str, host: str | None = None) -> Tick | None:
        def work() -> Tick | None:
            with self._transaction() as conn:
                row = conn.execute(
                    f"SELECT * FROM checklist_ticks WHERE actor = ? AND {_EFFECTIVE_TICK} "
                    "ORDER BY at DESC, id DESC LIMIT 1",
                    (actor,),
                ).fetchone()
                if row is None:
                    return None
                undone = _tick(row)
                self._insert_tick(
                    conn,
                    Tick(
                        task_id=undone.task_id,
                        period_start=undone.period_start,
                        at=self._clock.now(),
                        kind=TickKind.UNDO,
                        actor=actor,
                        host=host or socket.gethostname(),
                        undoes=undone.id,
                    ),
                )
            return undone

        return await self._call(work, "undo the last tick")

    # Change feed, audit and claiming the outbox ------------------------------------------------------

    async def last_change(self) -> int:
        """The newest change's sequence number (0 when nothing was ever written)."""

        def work() -> int:
            return int(self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM changes").fetchone()[0])

        return await self._call(work, "read the change feed")

    async def changes_since(self, seq: int, limit: int = 500) -> list[Change]:
        def work() -> list[Change]:
            rows = self._db.execute(
                "SELECT seq, kind, ref FROM changes WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit)
            )
            return [Change(int(row["seq"]), row["kind"], int(row["ref"])) for row in rows]

        return await self._call(work, "read the change feed")

    async def subscribe(self, since: int | None = None, poll: float = 0.5) -> AsyncIterator[Change]:
        """Every change after ``since`` (default: after now); a file has no NOTIFY, so this polls."""
        start = await self.last_change() if since is None else since
        return follow(self.changes_since, PollWakeup(self._clock, poll), start)

    async def audit(self, since: float) -> list[AuditEntry]:
        def work() -> list[AuditEntry]:
            return [entry(row) for row in self._db.execute(audit_sql("?1"), (since,))]

        return await self._call(work, "read the audit trail")

    async def claim_notifications(
        self, now: float, lease: float, limit: int = 100, per_channel: int | None = None
    ) -> list[Notification]:
        """Take due notifications for delivery: nobody else's until ``now + lease`` (the write lock makes the
        read and the claim one step)."""

        def work() -> list[Notification]:
            with self._transaction() as conn:
                rows = conn.execute(CLAIMABLE, (now, now, per_channel or limit, limit)).fetchall()
                conn.executemany(
                    "UPDATE notifications SET claimed_until = ? WHERE id = ?",
                    [(now + lease, row["id"]) for row in rows],
                )
            return [replace(notification(row), claimed_until=now + lease) for row in rows]

        return await self._call(work, "claim notifications")

    @staticmethod
    def _insert_tick(conn: sqlite3.Connection, tick: Tick) -> Tick:
        cursor = conn.execute(
            f"INSERT INTO checklist_ticks ({_TICK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", _tick_values(tick)
        )
        return replace(tick, id=_rowid(cursor))


# Rows <-> snapshots --------------------------------------------------------------------------------


def _rowid(cursor: sqlite3.Cursor) -> int:
    assert cursor.lastrowid is not None  # always set after a single-row INSERT
    return cursor.lastrowid


def _incident_values(incident: Incident) -> tuple[object, ...]:
    return (
        incident.fingerprint,
        incident.rule,
        incident.title,
        incident.severity.value,
        incident.state.value,
        incident.opened_at,
        incident.triggered_at,
        incident.acknowledged_at,
        incident.acknowledged_by,
        incident.resolved_at,
        incident.resolved_by,
        incident.escalation_level,
        incident.last_escalated_at,
        incident.alert_state.value,
        incident.alert_cleared_at,
        incident.runbook,
        incident.metric,
        incident.summary,
        json.dumps(dict(incident.labels), sort_keys=True),
        incident.reopened,
    )


_TICK_COLUMNS = "task_id, period_start, at, kind, actor, host, value, note, undoes"
"""The columns a tick is written with, in :func:`_tick_values` order (both backends)."""


def _tick_values(tick: Tick) -> tuple[object, ...]:
    return (
        tick.task_id,
        tick.period_start,
        tick.at,
        tick.kind.value,
        tick.actor,
        tick.host,
        tick.value,
        tick.note,
        tick.undoes,
    )


def _incident(row: sqlite3.Row) -> Incident:
    values = dict(row)
    values["severity"] = Severity(values["severity"])
    values["state"] = IncidentState(values["state"])
    values["alert_state"] = AlertPhase(values["alert_state"])
    values["labels"] = tuple(sorted(json.loads(values["labels"]).items()))
    return Incident(**values)


def _event(row: sqlite3.Row) -> IncidentEvent:
    values = dict(row)
    values["kind"] = EventKind(values["kind"])
    values["milestone"] = None if values["milestone"] is None else Milestone(values["milestone"])
    return IncidentEvent(**values)


def _tick(row: sqlite3.Row) -> Tick:
    return Tick(**{**dict(row), "kind": TickKind(row["kind"])})


@contextmanager
def _one_open_per_fingerprint(incident: Incident) -> Iterator[None]:
    """Turn a clash on the one-open-incident-per-alert index into a conflict the manager retries."""
    try:
        yield
    except sqlite3.IntegrityError as error:
        if "incidents.fingerprint" not in str(error):
            raise
        raise ConflictError(f"another incident is already open for {incident.fingerprint}") from None


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
    if missing := sorted({c.strip() for c in _INCIDENT_COLUMNS.split(",")} - columns):
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
