"""The ops event format a websocket source understands, and its parser.

One message is one JSON object or a JSON array of them; ``ts`` (unix seconds) is optional and
defaults to the time of receipt::

    {"type": "request", "route": "/api/payments", "method": "POST", "status": 502, "duration_ms": 312.5}
    {"type": "payment", "status": "succeeded" | "failed", "amount": 49.90}
    {"type": "metric", "name": "queue_length", "value": 17}
    {"type": "deploy", "version": "v1.4.2"}
    {"type": "error", "level": "critical", "message": "..."}
    {"type": "web_vital", "name": "LCP", "value": 2140, "page": "/checkout"}
    {"type": "business", "name": "donation", "value": 25.0, "labels": {"campaign": "winter"}}
    {"type": "audit", "actor": "ana@shop", "action": "refund issued", "subject": "order 1042"}

Anything else is counted (unknown type, malformed) and never raised to the caller. An event is a flat
object (a field holding an object or a list is malformed; the one exception is a ``business`` event's
``labels``, a flat object of at most :data:`MAX_LABELS` short names to text), a message holds at most :data:`MAX_EVENTS`
events, and text is cut and passed through :func:`~opstui.sanitize.clean`. Timestamps and values are then
checked at the border (:mod:`opstui.sources.border`) by the source that received them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from opstui.sanitize import clean


@dataclass(slots=True)
class RequestEvent:
    ts: float
    status: int
    duration_ms: float
    route: str = ""
    method: str = ""


@dataclass(slots=True)
class PaymentEvent:
    ts: float
    succeeded: bool
    amount: float = 0.0


@dataclass(slots=True)
class MetricEvent:
    ts: float
    name: str
    value: float


@dataclass(slots=True)
class DeployEvent:
    ts: float
    version: str


@dataclass(slots=True)
class ErrorEvent:
    ts: float
    level: str
    message: str


@dataclass(slots=True)
class WebVitalEvent:
    """One Core Web Vitals measurement from a browser: ``value`` in ms (CLS: unitless), ``page`` as sent."""

    ts: float
    name: str
    """One of :data:`VITALS` (upper case)."""
    value: float
    page: str


@dataclass(slots=True)
class BusinessEvent:
    """A product event (a signup, a donation and its amount, a registration), counted per window."""

    ts: float
    name: str
    value: float | None = None
    labels: tuple[tuple[str, str], ...] = ()
    """At most :data:`MAX_LABELS` (name, text) pairs, sorted by name."""


@dataclass(slots=True)
class AuditEvent:
    """An admin action in the service (who did what to what), listed on the Audit screen's service pane."""

    ts: float
    actor: str
    action: str
    subject: str = ""


Event = (
    RequestEvent | PaymentEvent | MetricEvent | DeployEvent | ErrorEvent | WebVitalEvent | BusinessEvent | AuditEvent
)


@dataclass(slots=True)
class ParseResult:
    """What one message held: the good events, and counts of what was not understood."""

    events: list[Event] = field(default_factory=list)
    unknown: int = 0
    """Objects with a ``type`` this console does not know."""
    malformed: int = 0
    """Messages that were not JSON, or objects missing / mistyping a required field."""
    last_problem: str = ""
    """A one-line description of the most recent malformed or unknown input, for the screen."""


MAX_TEXT = 200
VITALS = ("LCP", "INP", "CLS", "TTFB", "FCP")
"""The web vitals a ``web_vital`` event may name (any case is read; kept upper case)."""
MAX_NAME = 64
"""Longest business event name (``[A-Za-z0-9_.:-]``: it becomes a label value in rules)."""
MAX_LABELS = 8
"""Labels one business event may carry; names up to 40 characters, values up to :data:`MAX_LABEL_VALUE`."""
MAX_LABEL_VALUE = 64
_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}")
MAX_EVENTS = 100_000
"""Events one message may carry; the rest of a bigger array is counted malformed."""


def parse_message(raw: str | bytes, received_at: float) -> ParseResult:
    """Parse one websocket message into events; never raises."""
    result = ParseResult()
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        result.malformed += 1
        result.last_problem = clean(f"not JSON: {exc}"[:MAX_TEXT])
        return result
    except RecursionError:
        result.malformed += 1
        result.last_problem = "not JSON: nested too deeply"
        return result
    items = doc if isinstance(doc, list) else [doc]
    if len(items) > MAX_EVENTS:
        result.malformed += len(items) - MAX_EVENTS
        result.last_problem = f"more than {MAX_EVENTS:,} events in one message"
        items = items[:MAX_EVENTS]
    for item in items:
        _parse_one(item, received_at, result)
    return result


def _num(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError
    try:
        f = float(value)
    except OverflowError:  # a 400-digit integer
        raise TypeError from None
    if f != f or f in (float("inf"), float("-inf")):
        raise TypeError
    return f


def _text(value: object, limit: int = MAX_TEXT) -> str:
    """A text field: a scalar (never an object or list: events are flat), cut to ``limit`` and cleaned."""
    if isinstance(value, dict | list):
        raise TypeError
    return clean(str(value)[:limit])


def _labels(value: object) -> tuple[tuple[str, str], ...]:
    """A business event's labels: a flat object of at most :data:`MAX_LABELS` names to scalars, else TypeError."""
    if value is None:
        return ()
    if not isinstance(value, dict) or len(value) > MAX_LABELS:
        raise TypeError
    pairs = []
    for key, text in value.items():
        if not _LABEL.fullmatch(key) or key == "name" or text is None:
            raise TypeError
        pairs.append((key, _text(text, MAX_LABEL_VALUE)))
    return tuple(sorted(pairs))


def _parse_one(item: object, received_at: float, result: ParseResult) -> None:
    if not isinstance(item, dict):
        result.malformed += 1
        result.last_problem = "an event must be a JSON object"
        return
    kind = item.get("type")
    try:
        ts = _num(item["ts"]) if "ts" in item and item["ts"] is not None else received_at
        if kind == "request":
            status = item["status"]
            if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
                raise TypeError
            result.events.append(
                RequestEvent(
                    ts,
                    status,
                    _num(item["duration_ms"]),
                    _text(item.get("route", "")),
                    _text(item.get("method", ""), 16),
                )
            )
        elif kind == "payment":
            status = item["status"]
            if status not in ("succeeded", "failed"):
                raise TypeError
            amount = _num(item["amount"]) if item.get("amount") is not None else 0.0
            result.events.append(PaymentEvent(ts, status == "succeeded", amount))
        elif kind == "metric":
            name = item["name"]
            if not isinstance(name, str) or not name:
                raise TypeError
            result.events.append(MetricEvent(ts, _text(name), _num(item["value"])))
        elif kind == "deploy":
            result.events.append(DeployEvent(ts, _text(item["version"])))
        elif kind == "error":
            result.events.append(
                ErrorEvent(ts, _text(item.get("level", "error"), 32), _text(item.get("message", ""), MAX_TEXT * 2))
            )
        elif kind == "web_vital":
            name = item["name"]
            if not isinstance(name, str) or name.upper() not in VITALS:
                raise TypeError
            page = item.get("page", "")
            result.events.append(WebVitalEvent(ts, name.upper(), _num(item["value"]), _text(page)))
        elif kind == "business":
            name = item["name"]
            if not isinstance(name, str) or not _NAME.fullmatch(name):
                raise TypeError
            value = _num(item["value"]) if item.get("value") is not None else None
            result.events.append(BusinessEvent(ts, name, value, _labels(item.get("labels"))))
        elif kind == "audit":
            actor, action = _text(item["actor"], 100), _text(item["action"], 100)
            if not actor or not action:
                raise TypeError
            result.events.append(AuditEvent(ts, actor, action, _text(item.get("subject", ""))))
        else:
            result.unknown += 1
            result.last_problem = f"unknown event type {_text(kind, 40)!r}"
    except (KeyError, TypeError, ValueError) as exc:
        result.malformed += 1
        missing = f"missing {exc.args[0]!r}" if isinstance(exc, KeyError) else "a field has the wrong type"
        result.last_problem = _text(f"{kind} event: {missing}")
