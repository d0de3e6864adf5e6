"""The PostgreSQL state store: one schema shared by every console of an on-call team.

It behaves as :class:`~opstui.state.sqlite.SqliteState` does (same methods, same versioned schema, same
errors) and adds what a team needs:

- **Exactly one winner.** An incident is updated with ``UPDATE ... WHERE id = $n AND revision = $m``; of two
  consoles acknowledging at once the second matches no row and gets :class:`ConflictError`, re-reads, and
  finds it already acknowledged (by whom, and when). One open incident per alert fingerprint is a partial
  unique index, so two consoles evaluating the same rule open one incident; its notification is inserted in
  the same transaction, so it exists once. Delivery claims outbox rows with an UPDATE that re-checks the claim (see
  :meth:`PostgresState.claim_notifications`), so one console sends it.
- **Live across consoles.** Every write is announced with NOTIFY and numbered in ``changes`` (see
  ``changes.py``); :meth:`PostgresState.changes` follows it and catches up after a dropped connection.
- **Safe start-up.** Migrations run under an advisory lock, once, however many consoles start together.

Every call has a timeout; failures are a one-line :class:`StateError` naming host, port and database, never
the DSN's password. Durability is PostgreSQL's: a call returns after COMMIT.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any, TypeVar
from urllib.parse import urlsplit

import asyncpg

from opstui.clock import Clock
from opstui.incidents.model import Incident, IncidentEvent, Silence
from opstui.state import migrations_pg
from opstui.state.audit import AuditEntry, audit_sql, entry
from opstui.state.changes import CHANGES_KEPT, PRUNE_CHANGES, Change, ListenWakeup, follow
from opstui.state.migrations import NewerSchemaError
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
    numbered,
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
from opstui.state.sqlite import (
    _CLOSING_KINDS,
    _EFFECTIVE_TICK,
    _FIRST_CLOSING_TICK,
    _INCIDENT_COLUMNS,
    _TICK_COLUMNS,
    DELIVERED_RETENTION,
    OUTBOX_CAP,
    _event,
    _incident,
    _incident_values,
    _tick,
    _tick_values,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

_ASSIGNMENTS = ", ".join(f"{c.strip()} = ${n}" for n, c in enumerate(_INCIDENT_COLUMNS.split(","), start=1))
_PLACEHOLDERS = ", ".join(f"${n}" for n in range(1, 21))
_TICKS_LOCK = "opstui-ticks"


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


class PostgresState:
    """A :class:`~opstui.state.protocol.StateStore` in one PostgreSQL schema, shared by a team."""

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

    async def open(self) -> None:
        async def work() -> int:
            conn = await self._connect()
            try:
                version = await migrations_pg.migrate(conn, self.schema, self._clock.now())
                await conn.execute(PRUNE_CHANGES.replace("?", "$1"), CHANGES_KEPT)
                return version
            finally:
                await conn.close()

        self._version = await self._guard(work(), "open", self._timeout * 3)
        self._pool = await self._guard(
            asyncpg.create_pool(
                self._dsn,
                min_size=1,
                max_size=self._pool_size,
                timeout=self._timeout,
                command_timeout=self._timeout,
                server_settings={"search_path": self.schema, "application_name": "opstui"},
            ),
            "connect",
            self._timeout * 2,
        )

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            try:
                await asyncio.wait_for(pool.close(), self._timeout)
            except (TimeoutError, OSError, asyncpg.PostgresError):
                pool.terminate()

    async def __aenter__(self) -> PostgresState:
        await self.open()
        return self

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

    # Incidents -------------------------------------------------------------------------------------

    async def insert_incident(
        self, incident: Incident, event: IncidentEvent, notifications: Sequence[Notification] = ()
    ) -> Incident:
        async def work(conn: Any) -> Incident:
            try:
                new_id = await conn.fetchval(
                    f"INSERT INTO incidents ({_INCIDENT_COLUMNS}, revision) VALUES ({_PLACEHOLDERS}, 0) RETURNING id",
                    *_incident_values(incident),
                )
            except asyncpg.UniqueViolationError:
                raise ConflictError(f"another incident is already open for {incident.fingerprint}") from None
            stored = replace(incident, id=int(new_id), revision=0)
            await self._insert_event(conn, replace(event, incident_id=stored.id))
            await self._enqueue(conn, notifications, stored.id)
            return stored

        return await self._run(work, "record the new incident", write=True)

    async def update_incident(
        self,
        incident: Incident,
        events: Sequence[IncidentEvent] = (),
        notifications: Sequence[Notification] = (),
    ) -> Incident:
        async def work(conn: Any) -> Incident:
            try:
                status = await conn.execute(
                    f"UPDATE incidents SET {_ASSIGNMENTS}, revision = revision + 1 WHERE id = $21 AND revision = $22",
                    *_incident_values(incident),
                    incident.id,
                    incident.revision,
                )
            except asyncpg.UniqueViolationError:
                raise ConflictError(f"another incident is already open for {incident.fingerprint}") from None
            if status != "UPDATE 1":
                raise ConflictError(f"incident #{incident.id} was changed by someone else; try again")
            for event in events:
                await self._insert_event(conn, event)
            await self._enqueue(conn, notifications, incident.id)
            return replace(incident, revision=incident.revision + 1)

        return await self._run(work, f"update incident #{incident.id}", write=True)

    async def get_incident(self, incident_id: int) -> Incident | None:
        async def work(conn: Any) -> Incident | None:
            row = await conn.fetchrow("SELECT * FROM incidents WHERE id = $1", incident_id)
            return None if row is None else _incident(row)

        return await self._run(work, f"read incident #{incident_id}")

    async def latest_incident(self, fingerprint: str) -> Incident | None:
        async def work(conn: Any) -> Incident | None:
            row = await conn.fetchrow(
                "SELECT * FROM incidents WHERE fingerprint = $1 ORDER BY opened_at DESC, id DESC LIMIT 1",
                fingerprint,
            )
            return None if row is None else _incident(row)

        return await self._run(work, "read incidents")

    async def open_incidents(self) -> list[Incident]:
        return await self._rows(
            _incident, "read open incidents", "SELECT * FROM incidents WHERE state != 'resolved' ORDER BY id"
        )

    async def recent_incidents(self, limit: int) -> list[Incident]:
        return await self._rows(
            _incident, "read incidents", "SELECT * FROM incidents ORDER BY opened_at DESC, id DESC LIMIT $1", limit
        )

    async def add_event(self, event: IncidentEvent) -> IncidentEvent:
        return await self._run(
            lambda conn: self._insert_event(conn, event), f"record on incident #{event.incident_id}", write=True
        )

    async def events(self, incident_id: int) -> list[IncidentEvent]:
        return await self._rows(
            _event,
            f"read the timeline of incident #{incident_id}",
            "SELECT * FROM incident_events WHERE incident_id = $1 ORDER BY at, id",
            incident_id,
        )

    @staticmethod
    async def _insert_event(conn: Any, event: IncidentEvent) -> IncidentEvent:
        new_id = await conn.fetchval(
            "INSERT INTO incident_events (incident_id, at, kind, milestone, actor, host, text) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            event.incident_id,
            event.at,
            event.kind.value,
            event.milestone,
            event.actor,
            event.host,
            event.text,
        )
        return replace(event, id=int(new_id))

    async def _rows(self, convert: Callable[[Any], T], what: str, query: str, *args: object) -> list[T]:
        async def work(conn: Any) -> list[T]:
            return [convert(row) for row in await conn.fetch(query, *args)]

        return await self._run(work, what)

    # Silences --------------------------------------------------------------------------------------

    async def add_silence(self, silence: Silence, events: Sequence[IncidentEvent] = ()) -> Silence:
        async def work(conn: Any) -> Silence:
            new_id = await conn.fetchval(
                "INSERT INTO silences (matcher, created_at, until, reason, created_by, host) "
                "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                silence.matcher,
                silence.created_at,
                silence.until,
                silence.reason,
                silence.created_by,
                silence.host,
            )
            for event in events:
                await self._insert_event(conn, event)
            return replace(silence, id=int(new_id))

        return await self._run(work, "record the silence", write=True)

    async def active_silences(self, now: float) -> list[Silence]:
        return await self._rows(
            lambda row: Silence(**dict(row)),
            "read silences",
            "SELECT * FROM silences WHERE ended_at IS NULL AND until > $1 ORDER BY until DESC, id",
            now,
        )

    async def end_silences(self, matcher: str, at: float, by: str) -> int:
        return await self._count(
            "cancel the silence",
            "UPDATE silences SET ended_at = $1, ended_by = $2, end_reason = 'cancelled' "
            "WHERE matcher = $3 AND ended_at IS NULL AND until > $1",
            at,
            by,
            matcher,
        )

    async def expire_silences(self, now: float) -> int:
        return await self._count(
            "expire silences",
            "UPDATE silences SET ended_at = until, end_reason = 'expired' WHERE ended_at IS NULL AND until <= $1",
            now,
        )

    async def count_suppressed(self, silence_id: int) -> None:
        await self._count(
            "count a suppressed alert", "UPDATE silences SET suppressed = suppressed + 1 WHERE id = $1", silence_id
        )

    async def _count(self, what: str, statement: str, *args: object) -> int:
        async def work(conn: Any) -> int:
            status = await conn.execute(statement, *args)
            return int(status.rsplit(" ", 1)[-1])

        return await self._run(work, what, write=True)

    # Notification outbox ---------------------------------------------------------------------------

    async def enqueue(self, notifications: Sequence[Notification]) -> None:
        await self._run(lambda conn: self._enqueue(conn, notifications, None), "queue the notification", write=True)

    async def _enqueue(self, conn: Any, notifications: Sequence[Notification], incident_id: int | None) -> None:
        if not notifications:
            return
        for item in notifications:
            payload = dict(item.payload)
            if incident_id is not None:
                payload["incident_id"] = incident_id
            await conn.execute(
                f"INSERT INTO notifications ({OUTBOX_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)",
                *outbox_values(item, payload),
            )
        undelivered = await conn.fetchval("SELECT COUNT(*) FROM notifications WHERE delivered_at IS NULL")
        excess = int(undelivered) - self._outbox_cap
        if excess > 0:
            await conn.execute(
                "DELETE FROM notifications WHERE id IN "
                "(SELECT id FROM notifications WHERE delivered_at IS NULL ORDER BY id LIMIT $1)",
                excess,
            )
            await conn.execute(
                "INSERT INTO counters (name, value) VALUES ('outbox_dropped', $1) "
                "ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value",
                excess,
            )
            log.warning("notification outbox full (%d undelivered): dropped the %d oldest", self._outbox_cap, excess)
        await conn.execute(numbered(PRUNE_FINISHED), self._clock.now() - DELIVERED_RETENTION)

    async def pending_notifications(self, now: float, limit: int = 100) -> list[Notification]:
        return await self._rows(
            notification,
            "read the outbox",
            "SELECT * FROM notifications WHERE state = 'pending' AND next_attempt_at <= $1 "
            "ORDER BY next_attempt_at, id LIMIT $2",
            now,
            limit,
        )

    async def claim_notifications(
        self, now: float, lease: float, limit: int = 100, per_channel: int | None = None
    ) -> list[Notification]:
        """Take the due notifications for delivery by this console only: they are not claimable for anyone
        until ``now + lease`` (then another console retries, if this one died before marking them).

        Two consoles claiming at once may pick the same candidates; the UPDATE re-checks the claim on each
        locked row once the other's transaction commits, so each row is taken by one of them only."""
        statement = numbered(
            "UPDATE notifications AS n SET claimed_until = ? "
            f"FROM ({CLAIMABLE}) AS due WHERE n.id = due.id AND n.state = 'pending' "
            "AND (n.claimed_until IS NULL OR n.claimed_until <= ?) RETURNING n.*"
        )

        async def work(conn: Any) -> list[Notification]:
            rows = await conn.fetch(statement, now + lease, now, now, per_channel or limit, limit, now)
            return sorted(map(notification, rows), key=lambda n: (n.next_attempt_at or 0.0, n.id))

        return await self._run(work, "claim notifications", write=True)

    async def mark_delivered(self, notification_id: int, at: float, superseded: bool = False) -> None:
        state = DeliveryState.SUPERSEDED if superseded else DeliveryState.DELIVERED

        async def work(conn: Any) -> None:  # one transaction (``write``): the delivery and the channel's reset
            await conn.execute(numbered(MARK_DELIVERED), state.value, at, at, notification_id)
            await conn.execute(numbered(RETRY_CHANNEL_NOW), at, notification_id, at)

        await self._run(work, "mark the notification delivered", write=True)

    async def mark_superseded(self, notification_id: int, at: float) -> None:
        await self._count("mark the notification superseded", numbered(MARK_SUPERSEDED), at, notification_id)

    async def mark_failed(self, notification_id: int, error: str, retry_at: float | None) -> None:
        state = DeliveryState.FAILED if retry_at is None else DeliveryState.PENDING
        await self._count(
            "record the failed delivery",
            numbered(MARK_FAILED),
            error,
            retry_at,
            state.value,
            self._clock.now(),
            notification_id,
        )

    async def later_events(self, notification_id: int) -> list[str]:
        rows = await self._rows(lambda row: str(row[0]), "read the outbox", numbered(LATER_PENDING), notification_id)
        return events(rows)

    async def notifications(self, limit: int = 500) -> list[Notification]:
        return await self._rows(
            notification, "read the outbox", "SELECT * FROM notifications ORDER BY id DESC LIMIT $1", limit
        )

    async def failing_count(self, since: float) -> int:
        return await self._value("read the outbox", numbered(FAILING), since)

    async def pending_count(self) -> int:
        return await self._value("read the outbox", "SELECT COUNT(*) FROM notifications WHERE state = 'pending'")

    async def outbox_dropped(self) -> int:
        return await self._value(
            "read the outbox", "SELECT COALESCE(MAX(value), 0) FROM counters WHERE name = 'outbox_dropped'"
        )

    async def _value(self, what: str, query: str, *args: object) -> int:
        async def work(conn: Any) -> int:
            return int(await conn.fetchval(query, *args))

        return await self._run(work, what)

    # Checklist ticks -------------------------------------------------------------------------------

    async def add_tick(self, tick: Tick) -> Tick:
        """Record a tick; of two consoles closing the same task and period (DONE or SKIP) at once, the second
        gets :class:`TickTaken` with the first's tick. Ticks and undos are serialised by one advisory lock
        per schema, so the check and the insert are one step (ticks are a few an hour)."""

        async def work(conn: Any) -> Tick:
            if tick.kind in _CLOSING_KINDS:
                await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"{_TICKS_LOCK}:{self.schema}")
                row = await conn.fetchrow(
                    _FIRST_CLOSING_TICK.replace("= ?", "= $1", 1).replace("= ?", "= $2", 1),
                    tick.task_id,
                    tick.period_start,
                )
                if row is not None:
                    raise TickTaken(_tick(row))
            return await self._insert_tick(conn, tick)

        return await self._run(work, f"record the tick on {tick.task_id}", write=True)

    async def ticks_since(self, since: float) -> list[Tick]:
        return await self._rows(
            _tick,
            "read checklist ticks",
            f"SELECT * FROM checklist_ticks WHERE at >= $1 AND {_EFFECTIVE_TICK} ORDER BY at, id",
            since,
        )

    async def last_tick(self, task_id: str) -> Tick | None:
        ticks = await self._rows(
            _tick,
            f"read the last tick of {task_id}",
            f"SELECT * FROM checklist_ticks WHERE task_id = $1 AND {_EFFECTIVE_TICK} ORDER BY at DESC, id DESC LIMIT 1",
            task_id,
        )
        return ticks[0] if ticks else None

    async def undo_last_tick(self, actor: str, host: str | None = None) -> Tick | None:
        async def work(conn: Any) -> Tick | None:
            # Two undos at once must not both cancel the same tick: serialise undos across consoles.
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"{_TICKS_LOCK}:{self.schema}")
            row = await conn.fetchrow(
                f"SELECT * FROM checklist_ticks WHERE actor = $1 AND {_EFFECTIVE_TICK} "
                "ORDER BY at DESC, id DESC LIMIT 1",
                actor,
            )
            if row is None:
                return None
            undone = _tick(row)
            undo = Tick(
                task_id=undone.task_id,
                period_start=undone.period_start,
                at=self._clock.now(),
                kind=TickKind.UNDO,
                actor=actor,
                host=host or socket.gethostname(),
                undoes=undone.id,
            )
            await self._insert_tick(conn, undo)
            return undone

        return await self._run(work, "undo the last tick", write=True)

    @staticmethod
    async def _insert_tick(conn: Any, tick: Tick) -> Tick:
        new_id = await conn.fetchval(
            f"INSERT INTO checklist_ticks ({_TICK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            *_tick_values(tick),
        )
        return replace(tick, id=int(new_id))

    # Change feed and audit -------------------------------------------------------------------------

    async def last_change(self) -> int:
        return await self._value("read the change feed", "SELECT COALESCE(MAX(seq), 0) FROM changes")

    async def changes_since(self, seq: int, limit: int = 500) -> list[Change]:
        return await self._rows(
            lambda row: Change(int(row["seq"]), row["kind"], int(row["ref"])),
            "read the change feed",
            "SELECT seq, kind, ref FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2",
            seq,
            limit,
        )

    async def subscribe(self, since: int | None = None) -> AsyncIterator[Change]:
        """Start listening now; the iterator yields every change after ``since`` (default: after now), pushed
        by NOTIFY, across reconnections. Close it with ``aclose()`` (it owns one connection)."""
        start = await self.last_change() if since is None else since
        wakeup = ListenWakeup(self._connect, self.channel, self._clock)
        await self._guard(wakeup.start(), "listen for changes")
        return follow(self.changes_since, wakeup, start)

    async def audit(self, since: float) -> list[AuditEntry]:
        return await self._rows(entry, "read the audit trail", audit_sql("$1"), since)


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
