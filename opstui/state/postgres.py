"""The PostgreSQL state store: one schema shared by every console of an on-call team.

It behaves as :class:`~opstui.state.sqlite.SqliteState` does (same methods, same versioned schema, same
errors, the same statements from :mod:`opstui.state.sql` with ``$n`` placeholders) and adds what a team needs:

- **Exactly one winner.** An incident is updated with ``UPDATE ... WHERE id = $n AND revision = $m``; of two
  consoles acknowledging at once the second matches no row and gets :class:`ConflictError`, re-reads, and
  finds it already acknowledged (by whom, and when). One open incident per alert fingerprint is a partial
  unique index, so two consoles evaluating the same rule open one incident; its notification is inserted in
  the same transaction, so it exists once. Delivery claims outbox rows with an UPDATE that re-checks the claim (see
  :meth:`PostgresState.claim_notifications`), so one console sends it.
- **Live across consoles.** Every write is announced with NOTIFY and numbered in ``changes`` (see
  ``changes.py``); :meth:`PostgresState.changes` follows it and catches up after a dropped connection.
- **Safe start-up.** Migrations run under an advisory lock, once, however many consoles start together.

The pool, the timeouts and the one-line errors are :class:`~opstui.state.postgres_pool.PostgresPool`'s.
Durability is PostgreSQL's: a call returns after COMMIT.
"""

from __future__ import annotations

import logging
import math
import socket
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from typing import Any

import asyncpg

from opstui.incidents.model import Incident, IncidentEvent, Override, Silence
from opstui.state import check_results, migrations_pg, rows, sql
from opstui.state.audit import AuditEntry, audit_sql, entry
from opstui.state.changes import CHANGES_KEPT, PRUNE_CHANGES, Change, ListenWakeup, follow
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
from opstui.state.postgres_pool import PostgresPool, describe_dsn
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
from opstui.state.sql import numbered

__all__ = ["PostgresState", "describe_dsn"]

log = logging.getLogger(__name__)

TICKS_LOCK = "opstui-ticks"
"""The advisory lock (per schema) that makes a tick's check and insert one step across consoles."""

INSERT_INCIDENT = numbered(sql.INSERT_INCIDENT) + " RETURNING id"
UPDATE_INCIDENT = numbered(sql.UPDATE_INCIDENT)
INSERT_EVENT = numbered(sql.INSERT_EVENT) + " RETURNING id"
INSERT_SILENCE = numbered(sql.INSERT_SILENCE) + " RETURNING id"
INSERT_TICK = numbered(sql.INSERT_TICK) + " RETURNING id"
INSERT_OVERRIDE = numbered(sql.INSERT_OVERRIDE) + " RETURNING id"
INSERT_COMPONENT_OVERRIDE = numbered(sql.INSERT_COMPONENT_OVERRIDE) + " RETURNING id"
CLAIM = numbered(
    "UPDATE notifications AS n SET claimed_until = ? "
    f"FROM ({CLAIMABLE}) AS due WHERE n.id = due.id AND n.state = 'pending' "
    "AND (n.claimed_until IS NULL OR n.claimed_until <= ?) RETURNING n.*"
)
"""Parameters: the lease's end, then :data:`CLAIMABLE`'s four, then now."""


class PostgresState(PostgresPool):
    """A :class:`~opstui.state.protocol.StateStore` in one PostgreSQL schema, shared by a team."""

    async def open(self) -> None:
        async def work() -> int:
            conn = await self._connect()
            try:
                version = await migrations_pg.migrate(conn, self.schema, self._clock.now())
                await conn.execute(numbered(PRUNE_CHANGES), CHANGES_KEPT)
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

    async def __aenter__(self) -> PostgresState:
        await self.open()
        return self

    # Incidents -------------------------------------------------------------------------------------

    async def insert_incident(
        self, incident: Incident, event: IncidentEvent, notifications: Sequence[Notification] = ()
    ) -> Incident:
        async def work(conn: Any) -> Incident:
            try:
                new_id = await conn.fetchval(INSERT_INCIDENT, *rows.incident_values(incident))
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
            return await self._update_one(conn, incident, events, notifications)

        return await self._run(work, f"update incident #{incident.id}", write=True)

    async def update_incidents(
        self, changes: Sequence[tuple[Incident, Sequence[IncidentEvent], Sequence[Notification]]]
    ) -> list[Incident]:
        async def work(conn: Any) -> list[Incident]:
            return [await self._update_one(conn, *change) for change in changes]

        return await self._run(work, "update incidents", write=True)

    async def _update_one(
        self,
        conn: Any,
        incident: Incident,
        events: Sequence[IncidentEvent],
        notifications: Sequence[Notification],
    ) -> Incident:
        """One incident's update inside the caller's transaction: only from the revision it was read at
        (else :class:`ConflictError`, and the transaction rolls back), with its events and pages."""
        try:
            status = await conn.execute(
                UPDATE_INCIDENT, *rows.incident_values(incident), incident.id, incident.revision
            )
        except asyncpg.UniqueViolationError:
            raise ConflictError(f"another incident is already open for {incident.fingerprint}") from None
        if status != "UPDATE 1":
            raise ConflictError(f"incident #{incident.id} was changed by someone else; try again")
        for event in events:
            await self._insert_event(conn, event)
        await self._enqueue(conn, notifications, incident.id)
        return replace(incident, revision=incident.revision + 1)

    async def get_incident(self, incident_id: int) -> Incident | None:
        found = await self._rows(rows.incident, f"read incident #{incident_id}", numbered(sql.INCIDENT), incident_id)
        return found[0] if found else None

    async def latest_incident(self, fingerprint: str) -> Incident | None:
        found = await self._rows(rows.incident, "read incidents", numbered(sql.LATEST_INCIDENT), fingerprint)
        return found[0] if found else None

    async def open_incidents(self) -> list[Incident]:
        return await self._rows(rows.incident, "read open incidents", sql.OPEN_INCIDENTS)

    async def merged_into(self, incident_id: int) -> list[Incident]:
        what = f"read the incidents merged into #{incident_id}"
        return await self._rows(rows.incident, what, numbered(sql.MERGED_INTO), incident_id)

    async def recent_incidents(self, limit: int) -> list[Incident]:
        return await self._rows(rows.incident, "read incidents", numbered(sql.RECENT_INCIDENTS), limit)

    async def add_event(self, event: IncidentEvent) -> IncidentEvent:
        return await self._run(
            lambda conn: self._insert_event(conn, event), f"record on incident #{event.incident_id}", write=True
        )

    async def events(self, incident_id: int) -> list[IncidentEvent]:
        what = f"read the timeline of incident #{incident_id}"
        return await self._rows(rows.event, what, numbered(sql.EVENTS), incident_id)

    @staticmethod
    async def _insert_event(conn: Any, event: IncidentEvent) -> IncidentEvent:
        new_id = await conn.fetchval(INSERT_EVENT, *rows.event_values(event))
        return replace(event, id=int(new_id))

    # Silences --------------------------------------------------------------------------------------

    async def add_silence(self, silence: Silence, events: Sequence[IncidentEvent] = ()) -> Silence:
        async def work(conn: Any) -> Silence:
            new_id = await conn.fetchval(INSERT_SILENCE, *rows.silence_values(silence))
            for event in events:
                await self._insert_event(conn, event)
            return replace(silence, id=int(new_id))

        return await self._run(work, "record the silence", write=True)

    async def active_silences(self, now: float) -> list[Silence]:
        return await self._rows(rows.silence, "read silences", numbered(sql.ACTIVE_SILENCES), now, now)

    async def silences_since(self, since: float) -> list[Silence]:
        return await self._rows(rows.silence, "read silences", numbered(sql.SILENCES_SINCE), since)

    async def end_silence(self, silence_id: int, at: float, by: str) -> int:
        return await self._count("expire the silence", numbered(sql.END_SILENCE), at, by, silence_id, at)

    async def end_silences(self, matcher: str, at: float, by: str) -> int:
        return await self._count("cancel the silence", numbered(sql.END_SILENCES), at, by, matcher, at)

    async def expire_silences(self, now: float) -> int:
        return await self._count("expire silences", numbered(sql.EXPIRE_SILENCES), now)

    async def count_suppressed(self, silence_id: int) -> None:
        await self._count("count a suppressed alert", numbered(sql.COUNT_SUPPRESSED), silence_id)

    # On-call overrides -----------------------------------------------------------------------------

    async def add_override(self, override: Override) -> Override:
        async def work(conn: Any) -> Override:
            new_id = await conn.fetchval(INSERT_OVERRIDE, *rows.override_values(override))
            return replace(override, id=int(new_id))

        return await self._run(work, "record the override", write=True)

    async def overrides_from(self, now: float) -> list[Override]:
        return await self._rows(rows.override, "read overrides", numbered(sql.OVERRIDES_FROM), now)

    async def end_override(self, override_id: int, at: float, by: str) -> int:
        return await self._count("end the override", numbered(sql.END_OVERRIDE), at, by, override_id, at)

    # Status page overrides -------------------------------------------------------------------------

    async def set_component_override(self, override: ComponentOverride) -> ComponentOverride:
        async def work(conn: Any) -> ComponentOverride:
            await conn.execute(
                numbered(sql.CLEAR_COMPONENT_OVERRIDES), override.set_at, override.set_by, override.component
            )
            new_id = await conn.fetchval(INSERT_COMPONENT_OVERRIDE, *rows.component_override_values(override))
            return replace(override, id=int(new_id))

        return await self._run(work, f"record the override of {override.component}", write=True)

    async def clear_component_override(self, component: str, at: float, by: str) -> int:
        what = f"clear the override of {component}"
        return await self._count(what, numbered(sql.CLEAR_COMPONENT_OVERRIDES), at, by, component)

    async def component_overrides(self, now: float) -> list[ComponentOverride]:
        what = "read the status page overrides"
        return await self._rows(rows.component_override, what, numbered(sql.COMPONENT_OVERRIDES), now, now)

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
            await conn.execute(numbered(sql.INSERT_NOTIFICATION), *outbox_values(item, payload))
        undelivered = await conn.fetchval(sql.UNDELIVERED)
        excess = int(undelivered) - self._outbox_cap
        if excess > 0:
            await conn.execute(numbered(sql.DROP_OLDEST), excess)
            await conn.execute(numbered(sql.COUNT_DROPPED), excess)
            log.warning("notification outbox full (%d undelivered): dropped the %d oldest", self._outbox_cap, excess)
        await conn.execute(numbered(PRUNE_FINISHED), self._clock.now() - DELIVERED_RETENTION)

    async def pending_notifications(self, now: float, limit: int = 100) -> list[Notification]:
        return await self._rows(notification, "read the outbox", numbered(sql.PENDING), now, limit)

    async def claim_notifications(
        self, now: float, lease: float, limit: int = 100, per_channel: int | None = None
    ) -> list[Notification]:
        """Take the due notifications for delivery by this console only: they are not claimable for anyone
        until ``now + lease`` (then another console retries, if this one died before marking them).

        Two consoles claiming at once may pick the same candidates; the UPDATE re-checks the claim on each
        locked row once the other's transaction commits, so each row is taken by one of them only."""

        async def work(conn: Any) -> list[Notification]:
            claimed = await conn.fetch(CLAIM, now + lease, now, now, per_channel or limit, limit, now)
            return sorted(map(notification, claimed), key=lambda n: (n.next_attempt_at or 0.0, n.id))

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
        found = await self._rows(lambda row: str(row[0]), "read the outbox", numbered(LATER_PENDING), notification_id)
        return events(found)

    async def notifications(self, limit: int = 500) -> list[Notification]:
        return await self._rows(notification, "read the outbox", numbered(sql.NOTIFICATIONS), limit)

    async def failing_count(self, since: float) -> int:
        return await self._value("read the outbox", numbered(FAILING), since)

    async def pending_count(self) -> int:
        return await self._value("read the outbox", sql.PENDING_COUNT)

    async def outbox_dropped(self) -> int:
        return await self._value("read the outbox", sql.OUTBOX_DROPPED)

    # Checklist ticks -------------------------------------------------------------------------------

    async def add_tick(self, tick: Tick) -> Tick:
        """Record a tick; of two consoles closing the same task and period (DONE or SKIP) at once, the second
        gets :class:`TickTaken` with the first's tick. Ticks and undos are serialised by one advisory lock
        per schema, so the check and the insert are one step (ticks are a few an hour)."""

        async def work(conn: Any) -> Tick:
            if tick.kind in CLOSING_KINDS:
                await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"{TICKS_LOCK}:{self.schema}")
                row = await conn.fetchrow(numbered(sql.FIRST_CLOSING_TICK), tick.task_id, tick.period_start)
                if row is not None:
                    raise TickTaken(rows.tick(row))
            return await self._insert_tick(conn, tick)

        return await self._run(work, f"record the tick on {tick.task_id}", write=True)

    async def ticks_since(self, since: float) -> list[Tick]:
        return await self._rows(rows.tick, "read checklist ticks", numbered(sql.TICKS_SINCE), since)

    async def last_tick(self, task_id: str) -> Tick | None:
        ticks = await self._rows(rows.tick, f"read the last tick of {task_id}", numbered(sql.LAST_TICK), task_id)
        return ticks[0] if ticks else None

    async def undo_last_tick(self, actor: str, host: str | None = None) -> Tick | None:
        async def work(conn: Any) -> Tick | None:
            # Two undos at once must not both cancel the same tick: serialise undos across consoles.
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"{TICKS_LOCK}:{self.schema}")
            row = await conn.fetchrow(numbered(sql.LAST_OWN_TICK), actor)
            if row is None:
                return None
            undone = rows.tick(row)
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
        new_id = await conn.fetchval(INSERT_TICK, *rows.tick_values(tick))
        return replace(tick, id=int(new_id))

    # Change feed and audit -------------------------------------------------------------------------

    async def last_change(self) -> int:
        return await self._value("read the change feed", sql.LAST_CHANGE)

    async def changes_since(self, seq: int, limit: int = 500) -> list[Change]:
        return await self._rows(
            lambda row: Change(int(row["seq"]), row["kind"], int(row["ref"])),
            "read the change feed",
            numbered(sql.CHANGES_SINCE),
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

    # Recorded check results --------------------------------------------------------------------------

    async def record_checks(self, results: Sequence[CheckResult]) -> None:
        async def work(conn: Any) -> None:
            await conn.executemany(numbered(check_results.INSERT), [result.values() for result in results])
            if results:
                oldest = max(r.at for r in results) - check_results.RETENTION
                await conn.execute(numbered(check_results.PRUNE), oldest)

        await self._run(work, "record the check results", write=True)

    async def check_totals(self, since: float, kind: str = "http", until: float = math.inf) -> list[RecordedTotal]:
        async def work(conn: Any) -> list[RecordedTotal]:
            return check_results.totals(await conn.fetch(numbered(check_results.TOTALS), since, until, kind))

        return await self._run(work, "read the recorded checks")

    async def component_totals(
        self, name: str, sources: Sequence[str], since: float, until: float = math.inf
    ) -> RecordedTotal:
        async def work(conn: Any) -> RecordedTotal:
            if not sources:
                return check_results.component_total(name, None)
            query = numbered(check_results.component_totals_sql(len(sources)))
            return check_results.component_total(name, await conn.fetchrow(query, since, until, *sources))

        return await self._run(work, "read the recorded checks")
