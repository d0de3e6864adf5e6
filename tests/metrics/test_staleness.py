"""Honest staleness, per metric (issue 10 item 4), stepped on a fake clock with no screen.

Every metric knows its age; older than its source's ``stale_after`` its KPI is STALE (UNKNOWN), the rules
see it as absent (a pending rule leaves pending) and a firing one stays firing, marked "data stale", rather
than resolving on silence. A source down long enough opens its own incident (the built-in Source Down rule).
"""

from __future__ import annotations

from typing import Any

from opstui.alerts.model import AlertState
from opstui.alerts.rules import RuleEngine
from opstui.alerts.seeds import SOURCE_DOWN, source_down_rule
from opstui.clock import FakeClock
from opstui.config.alerting import AlertingSettings, AlertRule
from opstui.config.models import Config, source_stale_after
from opstui.monitor import Monitor
from opstui.sources.base import SourceState, SourceStatus
from opstui.sources.events import RequestEvent
from opstui.status import KpiLevel, Status

START = 1_790_000_000.0


def config(**extra: Any) -> Config:
    return Config.model_validate(
        {
            "sources": [
                {"name": "events", "type": "websocket", "url": "ws://127.0.0.1:9/", "stale_after": "10s"},
                {"name": "app", "type": "json", "url": "http://127.0.0.1:9/", "interval": "5s", "metrics": {}},
                {"name": "db", "type": "json", "url": "http://127.0.0.1:9/", "stale_after": "1m", "metrics": {}},
            ],
            "kpis": [
                {"metric": "error_rate", "label": "Error rate", "unit": "%", "target": "< 0.5", "critical": "> 5"},
                {"metric": "queue_length", "label": "Queue", "target": "< 50"},
                {"metric": "db_cpu", "label": "DB CPU", "target": "< 60"},
            ],
            **extra,
        }
    )


def rule(expr: str, name: str, **fields: Any) -> AlertRule:
    return AlertRule.model_validate({"name": name, "expr": expr, **fields})


def requests(monitor: Monitor, clock: FakeClock, failed: int, ok: int) -> None:
    now = clock.now()
    monitor.ingest([RequestEvent(now, 500, 10.0)] * failed + [RequestEvent(now, 200, 10.0)] * ok)


def levels(monitor: Monitor) -> dict[str, KpiLevel]:
    return {view.metric: view.level for view in monitor.kpi_views()}


def test_stale_after_is_the_sources_own_or_three_intervals() -> None:
    cfg = config()
    assert [source_stale_after(s) for s in cfg.sources] == [10.0, 15.0, 60.0]


def test_a_polled_metric_is_stale_after_its_sources_stale_after_and_its_kpi_unknown() -> None:
    clock = FakeClock(START)
    monitor = Monitor(config(), clock)
    app, db = monitor.sink_for(15.0), monitor.sink_for(60.0)
    app.record("queue_length", 18.0, clock.now())
    db.record("db_cpu", 35.0, clock.now())
    assert levels(monitor)["queue_length"] is KpiLevel.TARGET

    clock.advance(15.0)
    assert levels(monitor)["queue_length"] is KpiLevel.TARGET  # exactly stale_after old: still now
    clock.advance(1.0)
    views = {view.metric: view for view in monitor.kpi_views()}
    queue = views["queue_length"]
    assert (queue.level, queue.value, queue.age) == (KpiLevel.STALE, 18.0, 16.0)  # old value kept, with its age
    assert queue.level.status is Status.UNKNOWN
    assert views["db_cpu"].level is KpiLevel.TARGET  # its own source allows a minute

    app.record("queue_length", 19.0, clock.now())  # the source answers again
    assert levels(monitor)["queue_length"] is KpiLevel.TARGET


def test_a_dead_stream_turns_its_derived_series_stale_within_stale_after() -> None:
    clock = FakeClock(START)
    monitor = Monitor(config(), clock)
    for _ in range(5):
        requests(monitor, clock, failed=1, ok=399)
        monitor.refresh()
        clock.advance(1.0)
    assert levels(monitor)["error_rate"] is KpiLevel.TARGET
    last_event = clock.now() - 1.0
    recorded = monitor.store.latest("error_rate")

    # The stream dies: the windows still hold every event, but nothing new arrives.
    while clock.now() - last_event <= 10.0:
        monitor.refresh()
        assert levels(monitor)["error_rate"] is KpiLevel.TARGET, clock.now() - last_event
        clock.advance(1.0)
    monitor.refresh()
    view = next(v for v in monitor.kpi_views() if v.metric == "error_rate")
    assert view.level is KpiLevel.STALE
    assert view.age == clock.now() - last_event == 11.0
    # and the refresh stopped drawing the old window as new points
    assert monitor.store.latest("error_rate") != recorded
    newest = monitor.store.latest("error_rate")
    assert newest is not None and newest[0] <= last_event + 10.0


def test_a_rule_on_a_stale_metric_leaves_pending_and_a_firing_one_stays_firing_marked_data_stale() -> None:
    clock = FakeClock(START)
    monitor = Monitor(config(), clock)
    rules = [
        rule("queue_length > 100", "Queue Piling Up", **{"for": "1m"}),
        rule("db_cpu > 90", "DB CPU High"),
    ]
    engine = RuleEngine(rules, monitor.store, clock, AlertingSettings(), monitor.freshness)
    app, db = monitor.sink_for(15.0), monitor.sink_for(60.0)

    app.record("queue_length", 500.0, clock.now())
    db.record("db_cpu", 99.0, clock.now())
    assert {t.rule: t.state for t in engine.evaluate()} == {
        "Queue Piling Up": AlertState.PENDING,
        "DB CPU High": AlertState.FIRING,
    }

    clock.advance(20.0)  # both sources went quiet; the queue's data is 20 s old (> 15 s), the CPU's is not
    changes = engine.evaluate()
    assert [(t.rule, t.state) for t in changes] == [("Queue Piling Up", AlertState.INACTIVE)]

    clock.advance(45.0)  # the CPU's data is now 65 s old (> 1 m): silence, not recovery
    assert engine.evaluate() == []
    firing = {a.rule: a for a in engine.alerts()}
    assert firing["DB CPU High"].state is AlertState.FIRING
    assert firing["DB CPU High"].data_stale_since == clock.now()
    assert engine.stale_alerts() == {"DB CPU High": clock.now()}

    clock.advance(600.0)  # long past the 5-minute lookback: still firing, still marked
    assert engine.evaluate() == []
    assert engine.stale_alerts() == {"DB CPU High": clock.now() - 600.0}

    db.record("db_cpu", 30.0, clock.now())  # fresh data that no longer holds: now it resolves
    assert [(t.rule, t.state) for t in engine.evaluate()] == [("DB CPU High", AlertState.RESOLVED)]
    assert engine.stale_alerts() == {}


def test_fresh_data_that_still_holds_clears_the_data_stale_mark() -> None:
    clock = FakeClock(START)
    monitor = Monitor(config(), clock)
    engine = RuleEngine(
        [rule("db_cpu > 90", "DB CPU High")], monitor.store, clock, AlertingSettings(), monitor.freshness
    )
    db = monitor.sink_for(60.0)
    db.record("db_cpu", 99.0, clock.now())
    engine.evaluate()
    clock.advance(61.0)
    engine.evaluate()
    assert engine.stale_alerts() == {"DB CPU High": clock.now()}
    db.record("db_cpu", 95.0, clock.now())
    assert engine.evaluate() == []  # it never stopped firing
    assert engine.stale_alerts() == {}


def test_a_source_blind_for_source_down_after_opens_source_down_and_an_http_check_does_not() -> None:
    clock = FakeClock(START)
    monitor = Monitor(config(), clock)
    engine = RuleEngine([source_down_rule(300.0)], monitor.store, clock, AlertingSettings(), monitor.freshness)
    now = clock.now()
    monitor.status_changed(SourceStatus("events", "websocket", "ws://x", SourceState.STALE, since=now))
    monitor.status_changed(SourceStatus("api", "http", "http://x", SourceState.DOWN, since=now))
    monitor.status_changed(SourceStatus("app", "json", "http://x", SourceState.UP, since=now))
    seen = []
    for _ in range(0, 300, 5):
        monitor.refresh()
        seen += engine.evaluate()
        clock.advance(5.0)
    assert [(t.rule, dict(t.labels)["source"], t.state) for t in seen] == [(SOURCE_DOWN, "events", AlertState.PENDING)]
    monitor.refresh()
    fired = engine.evaluate()
    assert [(t.rule, dict(t.labels), t.state) for t in fired] == [
        (SOURCE_DOWN, {"source": "events", "kind": "websocket"}, AlertState.FIRING)
    ]
    assert fired[0].summary == "events (websocket) down or stale: its figures are not current"
    assert fired[0].severity.value == "P1"


def test_the_checklist_reads_a_stale_metric_as_no_value() -> None:
    """An ``auto:`` tick or a task's live value never rests on data its own tile calls stale."""
    from opstui.checklist.board import MonitorValues

    clock = FakeClock(START)
    monitor = Monitor(config(), clock)
    live = MonitorValues(monitor, clock)
    monitor.sink_for(15.0).record("queue_length", 18.0, clock.now())
    monitor.record("unclaimed", 1.0, clock.now())
    assert (live.metric_value("queue_length"), live.metric_value("unclaimed")) == (18.0, 1.0)
    clock.advance(16.0)
    assert (live.metric_value("queue_length"), live.metric_value("unclaimed")) == (None, 1.0)  # its source's 15 s
    clock.advance(105.0)
    assert live.metric_value("unclaimed") is None  # no source: the checklist's own two minutes
