"""Alertmanager's API v2: its active alerts as opstui incidents, and acknowledgements as its silences.

:class:`AlertmanagerPoll` reads ``/api/v2/alerts`` every ``interval`` and hands the sink the whole set of
active alerts (silenced and inhibited ones included: an acknowledged alert is silenced and stays an
incident). The core reconciles that set with the open incidents (:mod:`opstui.alerts.external`): a new
alert opens an incident, an alert gone from the set (Alertmanager resolved it) resolves its incident.
Alertmanager down: no set is handed over, so nothing opens or resolves; the source shows down.

:class:`AlertmanagerOwner` is what the incident manager calls when an operator acknowledges or resolves
an incident that came from Alertmanager: acknowledging creates a silence on the alert's exact labels
(``createdBy`` the operator, comment ``acknowledged in opstui: NOTE``, for ``ack_silence``), so every other
tool and console sees it; resolving expires the silences opstui created for those labels.

An incident's fingerprint is ``alertmanager/<source>/<Alertmanager's fingerprint>``, and its labels are
the alert's labels except ``alertname`` (which is the incident's rule), so the exact label set is known
again from the incident alone (the ``ack`` command can silence without polling) and is checked against the
fingerprint before anything is silenced.

Labels and annotations are text from outside: they pass the one sanitiser (:func:`opstui.sanitize.clean`) and
are capped in length here, before anything stores or shows them.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from opstui.alerts.external import source_prefix
from opstui.alerts.model import AlertState, AlertTransition, Severity
from opstui.clock import Clock
from opstui.config.models import AlertmanagerSource
from opstui.incidents.model import Incident
from opstui.sanitize import clean
from opstui.sources.base import Sink, SourceState
from opstui.sources.http import PolledSource, describe_network_error, read_capped
from opstui.sources.prometheus import request_headers

MAX_RESPONSE_BYTES = 16 * 1_048_576
MAX_ALERTS = 5000
"""Alerts taken from one answer at most (the rest are counted in the status reason)."""
MAX_LABEL = 200
MAX_TEXT = 1000
ACK_COMMENT = "acknowledged in opstui"
"""Every silence opstui creates has a comment starting so; resolving expires only those."""
UNNAMED = "unnamed alert"
FNV_OFFSET = 14695981039346656037
FNV_PRIME = 1099511628211


class AlertmanagerError(Exception):
    """Alertmanager could not be asked (``unreachable``), or refused; the message is one line for the timeline."""

    def __init__(self, message: str, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


def bounded(text: object, limit: int) -> str:
    """Text from Alertmanager through the one sanitiser (controls made visible), at most ``limit`` long."""
    return clean(str(text)[:limit])


def am_fingerprint(labels: dict[str, str]) -> str:
    """Alertmanager's fingerprint of a label set (FNV-1a 64 over sorted names and values, 0xff separated)."""
    value = FNV_OFFSET
    for name in sorted(labels):
        for part in (name, labels[name]):
            for byte in part.encode() + b"\xff":
                value = ((value ^ byte) * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return f"{value:016x}"


def severity_of(labels: dict[str, str], cfg: AlertmanagerSource) -> Severity:
    """The severity label through the map; ``P0``..``P3`` as they are; anything else (or none) P2."""
    raw = labels.get(cfg.severity_label, "")
    if raw.upper() in Severity.__members__:
        return Severity(raw.upper())
    mapped = cfg.severity_map.get(raw) or cfg.severity_map.get(raw.lower())
    return Severity(mapped) if mapped else Severity.P2


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


class AlertmanagerApi:
    """The few API v2 calls opstui makes, with the source's auth headers, timeout and TLS client."""

    def __init__(self, cfg: AlertmanagerSource, client: httpx.AsyncClient) -> None:
        self.cfg = cfg
        self.client = client
        self.base = cfg.url.rstrip("/") + "/api/v2"
        self.headers = request_headers(cfg.headers, cfg.basic_auth, cfg.bearer_token)

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """One call's decoded JSON (None for an empty body); raises :class:`AlertmanagerError`."""
        try:
            async with (
                asyncio.timeout(self.cfg.timeout),
                self.client.stream(
                    method, self.base + path, headers=self.headers, timeout=self.cfg.timeout, **kwargs
                ) as response,
            ):
                body, too_big = await read_capped(response, MAX_RESPONSE_BYTES)
        except (httpx.TransportError, OSError, TimeoutError) as exc:
            raise AlertmanagerError(describe_network_error(exc, self.cfg.timeout), unreachable=True) from None
        if too_big:
            raise AlertmanagerError(f"answer larger than {MAX_RESPONSE_BYTES // 1_048_576} MiB")
        if not response.is_success:
            detail = bounded(body.decode("utf-8", "replace").strip(), 200)
            raise AlertmanagerError(f"HTTP {response.status_code}" + (f": {detail}" if detail else ""))
        if not body.strip():
            return None
        try:
            return json.loads(body)
        except ValueError:
            raise AlertmanagerError("malformed JSON") from None

    async def alerts(self) -> list[dict[str, Any]]:
        params: list[tuple[str, str]] = [("active", "true"), ("silenced", "true"), ("inhibited", "true")]
        params += [("filter", matcher) for matcher in self.cfg.filter]
        answer = await self.call("GET", "/alerts", params=params)
        if not isinstance(answer, list):
            raise AlertmanagerError("answer is not a list of alerts")
        return [a for a in answer if isinstance(a, dict)]

    async def create_silence(self, labels: dict[str, str], by: str, comment: str, start: float, end: float) -> str:
        matchers = [{"name": k, "value": v, "isRegex": False, "isEqual": True} for k, v in sorted(labels.items())]
        body = {"matchers": matchers, "startsAt": _iso(start), "endsAt": _iso(end), "createdBy": by, "comment": comment}
        answer = await self.call("POST", "/silences", json=body)
        if not isinstance(answer, dict) or not isinstance(answer.get("silenceID"), str):
            raise AlertmanagerError("no silenceID in the answer")
        return str(answer["silenceID"])

    async def silences(self) -> list[dict[str, Any]]:
        answer = await self.call("GET", "/silences")
        if not isinstance(answer, list):
            raise AlertmanagerError("answer is not a list of silences")
        return [s for s in answer if isinstance(s, dict)]

    async def expire(self, silence_id: str) -> None:
        await self.call("DELETE", f"/silence/{silence_id}")


def exact_labels(matchers: object) -> dict[str, str] | None:
    """A silence's matchers as a label set when all are plain equalities (an acknowledgement's are)."""
    if not isinstance(matchers, list):
        return None
    labels: dict[str, str] = {}
    for m in matchers:
        if not isinstance(m, dict) or m.get("isRegex") or not m.get("isEqual", True):
            return None
        labels[str(m.get("name"))] = str(m.get("value"))
    return labels


@dataclass(frozen=True, slots=True)
class AmSilence:
    """One of Alertmanager's silences in force (active or pending), as the console lists it."""

    source: str
    id: str
    matchers: str
    """``alertname="DiskFull", instance="db1"`` (``=~`` for a regular expression), sanitised."""
    created_by: str
    comment: str
    ends_at: float
    state: str
    labels: dict[str, str] | None
    """The exact label set when every matcher is an equality (an acknowledgement's are), else None."""


def _silence(source: str, raw: dict[str, Any]) -> AmSilence | None:
    status = raw.get("status")
    state = status.get("state") if isinstance(status, dict) else None
    if state not in ("active", "pending") or not isinstance(raw.get("id"), str):
        return None
    matchers = raw.get("matchers") if isinstance(raw.get("matchers"), list) else []
    assert isinstance(matchers, list)
    parts = []
    for m in matchers:
        if isinstance(m, dict):
            op = ("=~" if m.get("isRegex") else "=") if m.get("isEqual", True) else ("!~" if m.get("isRegex") else "!=")
            parts.append(f'{m.get("name")}{op}"{m.get("value")}"')
    try:
        ends = datetime.fromisoformat(str(raw.get("endsAt", "")).replace("Z", "+00:00")).timestamp()
    except ValueError:
        ends = 0.0
    return AmSilence(
        source=source,
        id=str(raw["id"]),
        matchers=bounded(", ".join(parts), MAX_TEXT),
        created_by=bounded(raw.get("createdBy", ""), MAX_LABEL),
        comment=bounded(raw.get("comment", ""), MAX_TEXT),
        ends_at=ends,
        state=str(state),
        labels=exact_labels(matchers),
    )


class AlertmanagerOwner:
    """Carries acknowledgements and resolutions of Alertmanager's incidents back to it (see module doc)."""

    def __init__(self, cfg: AlertmanagerSource, api: AlertmanagerApi, clock: Clock) -> None:
        self.cfg = cfg
        self.api = api
        self.clock = clock
        self.prefix = source_prefix(cfg.name)

    def owns(self, incident: Incident) -> bool:
        return incident.fingerprint.startswith(self.prefix)

    def labels_of(self, incident: Incident) -> dict[str, str]:
        """The alert's exact labels, rebuilt from the incident and checked against its fingerprint."""
        labels = dict(incident.labels)
        if incident.rule != UNNAMED:
            labels["alertname"] = incident.rule
        if am_fingerprint(labels) != incident.fingerprint.removeprefix(self.prefix):
            raise AlertmanagerError("the incident's labels no longer give the alert's fingerprint; not silenced")
        return labels

    async def acknowledged(self, incident: Incident, by: str, note: str | None) -> str:
        """Create the acknowledgement's silence; returns the timeline's line about it."""
        labels = self.labels_of(incident)
        now = self.clock.now()
        comment = ACK_COMMENT + (f": {note}" if note else "")
        # Starting a minute back: a silence starting "now" by a clock a little ahead of Alertmanager's would sit
        # pending; Alertmanager starts a new silence dated in the past at its own now.
        silence_id = await self.api.create_silence(labels, by, comment, now - 60.0, now + self.cfg.ack_silence)
        until = datetime.fromtimestamp(now + self.cfg.ack_silence, UTC).strftime("%H:%M UTC")
        return f"Alertmanager {self.cfg.name}: silence {silence_id} on the alert's labels until {until}"

    async def aclose(self) -> None:
        await self.api.client.aclose()

    async def silences(self) -> list[AmSilence]:
        """Alertmanager's silences in force, soonest to end first (anyone's, not only opstui's)."""
        found = [_silence(self.cfg.name, raw) for raw in await self.api.silences()]
        return sorted((s for s in found if s is not None), key=lambda s: (s.ends_at, s.id))

    async def expire(self, silence: AmSilence) -> None:
        await self.api.expire(silence.id)

    def fingerprint_of(self, labels: dict[str, str]) -> str:
        """The incident fingerprint an alert with exactly these labels has (to find a silence's incident)."""
        return self.prefix + am_fingerprint(labels)

    async def resolved(self, incident: Incident) -> str | None:
        """Expire the silences opstui created on this alert's labels; the timeline's line, if any."""
        labels = self.labels_of(incident)
        expired = []
        for silence in await self.silences():
            if silence.comment.startswith(ACK_COMMENT) and silence.labels == labels:
                await self.expire(silence)
                expired.append(silence.id)
        if not expired:
            return None
        return f"Alertmanager {self.cfg.name}: silence {', '.join(expired)} expired"


class AlertmanagerPoll(PolledSource):
    """Reads the active alerts every ``interval`` and hands them to the sink as one set (see module doc)."""

    kind = "alertmanager"

    def __init__(self, cfg: AlertmanagerSource, clock: Clock, sink: Sink, api: AlertmanagerApi) -> None:
        super().__init__(cfg.name, cfg.url, cfg.interval, clock, sink)
        self.cfg = cfg
        self.api = api
        self.prefix = source_prefix(cfg.name)
        self._deliver: Callable[[str, dict[str, AlertTransition]], None] | None = getattr(sink, "alert_set", None)

    def transition(self, alert: dict[str, Any], now: float) -> AlertTransition | None:
        """One API alert as a FIRING transition, or None when it has no usable labels."""
        raw = alert.get("labels")
        if not isinstance(raw, dict) or not raw:
            return None
        labels = {bounded(k, MAX_LABEL): bounded(v, MAX_LABEL) for k, v in raw.items()}
        annotations = alert.get("annotations") if isinstance(alert.get("annotations"), dict) else {}
        assert isinstance(annotations, dict)
        rule = labels.pop("alertname", "") or UNNAMED
        full = {**labels, "alertname": rule} if rule != UNNAMED else labels
        # Alertmanager's identity of the alert, from its labels as sent; a label the sanitiser or the cap had to
        # change no longer gives it back, so such an alert is shown but never silenced by mistake.
        fingerprint = am_fingerprint({str(k): str(v) for k, v in raw.items()})
        summary = annotations.get("summary") or annotations.get("description") or ""
        runbook = annotations.get("runbook_url") or annotations.get("runbook")
        return AlertTransition(
            rule=rule,
            fingerprint=self.prefix + fingerprint,
            state=AlertState.FIRING,
            severity=severity_of(full, self.cfg),
            at=now,
            summary=bounded(summary, MAX_TEXT),
            runbook=bounded(runbook, MAX_LABEL) if runbook else None,
            labels=tuple(sorted(labels.items())),
        )

    async def _probe(self) -> dict[str, object]:
        started = time.perf_counter()
        async with self.limiter:
            try:
                answer = await self.api.alerts()
            except AlertmanagerError as exc:
                state = SourceState.UNREACHABLE if exc.unreachable else SourceState.DOWN
                return self._result(state, str(exc), latency_ms=None)
        latency_ms = (time.perf_counter() - started) * 1000.0
        now = self.clock.now()
        active: dict[str, AlertTransition] = {}
        for alert in answer[:MAX_ALERTS]:
            transition = self.transition(alert, now)
            if transition is not None:
                active[transition.fingerprint] = transition
        if self._deliver is not None:
            self._deliver(self.cfg.name, active)
        reason = f"{len(answer) - MAX_ALERTS} alerts beyond {MAX_ALERTS} not shown" if len(answer) > MAX_ALERTS else ""
        state = SourceState.DEGRADED if reason else SourceState.UP
        return self._result(state, reason, latency_ms=latency_ms, received=len(active))
