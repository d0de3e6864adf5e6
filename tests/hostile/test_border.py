"""Item 1: every value from outside is checked at the border (issue 11's payloads, over a real websocket).

``"ts": 1796078701000`` and ``-1e12`` used to end the console (event tail); a sample dated 2100 silenced
the rule over its series; an event dated 9999 sat at the top of the tail for ever.
"""

from __future__ import annotations

import json
import math

import pytest
from websockets.asyncio.server import ServerConnection

from opstui.alerts.rules import RuleEngine
from opstui.clock import FakeClock
from opstui.config.alerting import AlertingSettings, AlertRule
from opstui.config.models import Config
from opstui.monitor import Monitor
from opstui.sources.border import MAX_AHEAD, Border
from opstui.sources.events import MAX_EVENTS, MetricEvent, parse_message
from opstui.ui.widgets.event_tail import newest_first
from tests.hostile.payloads import MS_TS, NEGATIVE_TS, YEAR_2100, YEAR_9999
from tests.hostile.streams import stream_to_monitor
from tests.sources.conftest import WsServer

RETENTION = 48 * 3600.0


def border(clock: FakeClock) -> Border:
    return Border(clock, RETENTION)


@pytest.mark.parametrize(
    ("ts", "why"),
    [
        (MS_TS, "in the future"),  # December 2026 in ms, but ahead of the fake clock (September) once converted
        (NEGATIVE_TS, "older than the retention"),
        (YEAR_2100, "in the future"),
        (YEAR_9999, "in the future"),
        (math.inf, "not a finite number"),
        (0.0, "older than the retention"),
    ],
)
def test_implausible_timestamps_are_rejected_counted_and_explained(clock: FakeClock, ts: float, why: str) -> None:
    check = border(clock)
    assert check.timestamp(ts) is None
    assert check.rejected == 1 and why in check.last_reason
    assert why in check.note()


def test_a_millisecond_epoch_is_converted_and_the_row_says_so_once(clock: FakeClock) -> None:
    check = border(clock)
    now = clock.now()
    assert check.timestamp((now - 30) * 1000) == pytest.approx(now - 30)
    assert check.timestamp((now - 20) * 1000) == pytest.approx(now - 20)
    assert check.rejected == 0
    assert check.note() == "timestamps in milliseconds, converted"


def test_the_window_is_retention_back_and_five_minutes_ahead(clock: FakeClock) -> None:
    check = border(clock)
    now = clock.now()
    assert check.timestamp(now + MAX_AHEAD) == now + MAX_AHEAD
    assert check.timestamp(now - RETENTION) == now - RETENTION
    assert check.timestamp(now + MAX_AHEAD + 1) is None
    assert check.timestamp(now - RETENTION - 1) is None


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 1e300, -1e16, 10**400])
def test_non_finite_and_out_of_range_numbers_are_rejected(clock: FakeClock, value: float) -> None:
    check = border(clock)
    assert check.number(value) is None
    assert check.rejected == 1


@pytest.mark.parametrize(
    "raw",
    [
        '{"type":"metric","name":"q","value":NaN}',
        '{"type":"metric","name":"q","value":Infinity}',
        '{"type":"metric","name":"q","value":-Infinity}',
        '{"type":"metric","name":"q","value":1' + "0" * 400 + "}",
        '{"type":"metric","name":{"nested":{"deeper":1}},"value":1}',
        '{"type":"deploy","version":["a",["b"]]}',
        '{"type":"request","status":99999,"duration_ms":1}',
        "[" * 100_000 + "]" * 100_000,
    ],
)
def test_hostile_messages_are_malformed_never_raised(raw: str) -> None:
    result = parse_message(raw, 1_790_000_000.0)
    assert result.events == [] and result.malformed >= 1


def test_events_per_message_are_bounded() -> None:
    many = json.dumps([{"type": "deploy", "version": "v"}] * (MAX_EVENTS + 5))
    result = parse_message(many, 1_790_000_000.0)
    assert len(result.events) == MAX_EVENTS and result.malformed == 5


async def test_over_a_real_stream_rejected_events_never_reach_the_store_and_the_row_says_why(
    ws_server: WsServer, clock: FakeClock
) -> None:
    now = clock.now()
    config = Config.model_validate({"alerts": []})
    monitor = Monitor(config, clock)
    messages = [
        {"type": "error", "level": "critical", "message": "ms producer", "ts": MS_TS},
        {"type": "error", "level": "critical", "message": "negative", "ts": NEGATIVE_TS},
        {"type": "metric", "name": "queue_length", "value": 1, "ts": YEAR_2100},
        {"type": "error", "level": "critical", "message": "year 9999", "ts": YEAR_9999},
        {"type": "error", "level": "critical", "message": "converted", "ts": int((now - 5) * 1000)},
        {"type": "metric", "name": "queue_length", "value": 7, "ts": now - 1},
    ]

    async def script(connection: ServerConnection) -> None:
        for message in messages:
            await connection.send(json.dumps(message))

    await stream_to_monitor(
        ws_server, script, clock, monitor, lambda: monitor.store.value("queue_length") is not None, rejected=4
    )
    status = monitor.statuses["shop"]
    assert status.rejected == 4
    assert "4 rejected (last: timestamp " in status.reason and "is in the future" in status.reason
    assert "timestamps in milliseconds, converted" in status.reason
    assert monitor.store.latest("queue_length") == (now - 1, 7.0), "the sample dated 2100 never reached the store"
    shown = [entry.message for entry in newest_first(monitor.events, 10)]
    assert "converted" in shown and "year 9999" not in shown and "negative" not in shown


def test_a_sample_dated_2100_no_longer_silences_a_rule(clock: FakeClock) -> None:
    """The rule over ``queue_length`` fires on the real values that follow a far-future one."""
    config = Config.model_validate({"alerts": []})
    monitor = Monitor(config, clock)
    check = border(clock)
    rule = AlertRule.model_validate({"name": "Queue", "expr": "avg_over(queue_length, 1m) > 100", "for": "0s"})
    engine = RuleEngine([rule], monitor.store, clock, AlertingSettings())
    future = check.events([MetricEvent(YEAR_2100, "queue_length", 1.0)])
    monitor.ingest(future)
    for _ in range(6):
        clock.advance(5)
        monitor.ingest(check.events([MetricEvent(clock.now(), "queue_length", 500.0)]))
    transitions = engine.evaluate()
    assert [t.state.value for t in transitions] == ["firing"]
