"""The database health pack: what an on-call engineer would otherwise type into psql.

``health: true`` on a ``postgres`` source adds these metrics (unlabelled, prefixed ``pg_``) so they
feed KPI tiles and alert rules like any other metric:

==============================  ==============================================================
``pg_connections``              client connections in use (all databases)
``pg_max_connections``          the server's ``max_connections``
``pg_connections_pct``          the two as a percentage: the seeds' "database connection pool usage"
``pg_longest_query_s``          age of the longest-running active statement (0 when none)
``pg_longest_transaction_s``    age of the oldest open transaction (idle in transaction included)
``pg_waiting_locks``            lock requests not yet granted
``pg_cache_hit_ratio``          buffer cache hits / reads in this database, in percent
``pg_database_size_bytes``      ``pg_database_size(current_database())``
``pg_replication_lag_s``        on a primary: the largest replay lag of its replicas; on a standby:
                                time since the last replayed transaction. Absent without replicas.
==============================  ==============================================================

and the table ``pg_slow_statements`` (the slowest statements by mean time) from
``pg_stat_statements`` when the extension is installed and loaded, else an empty table whose note
says what is missing and how to add it. The console's own backends (``application_name=opstui``)
are left out of the connection and longest-query figures' *query* side, so the console does not
report itself as the slow query.
"""

from __future__ import annotations

from dataclasses import dataclass

SLOW_STATEMENTS = "pg_slow_statements"
SLOW_STATEMENT_ROWS = 10


@dataclass(frozen=True, slots=True)
class HealthQuery:
    """One health metric: the SQL whose single value (NULL means 'none right now') it records."""

    metric: str
    sql: str


HEALTH_QUERIES: tuple[HealthQuery, ...] = (
    HealthQuery(
        "pg_connections",
        "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'",
    ),
    HealthQuery("pg_max_connections", "SELECT current_setting('max_connections')::int"),
    HealthQuery(
        "pg_connections_pct",
        "SELECT 100.0 * count(*) / current_setting('max_connections')::int"
        " FROM pg_stat_activity WHERE backend_type = 'client backend'",
    ),
    HealthQuery(
        "pg_longest_query_s",
        "SELECT COALESCE(EXTRACT(EPOCH FROM max(clock_timestamp() - query_start)), 0)"
        " FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid()"
        " AND backend_type = 'client backend' AND application_name <> 'opstui'",
    ),
    HealthQuery(
        "pg_longest_transaction_s",
        "SELECT COALESCE(EXTRACT(EPOCH FROM max(clock_timestamp() - xact_start)), 0)"
        " FROM pg_stat_activity WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid()"
        " AND backend_type = 'client backend' AND application_name <> 'opstui'",
    ),
    HealthQuery("pg_waiting_locks", "SELECT count(*) FROM pg_locks WHERE NOT granted"),
    HealthQuery(
        "pg_cache_hit_ratio",
        "SELECT 100.0 * blks_hit / NULLIF(blks_hit + blks_read, 0)"
        " FROM pg_stat_database WHERE datname = current_database()",
    ),
    HealthQuery("pg_database_size_bytes", "SELECT pg_database_size(current_database())"),
    HealthQuery(
        "pg_replication_lag_s",
        "SELECT CASE WHEN pg_is_in_recovery()"
        " THEN EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())"
        " ELSE (SELECT EXTRACT(EPOCH FROM max(replay_lag)) FROM pg_stat_replication) END",
    ),
)

HAS_PG_STAT_STATEMENTS = "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements')"

SLOW_STATEMENTS_SQL = f"""
SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 120) AS query,
       calls,
       round(mean_exec_time::numeric, 2) AS mean_ms,
       round(total_exec_time::numeric, 1) AS total_ms
FROM pg_stat_statements
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
ORDER BY mean_exec_time DESC
LIMIT {SLOW_STATEMENT_ROWS}
"""
SLOW_COLUMNS = ("query", "calls", "mean_ms", "total_ms")

NOTE_NOT_INSTALLED = (
    "pg_stat_statements is not installed in this database: slowest statements unavailable "
    "(CREATE EXTENSION pg_stat_statements, with it in shared_preload_libraries)"
)
NOTE_NOT_LOADED = (
    "pg_stat_statements is installed but not loaded: add it to shared_preload_libraries and restart "
    "the server to see the slowest statements"
)
