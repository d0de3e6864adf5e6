"""The state store's SQL, written once for both backends with ``?`` placeholders.

SQLite runs these statements as they are; PostgreSQL runs them through :func:`numbered`, which turns each
``?`` into ``$1, $2 ...`` in order, so no placeholder is counted by hand and the two backends cannot drift
apart. What only one backend can say (PostgreSQL's ``RETURNING id``, its advisory locks, its claim with
``UPDATE ... FROM``) is added where that backend runs the statement. The notification outbox's statements
are in :mod:`opstui.state.outbox_sql`; the column lists are in :mod:`opstui.state.rows`.
"""

from __future__ import annotations

from opstui.state.outbox_sql import OUTBOX_COLUMNS
from opstui.state.rows import (
    COMPONENT_OVERRIDE_COLUMNS,
    EVENT_COLUMNS,
    INCIDENT_COLUMNS,
    OVERRIDE_COLUMNS,
    SILENCE_COLUMNS,
    TICK_COLUMNS,
)


def numbered(statement: str) -> str:
    """``?`` placeholders as PostgreSQL's ``$1, $2 ...``, in order (no statement here quotes a ``?``)."""
    parts = statement.split("?")
    return "".join(part + (f"${n}" if n < len(parts) else "") for n, part in enumerate(parts, start=1))


def _insert(table: str, columns: tuple[str, ...], extra: str = "", extra_value: str = "") -> str:
    names = ", ".join(columns) + (f", {extra}" if extra else "")
    marks = ", ".join("?" * len(columns)) + (f", {extra_value}" if extra else "")
    return f"INSERT INTO {table} ({names}) VALUES ({marks})"


# Incidents and their timelines ------------------------------------------------------------------------

INSERT_INCIDENT = _insert("incidents", INCIDENT_COLUMNS, "revision", "0")
UPDATE_INCIDENT = (
    f"UPDATE incidents SET {', '.join(f'{column} = ?' for column in INCIDENT_COLUMNS)}, revision = revision + 1 "
    "WHERE id = ? AND revision = ?"
)
"""Only from the revision it was read at: of two consoles changing one incident, one matches no row."""
INCIDENT = "SELECT * FROM incidents WHERE id = ?"
LATEST_INCIDENT = "SELECT * FROM incidents WHERE fingerprint = ? ORDER BY opened_at DESC, id DESC LIMIT 1"
MERGED_INTO = "SELECT * FROM incidents WHERE merged_into = ? ORDER BY id"
OPEN_INCIDENTS = "SELECT * FROM incidents WHERE state != 'resolved' ORDER BY id"
RECENT_INCIDENTS = "SELECT * FROM incidents ORDER BY opened_at DESC, id DESC LIMIT ?"
INSERT_EVENT = _insert("incident_events", EVENT_COLUMNS)
EVENTS = "SELECT * FROM incident_events WHERE incident_id = ? ORDER BY at, id"

# Silences -----------------------------------------------------------------------------------------------

INSERT_SILENCE = _insert("silences", SILENCE_COLUMNS)
ACTIVE_SILENCES = (
    "SELECT * FROM silences WHERE ended_at IS NULL AND until > ? AND COALESCE(starts_at, created_at) <= ? "
    "ORDER BY until DESC, id"
)
"""In force: started (a silence may be scheduled ahead) and not over. Parameters: now, now."""
SILENCES_SINCE = (
    "SELECT * FROM silences WHERE ended_at IS NULL OR ended_at >= ? "
    "ORDER BY CASE WHEN ended_at IS NULL THEN 0 ELSE 1 END, COALESCE(starts_at, created_at), id"
)
"""Not over, and over at or after the parameter: those not over first, then by start."""
END_SILENCE = (
    "UPDATE silences SET ended_at = ?, ended_by = ?, end_reason = 'cancelled' WHERE id = ? AND ended_at IS NULL "
    "AND until > ?"
)
"""Expire one early. Parameters: at, by, id, at."""
END_SILENCES = (
    "UPDATE silences SET ended_at = ?, ended_by = ?, end_reason = 'cancelled' "
    "WHERE matcher = ? AND ended_at IS NULL AND until > ?"
)
"""Parameters: at, by, matcher, at."""
EXPIRE_SILENCES = "UPDATE silences SET ended_at = until, end_reason = 'expired' WHERE ended_at IS NULL AND until <= ?"
COUNT_SUPPRESSED = "UPDATE silences SET suppressed = suppressed + 1 WHERE id = ?"

# On-call overrides ---------------------------------------------------------------------------------------

INSERT_OVERRIDE = _insert("overrides", OVERRIDE_COLUMNS)
OVERRIDES_FROM = "SELECT * FROM overrides WHERE ended_at IS NULL AND ends_at > ? ORDER BY starts_at, id"
"""Overrides in force or to come at the parameter (not ended early, not over)."""
END_OVERRIDE = "UPDATE overrides SET ended_at = ?, ended_by = ? WHERE id = ? AND ended_at IS NULL AND ends_at > ?"
"""End one early. Parameters: at, by, id, at."""

# The notification outbox (the delivery rules' statements are in outbox_sql) --------------------------------

INSERT_NOTIFICATION = f"INSERT INTO notifications ({OUTBOX_COLUMNS}) VALUES ({', '.join('?' * 6)})"
UNDELIVERED = "SELECT COUNT(*) FROM notifications WHERE delivered_at IS NULL"
DROP_OLDEST = (
    "DELETE FROM notifications WHERE id IN "
    "(SELECT id FROM notifications WHERE delivered_at IS NULL ORDER BY id LIMIT ?)"
)
COUNT_DROPPED = (
    "INSERT INTO counters (name, value) VALUES ('outbox_dropped', ?) "
    "ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value"
)
OUTBOX_DROPPED = "SELECT COALESCE(MAX(value), 0) FROM counters WHERE name = 'outbox_dropped'"
PENDING = (
    "SELECT * FROM notifications WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?"
)
NOTIFICATIONS = "SELECT * FROM notifications ORDER BY id DESC LIMIT ?"
PENDING_COUNT = "SELECT COUNT(*) FROM notifications WHERE state = 'pending'"

# Checklist ticks ----------------------------------------------------------------------------------------

EFFECTIVE_TICK = "kind != 'undo' AND id NOT IN (SELECT undoes FROM checklist_ticks WHERE undoes IS NOT NULL)"
"""A tick that counts: not an undo, and not undone."""
INSERT_TICK = _insert("checklist_ticks", TICK_COLUMNS)
FIRST_CLOSING_TICK = (
    "SELECT * FROM checklist_ticks WHERE task_id = ? AND period_start = ? AND kind IN ('done', 'skip') "
    f"AND {EFFECTIVE_TICK} ORDER BY id LIMIT 1"
)
"""The DONE or SKIP that closed a task's period, if one counts: at most one may (see ``add_tick``)."""
TICKS_SINCE = f"SELECT * FROM checklist_ticks WHERE at >= ? AND {EFFECTIVE_TICK} ORDER BY at, id"
LAST_TICK = f"SELECT * FROM checklist_ticks WHERE task_id = ? AND {EFFECTIVE_TICK} ORDER BY at DESC, id DESC LIMIT 1"
LAST_OWN_TICK = f"SELECT * FROM checklist_ticks WHERE actor = ? AND {EFFECTIVE_TICK} ORDER BY at DESC, id DESC LIMIT 1"

# The change feed --------------------------------------------------------------------------------------------

LAST_CHANGE = "SELECT COALESCE(MAX(seq), 0) FROM changes"
CHANGES_SINCE = "SELECT seq, kind, ref FROM changes WHERE seq > ? ORDER BY seq LIMIT ?"


# Status page overrides ------------------------------------------------------------------------------

INSERT_COMPONENT_OVERRIDE = _insert("component_overrides", COMPONENT_OVERRIDE_COLUMNS)
CLEAR_COMPONENT_OVERRIDES = (
    "UPDATE component_overrides SET cleared_at = ?, cleared_by = ? WHERE component = ? AND cleared_at IS NULL"
)
COMPONENT_OVERRIDES = (
    "SELECT * FROM component_overrides WHERE cleared_at IS NULL AND set_at <= ? AND (until IS NULL OR until > ?) "
    "ORDER BY component, id"
)
"""In force: not cleared, started, not past its end. Parameters: now, now."""
