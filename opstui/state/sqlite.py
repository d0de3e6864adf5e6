"""The SQLite state store: one file, WAL, ``synchronous=FULL``, versioned migrations.

Durability: every write runs in its own ``BEGIN IMMEDIATE`` ... ``COMMIT`` and, with WAL and
``synchronous=FULL``, the commit has reached the disk (fsync) before the call returns, so a
``kill -9`` or a power cut right after loses nothing the console has shown as done. The file, its checks
and the one worker thread every call runs on are :class:`~opstui.state.sqlite_file.SqliteFile`'s; the
statements are :mod:`opstui.state.sql`'s, shared with PostgreSQL.

Several processes (two consoles on one host) may share the file: WAL lets readers run beside the
writer, ``busy_timeout`` waits for the write lock, and incidents carry a revision so that a change
made from a stale snapshot fails with :class:`ConflictError` instead of overwriting another.

Bounds: the outbox keeps at most ``outbox_cap`` (10,000) undelivered notifications; beyond that the
oldest are dropped, counted (see :meth:`SqliteState.outbox_dropped`) and logged as a warning.
Delivered, superseded and failed notifications are deleted after 7 days.
"""

from __future__ import annotations

import logging
import math
import socket
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, TypeVar

from opstui.incidents.model import Incident, IncidentEvent, Override, Silence
from opstui.state import check_results, rows, sql
from opstui.state.audit import AuditEntry, audit_sql, entry
from opstui.state.changes import Change, PollWakeup, follow
from opstui.state.check_results import CheckResult, RecordedTotal
from opstui.state.outbox_sql import (
    CLAIMABLE,
    DELIVERED_RETENTION,
    FAILING,
    LATER_PENDING,
    MARK_DELIVERED,
    MARK_FAILED,
    MARK_SUPERSEDED,
    PRUNE_FINISHED,
    RETRY_CHANNEL_NOW,
    events,
    notification,
    outbox_values,
)
from opstui.state.protocol import (
    CLOSING_KINDS,
    ComponentOverride,
    ConflictError,
    DeliveryState,
    Notification,
    Tick,
    TickKind,
    TickTaken,
)
from opstui.state.sqlite_file import DamagedStore, SqliteFile

__all__ = ["DamagedStore", "SqliteState"]

log = logging.getLogger(__name__)

T = TypeVar("T")


class SqliteState(SqliteFile):
    """The default :class:`~opstui.state.protocol.StateStore`: a SQLite file on this host."""

    async def __aenter__(self) -> SqliteState:
        await self.open()
        return self

    # Incidents -------------------------------------------------------------------------------------

    async def insert_incident(
        self, incident: Incident, event: IncidentEvent, notifications: Sequence[Notification] = ()
    ) -> Incident:
        def work() -> Incident:
            with self._transaction() as conn, _one_open_per_fingerprint(incident):
                cursor = conn.execute(sql.INSERT_INCIDENT, rows.incident_values(incident))
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
            with self._transaction() as conn:
                return self._update_one(conn, incident, events, notifications)

        return await self._call(work, f"update incident #{incident.id}")

    async def update_incidents(
        self, changes: Sequence[tuple[Incident, Sequence[IncidentEvent], Sequence[Notification]]]
    ) -> list[Incident]:
        def work() -> list[Incident]:
            with self._transaction() as conn:
                return [self._update_one(conn, *change) for change in changes]

        return await self._call(work, "update incidents")

    def _update_one(
        self,
        conn: sqlite3.Connection,
        incident: Incident,
        events: Sequence[IncidentEvent],
        notifications: Sequence[Notification],
    ) -> Incident:
        """One incident's update inside the caller's transaction: only from the revision it was read at
        (else :class:`ConflictError`, and the transaction rolls back), with its events and pages."""
        with _one_open_per_fingerprint(incident):
            cursor = conn.execute(
                sql.UPDATE_INCIDENT, (*rows.incident_values(incident), incident.id, incident.revision)
            )
        if cursor.rowcount != 1:
            raise ConflictError(f"incident #{incident.id} was changed by someone else; try again")
        for event in events:
            self._insert_event(conn, event)
        self._enqueue(conn, notifications, incident.id)
        return replace(incident, revision=incident.revision + 1)

    async def get_incident(self, incident_id: int) -> Incident | None:
        def work() -> Incident | None:
            row = self._db.execute(sql.INCIDENT, (incident_id,)).fetchone()
            return None if row is None else rows.incident(row)

        return await self._call(work, f"read incident #{incident_id}")

    async def latest_incident(self, fingerprint: str) -> Incident | None:
        def work() -> Incident | None:
            row = self._db.execute(sql.LATEST_INCIDENT, (fingerprint,)).fetchone()
            return None if row is None else rows.incident(row)

        return await self._call(work, "read incidents")

    async def open_incidents(self) -> list[Incident]:
        return await self._rows(rows.incident, "read open incidents", sql.OPEN_INCIDENTS)

    async def merged_into(self, incident_id: int) -> list[Incident]:
        return await self._rows(
            rows.incident, f"read the incidents merged into #{incident_id}", sql.MERGED_INTO, incident_id
        )

    async def recent_incidents(self, limit: int) -> list[Incident]:
        return await self._rows(rows.incident, "read incidents", sql.RECENT_INCIDENTS, limit)

    async def add_event(self, event: IncidentEvent) -> IncidentEvent:
        def work() -> IncidentEvent:
            with self._transaction() as conn:
                return self._insert_event(conn, event)

        return await self._call(work, f"record on incident #{event.incident_id}")

    async def events(self, incident_id: int) -> list[IncidentEvent]:
        return await self._rows(rows.event, f"read the timeline of incident #{incident_id}", sql.EVENTS, incident_id)

    @staticmethod
    def _insert_event(conn: sqlite3.Connection, event: IncidentEvent) -> IncidentEvent:
        cursor = conn.execute(sql.INSERT_EVENT, rows.event_values(event))
        return replace(event, id=_rowid(cursor))

    # Silences --------------------------------------------------------------------------------------

    async def add_silence(self, silence: Silence, events: Sequence[IncidentEvent] = ()) -> Silence:
        def work() -> Silence:
            with self._transaction() as conn:
                cursor = conn.execute(sql.INSERT_SILENCE, rows.silence_values(silence))
                for event in events:
                    self._insert_event(conn, event)
            return replace(silence, id=_rowid(cursor))

        return await self._call(work, "record the silence")

    async def active_silences(self, now: float) -> list[Silence]:
        return await self._rows(rows.silence, "read silences", sql.ACTIVE_SILENCES, now, now)

    async def silences_since(self, since: float) -> list[Silence]:
        return await self._rows(rows.silence, "read silences", sql.SILENCES_SINCE, since)

    async def end_silence(self, silence_id: int, at: float, by: str) -> int:
        return await self._count("expire the silence", sql.END_SILENCE, at, by, silence_id, at)

    async def end_silences(self, matcher: str, at: float, by: str) -> int:
        return await self._count("cancel the silence", sql.END_SILENCES, at, by, matcher, at)

    async def expire_silences(self, now: float) -> int:
        return await self._count("expire silences", sql.EXPIRE_SILENCES, now)

    async def count_suppressed(self, silence_id: int) -> None:
        await self._count("count a suppressed alert", sql.COUNT_SUPPRESSED, silence_id)

    # On-call overrides -----------------------------------------------------------------------------

    async def add_override(self, override: Override) -> Override:
        def work() -> Override:
            with self._transaction() as conn:
                cursor = conn.execute(sql.INSERT_OVERRIDE, rows.override_values(override))
            return replace(override, id=_rowid(cursor))

        return await self._call(work, "record the override")

    async def overrides_from(self, now: float) -> list[Override]:
        return await self._rows(rows.override, "read overrides", sql.OVERRIDES_FROM, now)

    async def end_override(self, override_id: int, at: float, by: str) -> int:
        return await self._count("end the override", sql.END_OVERRIDE, at, by, override_id, at)

    async def _rows(self, convert: Callable[[Any], T], what: str, statement: str, *args: object) -> list[T]:
        """Run one read and convert its rows (as :class:`~opstui.state.postgres_pool.PostgresPool` does)."""

        def work() -> list[T]:
            return [convert(row) for row in self._db.execute(statement, args)]

        return await self._call(work, what)

    async def _count(self, what: str, statement: str, *args: object) -> int:
        """Run one write statement in its own transaction; how many rows it changed."""

        def work() -> int:
            with self._transaction() as conn:
                cursor = conn.execute(statement, args)
            return cursor.rowcount

        return await self._call(work, what)

    # Status page overrides -------------------------------------------------------------------------

    async def set_component_override(self, override: ComponentOverride) -> ComponentOverride:
        def work() -> ComponentOverride:
            with self._transaction() as conn:
                conn.execute(sql.CLEAR_COMPONENT_OVERRIDES, (override.set_at, override.set_by, override.component))
                cursor = conn.execute(sql.INSERT_COMPONENT_OVERRIDE, rows.component_override_values(override))
            return replace(override, id=_rowid(cursor))

        return await self._call(work, f"record the override of {override.component}")

    async def clear_component_override(self, component: str, at: float, by: str) -> int:
        return await self._count(f"clear the override of {component}", sql.CLEAR_COMPONENT_OVERRIDES, at, by, component)

    async def component_overrides(self, now: float) -> list[ComponentOverride]:
        return await self._rows(
            rows.component_override, "read the status page overrides", sql.COMPONENT_OVERRIDES, now, now
        )

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
            conn.execute(sql.INSERT_NOTIFICATION, outbox_values(item, payload))
        (undelivered,) = conn.execute(sql.UNDELIVERED).fetchone()
        excess = undelivered - self._outbox_cap
        if excess > 0:
            conn.execute(sql.DROP_OLDEST, (excess,))
            conn.execute(sql.COUNT_DROPPED, (excess,))
            log.warning("notification outbox full (%d undelivered): dropped the %d oldest", self._outbox_cap, excess)
        conn.execute(PRUNE_FINISHED, (self._clock.now() - DELIVERED_RETENTION,))

    async def pending_notifications(self, now: float, limit: int = 100) -> list[Notification]:
        return await self._rows(notification, "read the outbox", sql.PENDING, now, limit)

    async def mark_delivered(self, notification_id: int, at: float, superseded: bool = False) -> None:
        state = DeliveryState.SUPERSEDED if superseded else DeliveryState.DELIVERED

        def work() -> None:
            with self._transaction() as conn:
                conn.execute(MARK_DELIVERED, (state.value, at, at, notification_id))
                conn.execute(RETRY_CHANNEL_NOW, (at, notification_id, at))

        await self._call(work, "mark the notification delivered")

    async def mark_superseded(self, notification_id: int, at: float) -> None:
        await self._count("mark the notification superseded", MARK_SUPERSEDED, at, notification_id)

    async def mark_failed(self, notification_id: int, error: str, retry_at: float | None) -> None:
        state = DeliveryState.FAILED if retry_at is None else DeliveryState.PENDING
        await self._count(
            "record the failed delivery", MARK_FAILED, error, retry_at, state.value, self._clock.now(), notification_id
        )

    async def later_events(self, notification_id: int) -> list[str]:
        def work() -> list[str]:
            return events([row[0] for row in self._db.execute(LATER_PENDING, (notification_id,))])

        return await self._call(work, "read the outbox")

    async def notifications(self, limit: int = 500) -> list[Notification]:
        return await self._rows(notification, "read the outbox", sql.NOTIFICATIONS, limit)

    async def failing_count(self, since: float) -> int:
        return await self._value("read the outbox", FAILING, since)

    async def pending_count(self) -> int:
        return await self._value("read the outbox", sql.PENDING_COUNT)

    async def outbox_dropped(self) -> int:
        return await self._value("read the outbox", sql.OUTBOX_DROPPED)

    async def _value(self, what: str, query: str, *args: object) -> int:
        def work() -> int:
            return int(self._db.execute(query, args).fetchone()[0])

        return await self._call(work, what)

    async def claim_notifications(
        self, now: float, lease: float, limit: int = 100, per_channel: int | None = None
    ) -> list[Notification]:
        """Take due notifications for delivery: nobody else's until ``now + lease`` (the write lock makes the
        read and the claim one step)."""

        def work() -> list[Notification]:
            with self._transaction() as conn:
                due = conn.execute(CLAIMABLE, (now, now, per_channel or limit, limit)).fetchall()
                conn.executemany(
                    "UPDATE notifications SET claimed_until = ? WHERE id = ?",
                    [(now + lease, row["id"]) for row in due],
                )
            return [replace(notification(row), claimed_until=now + lease) for row in due]

        return await self._call(work, "claim notifications")

    # Checklist ticks -------------------------------------------------------------------------------

    async def add_tick(self, tick: Tick) -> Tick:
        """Record a tick; a DONE or SKIP for a task and period that already has one that counts raises
        :class:`TickTaken` with it (the write lock makes the check and the insert one step)."""

        def work() -> Tick:
            with self._transaction() as conn:
                if tick.kind in CLOSING_KINDS:
                    row = conn.execute(sql.FIRST_CLOSING_TICK, (tick.task_id, tick.period_start)).fetchone()
                    if row is not None:
                        raise TickTaken(rows.tick(row))
                return self._insert_tick(conn, tick)

        return await self._call(work, f"record the tick on {tick.task_id}")

    async def ticks_since(self, since: float) -> list[Tick]:
        return await self._rows(rows.tick, "read checklist ticks", sql.TICKS_SINCE, since)

    async def last_tick(self, task_id: str) -> Tick | None:
        def work() -> Tick | None:
            row = self._db.execute(sql.LAST_TICK, (task_id,)).fetchone()
            return None if row is None else rows.tick(row)

        return await self._call(work, f"read the last tick of {task_id}")

    async def undo_last_tick(self, actor: str, host: str | None = None) -> Tick | None:
        def work() -> Tick | None:
            with self._transaction() as conn:
                row = conn.execute(sql.LAST_OWN_TICK, (actor,)).fetchone()
                if row is None:
                    return None
                undone = rows.tick(row)
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

    @staticmethod
    def _insert_tick(conn: sqlite3.Connection, tick: Tick) -> Tick:
        cursor = conn.execute(sql.INSERT_TICK, rows.tick_values(tick))
        return replace(tick, id=_rowid(cursor))

    # Change feed and audit -------------------------------------------------------------------------

    async def last_change(self) -> int:
        """The newest change's sequence number (0 when nothing was ever written)."""
        return await self._value("read the change feed", sql.LAST_CHANGE)

    async def changes_since(self, seq: int, limit: int = 500) -> list[Change]:
        def work() -> list[Change]:
            found = self._db.execute(sql.CHANGES_SINCE, (seq, limit))
            return [Change(int(row["seq"]), row["kind"], int(row["ref"])) for row in found]

        return await self._call(work, "read the change feed")

    async def subscribe(self, since: int | None = None, poll: float = 0.5) -> AsyncIterator[Change]:
        """Every change after ``since`` (default: after now); a file has no NOTIFY, so this polls."""
        start = await self.last_change() if since is None else since
        return follow(self.changes_since, PollWakeup(self._clock, poll), start)

    async def audit(self, since: float) -> list[AuditEntry]:
        def work() -> list[AuditEntry]:
            # Named: the query uses it five times (a numbered ``?1`` with a tuple is deprecated from 3.12).
            return [entry(row) for row in self._db.execute(audit_sql(":since"), {"since": since})]

        return await self._call(work, "read the audit trail")

    # Recorded check results --------------------------------------------------------------------------

    async def record_checks(self, results: Sequence[CheckResult]) -> None:
        def work() -> None:
            with self._transaction() as conn:
                conn.executemany(check_results.INSERT, [result.values() for result in results])
                if results:
                    conn.execute(check_results.PRUNE, (max(r.at for r in results) - check_results.RETENTION,))

        await self._call(work, "record the check results")

    async def check_totals(self, since: float, kind: str = "http", until: float = math.inf) -> list[RecordedTotal]:
        def work() -> list[RecordedTotal]:
            return check_results.totals(self._db.execute(check_results.TOTALS, (since, until, kind)).fetchall())

        return await self._call(work, "read the recorded checks")

    async def component_totals(
        self, name: str, sources: Sequence[str], since: float, until: float = math.inf
    ) -> RecordedTotal:
        def work() -> RecordedTotal:
            if not sources:
                return check_results.component_total(name, None)
            sql_text = check_results.component_totals_sql(len(sources))
            return check_results.component_total(name, self._db.execute(sql_text, (since, until, *sources)).fetchone())

        return await self._call(work, "read the recorded checks")


def _rowid(cursor: sqlite3.Cursor) -> int:
    assert cursor.lastrowid is not None  # always set after a single-row INSERT
    return cursor.lastrowid


@contextmanager
def _one_open_per_fingerprint(incident: Incident) -> Iterator[None]:
    """Turn a clash on the one-open-incident-per-alert index into a conflict the manager retries."""
    try:
        yield
    except sqlite3.IntegrityError as error:
        if "incidents.fingerprint" not in str(error):
            raise
        raise ConflictError(f"another incident is already open for {incident.fingerprint}") from None
