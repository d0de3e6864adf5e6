"""The SQLite schema, as an ordered list of versioned migrations (the schema is a public contract).

A migration is never edited once released: a change to the schema is a new entry at the end. At
open, :func:`migrate` takes the write lock (``BEGIN IMMEDIATE``) before it reads the version, so of
two processes starting together one migrates and the other then finds nothing to do; all pending
migrations commit together or not at all. Each migration is a tuple of single statements, not a
script, because ``executescript`` would commit the open transaction first.

Times are unix seconds (REAL); labels and payloads are JSON text.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

EVENT_KINDS_V4 = (
    "'triggered', 'acknowledged', 'note', 'milestone', 'escalated', 'alert_cleared', 'alert_refired', "
    "'resolved', 'reopened', 'snoozed', 'ack_timeout', 'reminder', 'severity_changed'"
)
"""The timeline's kinds from version 4 on (both backends): acknowledgement timeouts, reminders, severity changes."""
EVENT_KINDS_V6 = f"{EVENT_KINDS_V4}, 'unacknowledged', 'reassigned'"
"""From version 6 on: an acknowledgement taken back by hand, an incident reassigned to a person."""


OVERRIDES_V6 = """CREATE TABLE overrides (
    id {id},
    who TEXT NOT NULL,
    covers TEXT NOT NULL,
    starts_at {time} NOT NULL,
    ends_at {time} NOT NULL CHECK (ends_at > starts_at),
    created_at {time} NOT NULL,
    created_by TEXT NOT NULL,
    host TEXT NOT NULL,
    ended_at {time},
    ended_by TEXT
)"""
"""An on-call override (version 6, both backends): ``who`` takes ``covers``'s place from ``starts_at`` to
``ends_at`` (ended early: ``ended_at``)."""


COMPONENT_STATUSES = "'operational', 'under maintenance', 'degraded performance', 'partial outage', 'major outage'"
"""A status page component's statuses (Statuspage's five), as stored by an override from version 9 on."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "incidents, incident timeline, silences, notification outbox, checklist ticks",
        (
            """CREATE TABLE incidents (
                id INTEGER PRIMARY KEY,
                fingerprint TEXT NOT NULL,
                rule TEXT NOT NULL,
                title TEXT NOT NULL,
                severity TEXT NOT NULL CHECK (severity IN ('P0', 'P1', 'P2', 'P3')),
                state TEXT NOT NULL CHECK (state IN ('triggered', 'acknowledged', 'resolved')),
                opened_at REAL NOT NULL,
                triggered_at REAL NOT NULL,
                acknowledged_at REAL,
                acknowledged_by TEXT,
                resolved_at REAL,
                resolved_by TEXT,
                escalation_level INTEGER NOT NULL DEFAULT 0,
                last_escalated_at REAL,
                alert_state TEXT NOT NULL CHECK (alert_state IN ('firing', 'cleared')),
                alert_cleared_at REAL,
                runbook TEXT,
                metric TEXT,
                summary TEXT NOT NULL DEFAULT '',
                labels TEXT NOT NULL DEFAULT '{}',
                reopened INTEGER NOT NULL DEFAULT 0,
                revision INTEGER NOT NULL DEFAULT 0
            )""",
            "CREATE INDEX incidents_fingerprint ON incidents (fingerprint, opened_at)",
            # One open incident per alert, even with two consoles evaluating the same rules.
            "CREATE UNIQUE INDEX incidents_open ON incidents (fingerprint) WHERE state != 'resolved'",
            """CREATE TABLE incident_events (
                id INTEGER PRIMARY KEY,
                incident_id INTEGER NOT NULL REFERENCES incidents (id),
                at REAL NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('triggered', 'acknowledged', 'note', 'milestone',
                    'escalated', 'alert_cleared', 'alert_refired', 'resolved', 'reopened', 'snoozed')),
                milestone TEXT,
                actor TEXT NOT NULL,
                host TEXT NOT NULL,
                text TEXT NOT NULL DEFAULT ''
            )""",
            "CREATE INDEX incident_events_incident ON incident_events (incident_id, at)",
            """CREATE TABLE silences (
                id INTEGER PRIMARY KEY,
                matcher TEXT NOT NULL,
                created_at REAL NOT NULL,
                until REAL NOT NULL,
                reason TEXT NOT NULL DEFAULT '',
                created_by TEXT NOT NULL,
                host TEXT NOT NULL,
                ended_at REAL,
                ended_by TEXT,
                end_reason TEXT CHECK (end_reason IN ('expired', 'cancelled')),
                suppressed INTEGER NOT NULL DEFAULT 0
            )""",
            "CREATE INDEX silences_active ON silences (matcher) WHERE ended_at IS NULL",
            """CREATE TABLE notifications (
                id INTEGER PRIMARY KEY,
                channel TEXT NOT NULL,
                payload TEXT NOT NULL,
                created_at REAL NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at REAL,
                delivered_at REAL,
                last_error TEXT
            )""",
            "CREATE INDEX notifications_pending ON notifications (next_attempt_at) WHERE delivered_at IS NULL",
            """CREATE TABLE checklist_ticks (
                id INTEGER PRIMARY KEY,
                task_id TEXT NOT NULL,
                period_start REAL NOT NULL,
                at REAL NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('done', 'skip', 'note', 'undo')),
                actor TEXT NOT NULL,
                host TEXT NOT NULL,
                value TEXT,
                note TEXT,
                undoes INTEGER REFERENCES checklist_ticks (id)
            )""",
            "CREATE INDEX checklist_ticks_task ON checklist_ticks (task_id, at)",
            "CREATE INDEX checklist_ticks_at ON checklist_ticks (at)",
            "CREATE INDEX checklist_ticks_actor ON checklist_ticks (actor, at)",
            "CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
        ),
    ),
    Migration(
        2,
        "change feed: every write to incidents, timelines, silences and ticks gets a sequence number",
        (
            # Triggers, not code in each write, so that no write path can forget to announce itself.
            # ``ref`` is the incident for timeline events (what a screen has to reload).
            """CREATE TABLE changes (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                kind TEXT NOT NULL,
                ref INTEGER NOT NULL
            )""",
            *(
                f"CREATE TRIGGER changes_{table}_{op.lower()} AFTER {op} ON {table} "
                f"BEGIN INSERT INTO changes (kind, ref) VALUES ('{kind}', NEW.{ref}); END"
                for table, kind, ref in (
                    ("incidents", "incident", "id"),
                    ("incident_events", "event", "incident_id"),
                    ("silences", "silence", "id"),
                    ("checklist_ticks", "tick", "id"),
                )
                for op in ("INSERT", "UPDATE")
            ),
        ),
    ),
    Migration(
        3,
        "notification outbox: idempotency key, incident, delivery state, claim, last attempt",
        (
            "ALTER TABLE notifications ADD COLUMN key TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE notifications ADD COLUMN incident_id INTEGER",
            "ALTER TABLE notifications ADD COLUMN state TEXT NOT NULL DEFAULT 'pending' "
            "CHECK (state IN ('pending', 'delivered', 'failed', 'superseded'))",
            "ALTER TABLE notifications ADD COLUMN claimed_until REAL",
            "ALTER TABLE notifications ADD COLUMN last_attempt_at REAL",
            "UPDATE notifications SET key = lower(hex(randomblob(16))), "
            "incident_id = CAST(json_extract(payload, '$.incident_id') AS INTEGER), "
            "state = CASE WHEN delivered_at IS NOT NULL THEN 'delivered' "
            "WHEN next_attempt_at IS NULL THEN 'failed' ELSE 'pending' END",
            # The claim's "oldest pending row of its incident" looks here.
            "CREATE INDEX notifications_queue ON notifications (channel, incident_id, id) WHERE state = 'pending'",
        ),
    ),
    Migration(
        4,
        "timeline kinds: acknowledgement timeout, reminder, severity changed",
        (
            # SQLite cannot change a CHECK in place: the table is rebuilt (ids kept) with its index and triggers.
            f"""CREATE TABLE incident_events_v4 (
                id INTEGER PRIMARY KEY,
                incident_id INTEGER NOT NULL REFERENCES incidents (id),
                at REAL NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ({EVENT_KINDS_V4})),
                milestone TEXT,
                actor TEXT NOT NULL,
                host TEXT NOT NULL,
                text TEXT NOT NULL DEFAULT ''
            )""",
            "INSERT INTO incident_events_v4 (id, incident_id, at, kind, milestone, actor, host, text) "
            "SELECT id, incident_id, at, kind, milestone, actor, host, text FROM incident_events",
            "DROP TABLE incident_events",
            "ALTER TABLE incident_events_v4 RENAME TO incident_events",
            "CREATE INDEX incident_events_incident ON incident_events (incident_id, at)",
            *(
                f"CREATE TRIGGER changes_incident_events_{op.lower()} AFTER {op} ON incident_events "
                "BEGIN INSERT INTO changes (kind, ref) VALUES ('event', NEW.incident_id); END"
                for op in ("INSERT", "UPDATE")
            ),
        ),
    ),
    Migration(
        5,
        "silences with label matchers and a start (Alertmanager's silences for opstui's own rules)",
        (
            "ALTER TABLE silences ADD COLUMN starts_at REAL",
            "ALTER TABLE silences ADD COLUMN matchers TEXT NOT NULL DEFAULT '[]'",
        ),
    ),
    Migration(
        6,
        "routing: unacknowledge and reassign on the timeline, an incident's assignee, on-call overrides",
        (
            f"""CREATE TABLE incident_events_v6 (
                id INTEGER PRIMARY KEY,
                incident_id INTEGER NOT NULL REFERENCES incidents (id),
                at REAL NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ({EVENT_KINDS_V6})),
                milestone TEXT,
                actor TEXT NOT NULL,
                host TEXT NOT NULL,
                text TEXT NOT NULL DEFAULT ''
            )""",
            "INSERT INTO incident_events_v6 (id, incident_id, at, kind, milestone, actor, host, text) "
            "SELECT id, incident_id, at, kind, milestone, actor, host, text FROM incident_events",
            "DROP TABLE incident_events",
            "ALTER TABLE incident_events_v6 RENAME TO incident_events",
            "CREATE INDEX incident_events_incident ON incident_events (incident_id, at)",
            *(
                f"CREATE TRIGGER changes_incident_events_{op.lower()} AFTER {op} ON incident_events "
                "BEGIN INSERT INTO changes (kind, ref) VALUES ('event', NEW.incident_id); END"
                for op in ("INSERT", "UPDATE")
            ),
            "ALTER TABLE incidents ADD COLUMN assignee TEXT",
            OVERRIDES_V6.format(id="INTEGER PRIMARY KEY", time="REAL"),
            "CREATE INDEX overrides_end ON overrides (ends_at)",
            *(
                f"CREATE TRIGGER changes_overrides_{op.lower()} AFTER {op} ON overrides "
                "BEGIN INSERT INTO changes (kind, ref) VALUES ('override', NEW.id); END"
                for op in ("INSERT", "UPDATE")
            ),
        ),
    ),
    Migration(
        7,
        "recorded check results ('opstui check --record'): uptime when no console runs",
        (
            # One row per source per run; ``run`` groups a run's rows (a component is up in a run when all its
            # sources were), ``up`` is the health check's verdict (up or degraded: 1).
            """CREATE TABLE check_results (
                id INTEGER PRIMARY KEY,
                run TEXT NOT NULL,
                at REAL NOT NULL,
                source TEXT NOT NULL,
                kind TEXT NOT NULL,
                state TEXT NOT NULL,
                up INTEGER NOT NULL CHECK (up IN (0, 1)),
                latency_ms REAL,
                reason TEXT NOT NULL DEFAULT '',
                host TEXT NOT NULL
            )""",
            "CREATE INDEX check_results_source ON check_results (source, at)",
            "CREATE INDEX check_results_at ON check_results (at)",
        ),
    ),
    Migration(
        8,
        "incidents merged into another (the pointer a merged incident keeps)",
        ("ALTER TABLE incidents ADD COLUMN merged_into INTEGER",),
    ),
    Migration(
        9,
        "status page component overrides: a status set by a person, with a reason and an optional end",
        (
            f"""CREATE TABLE component_overrides (
                id INTEGER PRIMARY KEY,
                component TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ({COMPONENT_STATUSES})),
                reason TEXT NOT NULL,
                set_by TEXT NOT NULL,
                host TEXT NOT NULL,
                set_at REAL NOT NULL,
                until REAL,
                cleared_at REAL,
                cleared_by TEXT
            )""",
            "CREATE INDEX component_overrides_active ON component_overrides (component) WHERE cleared_at IS NULL",
            *(
                f"CREATE TRIGGER changes_component_overrides_{op.lower()} AFTER {op} ON component_overrides "
                "BEGIN INSERT INTO changes (kind, ref) VALUES ('component_override', NEW.id); END"
                for op in ("INSERT", "UPDATE")
            ),
        ),
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version

_RENAMED = {
    match.group(1)
    for migration in MIGRATIONS
    for statement in migration.statements
    if (match := re.match(r"ALTER TABLE (\w+) RENAME TO", statement))
}
TABLES = (
    frozenset(
        re.match(r"CREATE TABLE (\w+)", statement).group(1)  # type: ignore[union-attr]
        for migration in MIGRATIONS
        for statement in migration.statements
        if statement.startswith("CREATE TABLE ")
    )
    - _RENAMED
) | {"schema_version"}
"""Every table the migrations create: a store missing one is damaged, not merely old."""


class NewerSchemaError(Exception):
    """The store was written by a newer opstui; this one must not touch it."""


SCHEMA_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_version ("
    "version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at {time} NOT NULL)"
)
"""Where a store records the migrations applied (both backends; ``{time}``: the dialect's unix-seconds type)."""
CURRENT_VERSION = "SELECT COALESCE(MAX(version), 0) FROM schema_version"
RECORD_VERSION = "INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)"


def pending(migrations: Sequence[Migration], current: int) -> list[Migration]:
    """The migrations a store at version ``current`` still needs, in order (both backends decide it here).

    Raises :class:`NewerSchemaError` for a store from a newer opstui, before anything is applied.
    """
    latest = migrations[-1].version
    if current > latest:
        raise NewerSchemaError(
            f"its schema is version {current}, newer than this opstui knows ({latest}); upgrade opstui"
        )
    return [migration for migration in migrations if migration.version > current]


def migrate(conn: sqlite3.Connection, now: float) -> int:
    """Apply the pending migrations in one transaction; returns the schema version afterwards.

    ``conn`` must be in autocommit mode (``isolation_level=None``) so this function owns the
    transaction. Raises :class:`NewerSchemaError` for a store from a newer opstui.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(SCHEMA_VERSION_TABLE.format(time="REAL"))
        (current,) = conn.execute(CURRENT_VERSION).fetchone()
        for migration in pending(MIGRATIONS, current):
            for statement in migration.statements:
                conn.execute(statement)
            conn.execute(RECORD_VERSION, (migration.version, migration.description, now))
            current = migration.version
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return int(current)
