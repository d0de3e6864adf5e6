"""The audit trail: every action on the shared state, who did it, when and from which host.

Nothing new is recorded for it: incident timeline events, checklist ticks (undo rows included), silences and
on-call and status page overrides already carry actor, time and host, and are never deleted, so the audit is a
read over them. Pages that
failed, are failing, were superseded or needed more than one attempt come from the outbox (kept 7 days once
finished), under the actor ``opstui``. The same query
serves SQLite and PostgreSQL; only the placeholder differs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, tzinfo
from typing import Any

AUDIT_LIMIT = 10_000
"""Most entries one read returns (the newest are kept): a 30-day --since cannot exhaust memory."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One action: ``action`` is e.g. ``incident acknowledged``, ``tick done``, ``snooze``."""

    at: float
    actor: str
    host: str
    action: str
    subject: str
    """What it was done to: ``incident #12``, a task id, a silence's matcher."""
    text: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def audit_sql(param: str) -> str:
    """The audit query with ``param`` as the placeholder for ``since`` (``:since`` or ``$1``), newest last."""
    return f"""
        SELECT * FROM (
            SELECT at, actor, host, 'incident ' || kind AS action, 'incident #' || incident_id AS subject,
                   COALESCE(milestone || ': ', '') || text AS text, id
              FROM incident_events WHERE at >= {param}
            UNION ALL
            SELECT at, actor, host, 'tick ' || kind, task_id, COALESCE(value, note, ''), id
              FROM checklist_ticks WHERE at >= {param}
            UNION ALL
            SELECT created_at, created_by, host, 'snooze', matcher, reason, id
              FROM silences WHERE created_at >= {param}
            UNION ALL
            SELECT ended_at, ended_by, '', 'unsnooze', matcher, '', id
              FROM silences WHERE end_reason = 'cancelled' AND ended_at >= {param}
            UNION ALL
            SELECT created_at, created_by, host, 'on-call override', covers, who || ' covers ' || covers, id
              FROM overrides WHERE created_at >= {param}
            UNION ALL
            SELECT ended_at, ended_by, '', 'on-call override ended', covers, who || ' covers ' || covers, id
              FROM overrides WHERE ended_at IS NOT NULL AND ended_at >= {param}
            UNION ALL
            SELECT set_at, set_by, host, 'component override', component, status || ': ' || reason, id
              FROM component_overrides WHERE set_at >= {param}
            UNION ALL
            SELECT cleared_at, cleared_by, '', 'component override cleared', component, status, id
              FROM component_overrides WHERE cleared_at IS NOT NULL AND cleared_at >= {param}
            UNION ALL
            SELECT COALESCE(last_attempt_at, created_at), 'opstui', '',
                   'page ' || CASE WHEN state = 'pending' THEN 'failing' ELSE state END,
                   COALESCE('incident #' || incident_id, 'no incident'),
                   channel || ', ' || attempts || ' attempts'
                   || CASE WHEN state != 'superseded' THEN ''
                           WHEN delivered_at IS NULL THEN ', not sent' ELSE ', sent as current' END
                   || COALESCE(': ' || last_error, ''), id
              FROM notifications
             WHERE channel != 'incident' AND COALESCE(last_attempt_at, created_at) >= {param}
               AND (state IN ('failed', 'superseded') OR (state = 'pending' AND attempts > 0)
                    OR (state = 'delivered' AND attempts > 1))
            ORDER BY at DESC, id DESC LIMIT {AUDIT_LIMIT}
        ) AS recent ORDER BY at, id
    """


def entry(row: Mapping[str, Any]) -> AuditEntry:
    return AuditEntry(
        at=float(row["at"]),
        actor=str(row["actor"] or ""),
        host=str(row["host"] or ""),
        action=str(row["action"]),
        subject=str(row["subject"]),
        text=str(row["text"] or ""),
    )


def format_entry(item: AuditEntry, zone: tzinfo | None = None) -> str:
    """One line for ``opstui audit``: time, who@host, what, to what, and the text."""
    when = datetime.fromtimestamp(item.at, zone).strftime("%Y-%m-%d %H:%M:%S")
    who = f"{item.actor}@{item.host}" if item.host else item.actor
    line = f"{when}  {who:<24} {item.action:<24} {item.subject}"
    return f"{line}  {item.text}" if item.text else line
