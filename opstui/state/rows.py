"""Rows <-> snapshots, once for both backends: the columns each record is written with, the values in that
order, and the snapshot a row (``sqlite3.Row`` or ``asyncpg.Record``, both mappings) reads back as.

A column added here is written and read by SQLite and PostgreSQL alike; the statements that use these
lists are in :mod:`opstui.state.sql`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from opstui.alerts.model import Severity
from opstui.incidents.matchers import from_json, to_json
from opstui.incidents.model import (
    AlertPhase,
    EventKind,
    Incident,
    IncidentEvent,
    IncidentState,
    Milestone,
    Override,
    Silence,
)
from opstui.state.protocol import ComponentOverride, Tick, TickKind

INCIDENT_COLUMNS: tuple[str, ...] = (
    "fingerprint",
    "rule",
    "title",
    "severity",
    "state",
    "opened_at",
    "triggered_at",
    "acknowledged_at",
    "acknowledged_by",
    "resolved_at",
    "resolved_by",
    "escalation_level",
    "last_escalated_at",
    "alert_state",
    "alert_cleared_at",
    "runbook",
    "metric",
    "summary",
    "labels",
    "reopened",
    "assignee",
    "merged_into",
)
"""What an incident is written with, in :func:`incident_values` order (``id`` and ``revision`` aside)."""
EVENT_COLUMNS: tuple[str, ...] = ("incident_id", "at", "kind", "milestone", "actor", "host", "text")
SILENCE_COLUMNS: tuple[str, ...] = (
    "matcher",
    "created_at",
    "until",
    "reason",
    "created_by",
    "host",
    "starts_at",
    "matchers",
)
OVERRIDE_COLUMNS: tuple[str, ...] = ("who", "covers", "starts_at", "ends_at", "created_at", "created_by", "host")
COMPONENT_OVERRIDE_COLUMNS: tuple[str, ...] = ("component", "status", "reason", "set_by", "host", "set_at", "until")
TICK_COLUMNS: tuple[str, ...] = ("task_id", "period_start", "at", "kind", "actor", "host", "value", "note", "undoes")


def incident_values(incident: Incident) -> tuple[object, ...]:
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
        incident.assignee,
        incident.merged_into,
    )


def event_values(event: IncidentEvent) -> tuple[object, ...]:
    return (event.incident_id, event.at, event.kind.value, event.milestone, event.actor, event.host, event.text)


def silence_values(silence: Silence) -> tuple[object, ...]:
    return (
        silence.matcher,
        silence.created_at,
        silence.until,
        silence.reason,
        silence.created_by,
        silence.host,
        silence.starts_at,
        to_json(silence.matchers),
    )


def override_values(override: Override) -> tuple[object, ...]:
    return (
        override.who,
        override.covers,
        override.starts_at,
        override.ends_at,
        override.created_at,
        override.created_by,
        override.host,
    )


def component_override_values(override: ComponentOverride) -> tuple[object, ...]:
    return (
        override.component,
        override.status,
        override.reason,
        override.set_by,
        override.host,
        override.set_at,
        override.until,
    )


def component_override(row: Mapping[str, Any]) -> ComponentOverride:
    return ComponentOverride(**dict(row))


def tick_values(tick: Tick) -> tuple[object, ...]:
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


def incident(row: Mapping[str, Any]) -> Incident:
    values = dict(row)
    values["severity"] = Severity(values["severity"])
    values["state"] = IncidentState(values["state"])
    values["alert_state"] = AlertPhase(values["alert_state"])
    values["labels"] = tuple(sorted(json.loads(values["labels"]).items()))
    return Incident(**values)


def event(row: Mapping[str, Any]) -> IncidentEvent:
    values = dict(row)
    values["kind"] = EventKind(values["kind"])
    values["milestone"] = None if values["milestone"] is None else Milestone(values["milestone"])
    return IncidentEvent(**values)


def silence(row: Mapping[str, Any]) -> Silence:
    values = dict(row)
    values["matchers"] = from_json(values.get("matchers"))
    return Silence(**values)


def override(row: Mapping[str, Any]) -> Override:
    return Override(**dict(row))


def tick(row: Mapping[str, Any]) -> Tick:
    return Tick(**{**dict(row), "kind": TickKind(row["kind"])})
