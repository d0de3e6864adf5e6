"""How a notification reads in Slack and in email.

The payload the incident core enqueues::

    {"incident_id": 12, "title": "Service Down", "severity": "P0", "state": "triggered",
     "event": "opened", "text": "api health check failing", "target": "primary", "at": 1790000000.0}

``event`` is what happened (``opened``, ``escalated``, ``resolved``, ...), ``state`` where the incident is
now, ``target`` the escalation step being paged, if any. Missing keys are tolerated: a notification with
a hole in it is still worth sending.
"""

from __future__ import annotations

from datetime import UTC, datetime

from opstui.notify.base import Notification

_MARKS = {"P0": "🔴", "P1": "🟠", "P2": "🟡", "P3": "🔵"}
_RESOLVED_MARK = "✅"


def _word(notification: Notification) -> str:
    """The verb a reader needs: ``escalated`` or ``reminder`` says more than the unchanged state ``triggered``."""
    event = str(notification.get("event") or "")
    if event in _SAYS_MORE:
        return _SAYS_MORE[event]
    return str(notification.get("state") or event or "update")


_SAYS_MORE = {
    "escalated": "escalated",
    "reminder": "reminder",
    "ack_timeout": "ack timed out",
    "unacknowledged": "unacknowledged",
    "reassigned": "reassigned",
}


def _flat(value: object) -> str:
    # Titles and texts end up in one-line places (a Slack line, an email Subject header).
    return " ".join(str(value).split())


def headline(notification: Notification) -> str:
    """``🔴 P0 TRIGGERED #12 Service Down — api health check failing (ack: opstui ack 12)``."""
    severity = str(notification.get("severity", "P?"))
    state = str(notification.get("state") or "")
    mark = _RESOLVED_MARK if state == "resolved" else _MARKS.get(severity, "⚪")
    incident = notification.get("incident_id")
    line = f"{mark} {severity} {_word(notification).upper()} #{incident} {_flat(notification.get('title', ''))}"
    text = _flat(notification.get("text") or "")
    if text:
        line += f" — {text}"
    target = notification.get("target")
    if target:
        line += f" [to {target} on-call]"
    if state == "triggered":
        line += f" (ack: opstui ack {incident})"
    return line


def subject(notification: Notification) -> str:
    """``[opstui] P0 triggered: Service Down (#12)``."""
    severity = notification.get("severity", "P?")
    title = _flat(notification.get("title", ""))
    return f"[opstui] {severity} {_word(notification)}: {title} (#{notification.get('incident_id')})"


def body(notification: Notification) -> str:
    """A plain-text email body: the headline, then the facts one per line."""
    at = notification.get("at")
    when = datetime.fromtimestamp(float(at), UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if at is not None else "-"
    facts = [
        ("Incident", f"#{notification.get('incident_id')} {_flat(notification.get('title', ''))}"),
        ("Severity", notification.get("severity", "-")),
        ("State", notification.get("state", "-")),
        ("Event", notification.get("event", "-")),
        ("Paging", notification.get("target") or "-"),
        ("At", when),
    ]
    lines = [headline(notification), ""]
    if notification.get("text"):
        lines += [str(notification["text"]), ""]
    if notification.get("idempotency_key"):
        facts.append(("Key", notification["idempotency_key"]))
    lines += [f"{label + ':':<10}{value}" for label, value in facts]
    lines += ["", "-- ", "sent by opstui"]
    return "\n".join(lines) + "\n"
