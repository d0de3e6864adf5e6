"""Read a PostgreSQL database directly: named queries as metrics or tables, and the health pack.

Safety. Every query runs in its own ``READ ONLY`` transaction with ``SET LOCAL statement_timeout``,
on connections named ``application_name=opstui`` (so a DBA sees who is asking, and can kill it). A
config's SQL therefore cannot change the shop's data even when the role could; an ``INSERT`` fails
with "refused: cannot execute INSERT in a read-only transaction".

Failure is per metric. A query that fails or times out marks *that* metric stale with the reason
(``Monitor.set_metric_error``) and the source degraded; the other queries of the round still record.
Only a lost connection (server restarted, backend terminated, network gone) takes the whole source
to unreachable: the pool is dropped and rebuilt with backoff (up to 1 s, 2 s, 4 s ... capped at the
interval or 30 s, whichever is larger, and never beyond twice the interval).

Read-only for real. A read-only transaction does not stop a superuser: ``COPY (SELECT 1) TO PROGRAM`` is a
read, ``dblink_exec`` writes over a connection of its own, ``pg_reload_conf()`` runs. So at connect the
source asks who it is and refuses (down, with how to make a monitoring role) a role that is a superuser or
a member of ``pg_write_server_files`` / ``pg_execute_server_program``, unless the config says
``allow_privileged_role: true``. Every query runs with ``SET LOCAL default_transaction_read_only``, the
statement and lock timeouts, and is prepared before it runs: a statement that returns no result set (a
utility statement: ``COPY``, ``SET``, ``DO``, ...) is refused without being executed, never reported as
"returned no rows".

Secrets. The status's target is :func:`redact_dsn` of the DSN, and every error text is redacted of
the password before it is shown or logged: a driver may echo what it was given.

The pool holds 1..``pool_size`` (at most 3) connections: a monitoring console must not be the thing
that exhausts ``max_connections``. ``pool_size`` workers drain the round's queries, so one slow query
never holds back more than its own worker.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import decimal
import logging
import math
import socket
import time
from dataclasses import dataclass
from typing import Any

import asyncpg

from opstui.backoff import Backoff
from opstui.clock import Clock
from opstui.config.models import PgQuery, PostgresSource
from opstui.redact import dsn_secrets, redact, redact_dsn
from opstui.sanitize import clean
from opstui.sources import pghealth
from opstui.sources.base import Sink, Source, SourceState, SourceStatus

log = logging.getLogger(__name__)

MAX_REASON = 200
MAX_CELL = 200
"""A table cell longer than this is cut (a query text, a product description)."""
MAX_BACKOFF = 30.0


PRIVILEGES_SQL = """
    SELECT current_user AS role, rolsuper,
           pg_has_role(current_user, 'pg_write_server_files', 'MEMBER') AS write_files,
           pg_has_role(current_user, 'pg_execute_server_program', 'MEMBER') AS run_programs
      FROM pg_roles WHERE rolname = current_user
"""
"""What the connected role could do beyond reading (a superuser is a member of every role)."""

MONITORING_ROLE = "CREATE ROLE opstui LOGIN PASSWORD '...' IN ROLE pg_monitor, pg_read_all_data"
"""The role the source should connect as, as the refusal says (docs/security.md explains it)."""


def privileged_reason(row: asyncpg.Record | None) -> str | None:
    """Why the connected role is refused (None when it only reads)."""
    if row is None:
        return None
    if row["rolsuper"]:
        what = "is a superuser"
    elif row["run_programs"]:
        what = "may run programs on the server (pg_execute_server_program)"
    elif row["write_files"]:
        what = "may write files on the server (pg_write_server_files)"
    else:
        return None
    return (
        f"role {row['role']} {what}; connect as a monitoring role ({MONITORING_ROLE}) "
        "or set allow_privileged_role: true"
    )


class ConnectionLost(Exception):
    """The connection (not the query) failed: the pool is rebuilt before the next round."""


@dataclass(frozen=True, slots=True)
class Query:
    """One query of a round, user-written or from the health pack."""

    name: str
    sql: str
    table: bool = False
    max_rows: int = 20
    null_ok: bool = False
    """Health queries return NULL for 'nothing to report' (no replicas); that is not an error."""


def user_queries(cfg: PostgresSource) -> list[Query]:
    """The config's ``queries:`` as :class:`Query` objects (a bare string is a single-value query)."""
    out = []
    for name, spec in cfg.queries.items():
        q = spec if isinstance(spec, PgQuery) else PgQuery(sql=spec)
        out.append(Query(name, q.sql, q.table, q.max_rows))
    return out


def as_value(raw: object) -> float | None:
    """A finite float from what PostgreSQL returned (numeric, int, bool, interval); None otherwise."""
    if isinstance(raw, bool):
        return 1.0 if raw else 0.0
    if isinstance(raw, int | float | decimal.Decimal):
        try:
            value = float(raw)
        except OverflowError:  # numeric with hundreds of digits
            return None
    elif isinstance(raw, dt.timedelta):
        value = raw.total_seconds()
    else:
        return None
    return value if math.isfinite(value) else None


def as_cell(raw: object) -> object:
    """A table cell the screen can show: numbers stay numbers, the rest becomes bounded text."""
    if raw is None or isinstance(raw, bool | int | float):
        return raw
    if isinstance(raw, decimal.Decimal):
        return float(raw)
    if isinstance(raw, dt.datetime | dt.date):
        return raw.isoformat()
    return clean(str(raw)[:MAX_CELL])


def _one_line(text: str) -> str:
    lines = [line.strip() for line in str(text).strip().splitlines() if line.strip()]
    return (lines[0] if lines else "")[:MAX_REASON]


class PostgresPoll(Source):
    """One PostgreSQL database: a round of queries every ``interval`` (see the module doc)."""

    kind = "postgres"

    def __init__(self, cfg: PostgresSource, clock: Clock, sink: Sink) -> None:
        super().__init__(cfg.name, redact_dsn(cfg.dsn), clock, sink)
        self.cfg = cfg
        self.secrets = dsn_secrets(cfg.dsn)
        self.queries = user_queries(cfg)
        if cfg.health:
            self.queries += [Query(h.metric, h.sql, null_ok=True) for h in pghealth.HEALTH_QUERIES]
        # Reconnects spread with full jitter (a storm of consoles), but never further apart than 2 x interval.
        self.backoff = Backoff(base=1.0, cap=min(2 * cfg.interval, max(cfg.interval, MAX_BACKOFF)))
        self.pool: asyncpg.Pool | None = None
        self.failing: dict[str, str] = {}
        """Queries whose latest run failed, and why (also sent to the sink per metric)."""
        # Optional sink capabilities: the Monitor keeps tables and per-metric errors; a plain Sink
        # (``opstui check``, a test's recorder) just gets the values.
        self._set_table = getattr(sink, "set_table", None)
        self._set_metric_error = getattr(sink, "set_metric_error", None)

    # -- the loop ---------------------------------------------------------------------------------
    async def run(self) -> None:
        while True:
            changes = await self._safe_round()
            if changes["state"] in (SourceState.UP, SourceState.DEGRADED):
                self.backoff.reset()
                delay, next_attempt = self.cfg.interval, None
            else:
                delay = self.backoff.next_delay()
                next_attempt = self.clock.now() + delay
            self._update(**changes, next_attempt=next_attempt)
            await self.clock.sleep(delay)

    async def run_once(self) -> SourceStatus:
        self._update(**await self._safe_round())
        return self.status

    async def close(self) -> None:
        await self._drop_pool()

    # -- one round --------------------------------------------------------------------------------
    async def _safe_round(self) -> dict[str, Any]:
        try:
            return await self._round()
        except Exception as exc:  # a bug must not end the source; it is logged (scrubbed) and shown
            log.error("source %s: round failed: %s", self.name, self._clean(repr(exc)))
            await self._drop_pool()
            return self._result(SourceState.UNREACHABLE, f"internal error: {type(exc).__name__}")

    async def _round(self) -> dict[str, Any]:
        started = time.perf_counter()
        if self.pool is None:
            failure = await self._connect()
            if failure is not None:
                return self._result(*failure)
        pending = list(self.queries)
        if self.cfg.health:
            pending.append(Query(pghealth.SLOW_STATEMENTS, pghealth.SLOW_STATEMENTS_SQL, table=True))
        lost: list[str] = []
        workers = [self._worker(pending, lost) for _ in range(min(self.cfg.pool_size, max(1, len(pending))))]
        await asyncio.gather(*workers)
        latency_ms = (time.perf_counter() - started) * 1000.0
        if lost:
            await self._drop_pool()
            return self._result(SourceState.UNREACHABLE, f"connection lost: {lost[0]}", latency_ms=latency_ms)
        if self.failing:
            name, why = next(iter(self.failing.items()))
            more = f" (+{len(self.failing) - 1} more)" if len(self.failing) > 1 else ""
            return self._result(SourceState.DEGRADED, f"{name}: {why}{more}", latency_ms=latency_ms)
        return self._result(SourceState.UP, "", latency_ms=latency_ms)

    async def _worker(self, pending: list[Query], lost: list[str]) -> None:
        """Run queries off ``pending`` on one pooled connection until none are left or it is lost."""
        assert self.pool is not None
        try:
            async with asyncio.timeout(self.cfg.connect_timeout):
                conn = await self.pool.acquire()
        except Exception as exc:  # noqa: BLE001 - every way of not getting a connection is "lost"
            lost.append(self._describe_connect(exc))
            return
        try:
            while pending and not lost:
                query = pending.pop(0)
                try:
                    await self._run(conn, query)
                except ConnectionLost as exc:
                    lost.append(str(exc))
                    self._fail(query.name, f"connection lost: {exc}")
        finally:
            try:
                async with asyncio.timeout(self.cfg.connect_timeout):
                    await self.pool.release(conn)
            except Exception:  # noqa: BLE001 - a broken connection is dropped with the pool
                lost.append(lost[0] if lost else "connection could not be released")

    async def _run(self, conn: asyncpg.Connection, query: Query) -> None:
        """One query in its own READ ONLY transaction; records its value / table or marks it failing."""
        timeout = self.cfg.statement_timeout
        try:
            # The server's statement_timeout is the real limit; the client-side one only catches a
            # server (or network) that has stopped answering altogether.
            async with asyncio.timeout(timeout + self.cfg.connect_timeout), conn.transaction(readonly=True):
                millis = max(1, int(timeout * 1000))
                await conn.execute(
                    "SET LOCAL default_transaction_read_only = on; "
                    f"SET LOCAL statement_timeout = {millis}; SET LOCAL lock_timeout = {millis}"
                )
                if query.name == pghealth.SLOW_STATEMENTS:
                    await self._slow_statements(conn)
                    return
                statement = await conn.prepare(query.sql)
                if not statement.get_attributes():
                    self._fail(query.name, "not run: it returns no result set (only SELECT-like queries are run)")
                    return
                if query.table:
                    cursor = await statement.cursor()
                    rows = await cursor.fetch(query.max_rows)
                else:
                    row = await statement.fetchrow()
        except (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError) as exc:
            raise ConnectionLost(self._clean(_one_line(str(exc)) or type(exc).__name__)) from None
        except TimeoutError:
            raise ConnectionLost(f"no answer within {timeout + self.cfg.connect_timeout:g}s") from None
        except asyncpg.QueryCanceledError as exc:
            if "statement timeout" in str(exc):
                self._fail(query.name, f"timeout after {timeout:g}s (statement_timeout)")
            else:
                self._fail(query.name, f"cancelled: {self._clean(_one_line(str(exc)))}")
            return
        except asyncpg.exceptions.OperatorInterventionError as exc:  # admin / crash shutdown
            raise ConnectionLost(self._clean(_one_line(str(exc)))) from None
        except asyncpg.ReadOnlySQLTransactionError as exc:
            self._fail(query.name, f"refused: {self._clean(_one_line(str(exc)))} (queries run read-only)")
            return
        except asyncpg.PostgresError as exc:
            self._fail(query.name, self._clean(_one_line(str(exc))) or type(exc).__name__)
            return
        now = self.clock.now()
        if query.table:
            columns = tuple(clean(str(c)) for c in rows[0].keys()) if rows else ()  # noqa: SIM118 - a Record
            self._table(query.name, columns, [tuple(as_cell(v) for v in r.values()) for r in rows])
            self._ok(query.name)
            return
        if row is None or len(row) == 0:
            self._fail(query.name, "returned no rows")
            return
        raw = row[0]
        if raw is None and query.null_ok:
            self._ok(query.name)
            return
        value = as_value(raw)
        if value is None:
            what = "NULL (use COALESCE)" if raw is None else f"not a number: {str(raw)[:40]!r}"
            self._fail(query.name, f"returned {what}")
            return
        self.sink.record(query.name, value, now)
        self._ok(query.name)

    async def _slow_statements(self, conn: asyncpg.Connection) -> None:
        """The health pack's slowest statements, or an empty table with a note saying why not."""
        installed = await conn.fetchval(pghealth.HAS_PG_STAT_STATEMENTS)
        if not installed:
            self._table(pghealth.SLOW_STATEMENTS, pghealth.SLOW_COLUMNS, [], note=pghealth.NOTE_NOT_INSTALLED)
            return
        try:
            async with conn.transaction():  # a savepoint: the error must not abort the outer transaction
                rows = await conn.fetch(pghealth.SLOW_STATEMENTS_SQL)
        except asyncpg.ObjectNotInPrerequisiteStateError:
            self._table(pghealth.SLOW_STATEMENTS, pghealth.SLOW_COLUMNS, [], note=pghealth.NOTE_NOT_LOADED)
            return
        self._table(
            pghealth.SLOW_STATEMENTS, pghealth.SLOW_COLUMNS, [tuple(as_cell(v) for v in r.values()) for r in rows]
        )

    # -- bookkeeping ------------------------------------------------------------------------------
    def _table(self, name: str, columns: tuple[str, ...], rows: list[tuple[object, ...]], note: str = "") -> None:
        if self._set_table is not None:
            self._set_table(name, columns, rows, note=note)
        self._received += 1

    def _ok(self, name: str) -> None:
        if self.failing.pop(name, None) is not None and self._set_metric_error is not None:
            self._set_metric_error(name, None)
        self._received += 1

    def _fail(self, name: str, why: str) -> None:
        why = clean(why[:MAX_REASON])
        self.failing[name] = why
        if self._set_metric_error is not None:
            self._set_metric_error(name, why)
        log.warning("source %s: %s: %s", self.name, name, why)

    _received = 0

    def _result(self, state: SourceState, reason: str = "", **changes: object) -> dict[str, Any]:
        now = self.clock.now()
        ok = state in (SourceState.UP, SourceState.DEGRADED)
        return {
            "state": state,
            "reason": self._clean(reason)[:MAX_REASON],
            "last_check": now,
            "last_ok": now if ok else self.status.last_ok,
            "checks": self.status.checks + 1,
            "ok_checks": self.status.ok_checks + ok,
            "received": self._received,
            **changes,
        }

    def _clean(self, text: str) -> str:
        return redact(text, self.secrets)

    # -- the pool ---------------------------------------------------------------------------------
    async def _connect(self) -> tuple[SourceState, str] | None:
        """Open the pool; on failure the state and one-line reason (password scrubbed)."""
        try:
            async with asyncio.timeout(self.cfg.connect_timeout * 2):
                self.pool = await asyncpg.create_pool(
                    self.cfg.dsn,
                    min_size=1,
                    max_size=self.cfg.pool_size,
                    timeout=self.cfg.connect_timeout,
                    command_timeout=None,
                    max_inactive_connection_lifetime=max(60.0, 3 * self.cfg.interval),
                    server_settings={"application_name": "opstui"},
                )
        except (asyncpg.InvalidAuthorizationSpecificationError, asyncpg.InvalidCatalogNameError) as exc:
            return SourceState.DOWN, self._clean(_one_line(str(exc)))
        except Exception as exc:  # noqa: BLE001 - refused, DNS, timeout, bad DSN: all "cannot connect"
            return SourceState.UNREACHABLE, self._describe_connect(exc)
        if self.cfg.allow_privileged_role:
            return None
        try:
            async with asyncio.timeout(self.cfg.connect_timeout):
                refused = privileged_reason(await self.pool.fetchrow(PRIVILEGES_SQL))
        except Exception as exc:  # noqa: BLE001 - could not ask: treated as a connection failure
            await self._drop_pool()
            return SourceState.UNREACHABLE, self._describe_connect(exc)
        if refused is not None:
            await self._drop_pool()
            return SourceState.DOWN, refused
        return None

    def _describe_connect(self, exc: BaseException) -> str:
        if isinstance(exc, TimeoutError):
            return f"connect timeout after {self.cfg.connect_timeout:g}s"
        if isinstance(exc, ConnectionRefusedError):
            return "connection refused"
        if isinstance(exc, socket.gaierror):
            return f"DNS: {exc.strerror or exc}"
        if isinstance(exc, OSError) and "Multiple exceptions" in str(exc):
            return "connection refused"
        return self._clean(_one_line(str(exc)) or type(exc).__name__)

    async def _drop_pool(self) -> None:
        """Forget the pool; a closed or broken one is terminated rather than waited for."""
        pool, self.pool = self.pool, None
        if pool is None:
            return
        try:
            async with asyncio.timeout(self.cfg.connect_timeout):
                await pool.close()
        except Exception:  # noqa: BLE001 - the server is gone or slow; sockets are simply closed
            pool.terminate()
