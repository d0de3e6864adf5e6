"""Web vitals, product events and admin actions at the border: types, ranges and sizes checked, text
cleaned, hostile events refused and counted (malformed at parsing, rejected at the border), and what passes
feeds the store the rules read (``web_vital_p75{name="LCP"} > 2500``)."""

from __future__ import annotations

import json

import pytest
from websockets.asyncio.server import ServerConnection

from opstui.alerts.rules import RuleEngine
from opstui.clock import FakeClock
from opstui.config.alerting import AlertingSettings, AlertRule
from opstui.config.models import Config
from opstui.monitor import Monitor
from opstui.sources.border import Border
from opstui.sources.events import AuditEvent, BusinessEvent, WebVitalEvent, parse_message
from tests.hostile.streams import stream_to_monitor
from tests.sources.conftest import WsServer

RETENTION = 48 * 3600.0
NOW = 1_800_000_000.0


def parse(item: object) -> tuple[list[object], int, int]:
    result = parse_message(json.dumps(item), NOW)
    return list(result.events), result.malformed, result.unknown


def test_good_events_parse_with_their_fields() -> None:
    events, malformed, _ = parse(
        [
            {"type": "web_vital", "name": "lcp", "value": 2140, "page": "/checkout"},
            {"type": "business", "name": "donation", "value": 25, "labels": {"campaign": "winter", "n": 3}},
            {"type": "business", "name": "signup"},
            {"type": "audit", "actor": "ana", "action": "refund issued", "subject": "order 1042"},
        ]
    )
    assert malformed == 0
    assert events == [
        WebVitalEvent(NOW, "LCP", 2140.0, "/checkout"),
        BusinessEvent(NOW, "donation", 25.0, (("campaign", "winter"), ("n", "3"))),
        BusinessEvent(NOW, "signup", None, ()),
        AuditEvent(NOW, "ana", "refund issued", "order 1042"),
    ]


@pytest.mark.parametrize(
    "item",
    [
        {"type": "web_vital", "name": "FID", "value": 10, "page": "/"},  # not a vital this console rates
        {"type": "web_vital", "name": ["LCP"], "value": 10},
        {"type": "web_vital", "name": "LCP", "value": "2140"},
        {"type": "web_vital", "name": "LCP", "value": True},
        {"type": "web_vital", "name": "LCP", "value": 10, "page": {"path": "/"}},
        {"type": "web_vital", "name": "LCP"},
        {"type": "business", "name": "sign up!", "value": 1},
        {"type": "business", "name": "x" * 65},
        {"type": "business", "name": "donation", "value": "25"},
        {"type": "business", "name": "donation", "labels": ["campaign"]},
        {"type": "business", "name": "donation", "labels": {f"k{i}": "v" for i in range(9)}},
        {"type": "business", "name": "donation", "labels": {"bad key": "v"}},
        {"type": "business", "name": "donation", "labels": {"name": "override"}},
        {"type": "business", "name": "donation", "labels": {"nested": {"a": 1}}},
        {"type": "audit", "actor": "ana"},
        {"type": "audit", "actor": "", "action": "refund"},
        {"type": "audit", "actor": {"id": 1}, "action": "refund"},
    ],
)
def test_hostile_events_are_malformed_and_counted(item: dict[str, object]) -> None:
    events, malformed, unknown = parse(item)
    assert (events, malformed, unknown) == ([], 1, 0)


def test_text_is_cut_and_cleaned() -> None:
    events, _, _ = parse(
        [
            {"type": "web_vital", "name": "CLS", "value": 0.1, "page": "/\x1b[2J" + "a" * 500},
            {"type": "business", "name": "signup", "labels": {"plan": "pro\x1b]52;c;x\x07" + "b" * 100}},
            {"type": "audit", "actor": "\u202eevil", "action": "x" * 300, "subject": "s\nt"},
        ]
    )
    vital, business, audit = events
    assert isinstance(vital, WebVitalEvent) and "\x1b" not in vital.page and len(vital.page) == 200
    assert isinstance(business, BusinessEvent)
    [(_, plan)] = business.labels
    assert "\x1b" not in plan and "\x07" not in plan and len(plan) <= 64
    assert isinstance(audit, AuditEvent)
    assert "\u202e" not in audit.actor and len(audit.action) == 100 and "\n" not in audit.subject


@pytest.mark.parametrize(
    ("event", "why"),
    [
        (WebVitalEvent(NOW, "LCP", -1.0, "/"), "LCP -1 is out of its range 0-600000"),
        (WebVitalEvent(NOW, "INP", 600_001.0, "/"), "INP 600001 is out of its range"),
        (WebVitalEvent(NOW, "CLS", 101.0, "/"), "CLS 101 is out of its range 0-100"),
        (WebVitalEvent(NOW, "TTFB", 1e300, "/"), "value 1e+300 is out of range"),
        (BusinessEvent(NOW, "donation", 1e16), "value 1e+16 is out of range"),
        (BusinessEvent(NOW + 3600.0, "signup"), "in the future"),
        (AuditEvent(NOW - RETENTION - 10.0, "ana", "refund"), "older than the retention"),
    ],
)
def test_out_of_range_values_are_rejected_at_the_border_and_counted(event: object, why: str) -> None:
    border = Border(FakeClock(NOW), RETENTION)
    assert border.events([event, WebVitalEvent(NOW, "LCP", 2000.0, "/")]) == [  # type: ignore[list-item]
        WebVitalEvent(NOW, "LCP", 2000.0, "/")
    ]
    assert border.rejected == 1 and why in border.last_reason, border.last_reason


async def test_over_a_real_stream_vitals_feed_a_rule_and_hostile_ones_are_counted(
    ws_server: WsServer, clock: FakeClock
) -> None:
    now = clock.now()
    monitor = Monitor(Config.model_validate({"alerts": []}), clock)
    good = [{"type": "web_vital", "name": "LCP", "value": 3000 + i, "page": "/checkout", "ts": now} for i in range(8)]
    hostile = [
        {"type": "web_vital", "name": "LCP", "value": 1e9, "page": "/"},  # out of range: rejected
        {"type": "web_vital", "name": "LCP", "value": -5, "page": "/"},  # rejected
        {"type": "web_vital", "name": "XSS", "value": 5, "page": "/"},  # malformed
        {"type": "business", "name": "signup", "value": 1, "labels": [1]},  # malformed
    ]
    products = [
        {"type": "business", "name": "signup", "ts": now},
        {"type": "business", "name": "donation", "value": 20.5, "ts": now},
        {"type": "audit", "actor": "ana", "action": "refund issued", "subject": "order 7", "ts": now},
    ]

    async def script(connection: ServerConnection) -> None:
        await connection.send(json.dumps(good + hostile + products))

    await stream_to_monitor(ws_server, script, clock, monitor, lambda: bool(monitor.admin_actions), rejected=2)
    status = monitor.statuses["shop"]
    assert (status.rejected, status.malformed) == (2, 2)
    assert "LCP -5 is out of its range" in status.reason
    monitor.refresh()
    lcp = monitor.store.value("web_vital_p75", {"name": "LCP"})
    assert lcp is not None and abs(lcp - 3005.0) <= 0.01 * 3005.0  # x[floor(0.75 * 7)] = 3005
    assert monitor.store.value("web_vital_page_p75", {"name": "LCP", "page": "/checkout"}) == lcp
    assert monitor.store.value("business_count", {"name": "signup"}) == 1.0
    assert monitor.store.value("business_sum", {"name": "donation"}) == 20.5
    assert [(a.actor, a.action, a.subject) for a in monitor.admin_actions] == [("ana", "refund issued", "order 7")]
    rule = AlertRule.model_validate({"name": "Slow LCP", "expr": 'web_vital_p75{name="LCP"} > 2500', "for": "0s"})
    engine = RuleEngine([rule], monitor.store, clock, AlertingSettings())
    [transition] = engine.evaluate()
    assert transition.state.value == "firing"
    views = {view.label: view for view in monitor.vital_views()}
    assert views["LCP p75"].level.value == "warning"  # needs improvement: 2.5 s < p75 <= 4 s
    assert views["INP p75"].level.value == "no-data"
