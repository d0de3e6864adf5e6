"""The built-in rules: every rule of the seeds' Alerting Rules section, over metrics the demo produces."""

from __future__ import annotations

from opstui.alerts.expr import metrics, parse
from opstui.alerts.model import AlertState, Severity
from opstui.alerts.rules import RuleEngine
from opstui.alerts.seeds import default_rules
from opstui.clock import FakeClock
from opstui.config.models import HttpSource, JsonSource
from opstui.demo.config import demo_config
from opstui.metrics.store import MetricStore
from opstui.monitor import COUNTERS, DERIVED
from tests.alerts.conftest import START

SEED_SECTION = {
    # The seeds' "Alerting Rules": name -> severity of its tier (Critical P0, High P1, Medium P2).
    "Service Down": Severity.P0,
    "Database Connection Lost": Severity.P0,
    "Payment System Down": Severity.P0,
    "High Error Rate": Severity.P1,
    "Slow Response Time": Severity.P1,
    "Payment Success Rate Low": Severity.P1,
    "Elevated Error Rate": Severity.P2,
    "Email Delivery Issues": Severity.P2,
}


def demo_metrics() -> set[str]:
    """Every metric name the console records when pointed at the demo shop."""
    names = set(DERIVED) | set(COUNTERS) | {"uptime_pct", "queue_length"}
    for source in demo_config("http://127.0.0.1:1").sources:
        if isinstance(source, HttpSource):
            names |= {"check_up", "check_latency_ms", "check_uptime_pct"}
        elif isinstance(source, JsonSource):
            names |= set(source.metrics)
    return names


def test_every_seed_rule_is_there_with_its_tier() -> None:
    rules = default_rules()
    assert {rule.name: rule.severity for rule in rules} == SEED_SECTION
    assert all(rule.runbook and rule.summary for rule in rules)


def test_the_seed_durations() -> None:
    durations = {rule.name: rule.for_ for rule in default_rules()}
    assert durations["Service Down"] == 120.0
    assert durations["High Error Rate"] == 300.0
    assert durations["Slow Response Time"] == 600.0
    assert durations["Payment Success Rate Low"] == 900.0
    assert durations["Elevated Error Rate"] == 900.0
    assert durations["Email Delivery Issues"] == 1800.0


def test_every_seed_rule_reads_metrics_the_demo_produces() -> None:
    produced = demo_metrics()
    for rule in default_rules():
        assert metrics(parse(rule.expr)) <= produced, rule.name


def test_a_ten_percent_error_spike_fires_high_error_rate_after_five_minutes_only() -> None:
    clock = FakeClock(START)
    store = MetricStore(clock)
    engine = RuleEngine(default_rules(), store, clock)
    fired: list[tuple[float, str]] = []
    for second in range(0, 20 * 60 + 1, 5):
        clock.set(START + second)
        store.record("error_rate", 10.0)
        fired += [(t.at - START, t.rule) for t in engine.evaluate() if t.state is AlertState.FIRING]
    assert fired == [(300.0, "High Error Rate"), (900.0, "Elevated Error Rate")]


def test_payment_failures_page_only_when_the_success_rate_drops_too() -> None:
    clock = FakeClock(START)
    store = MetricStore(clock)
    engine = RuleEngine([r for r in default_rules() if r.name == "Payment System Down"], store, clock)
    # Busy and healthy: 30 declined cards in 5 minutes at 98.5 % success is not an outage.
    for second in range(0, 301, 5):
        clock.set(START + second)
        store.record("payments_failed_total", second / 10.0)
        store.record("payment_success_rate", 98.5)
        assert engine.evaluate() == []
    clock.advance(5)
    store.record("payments_failed_total", 60.0)
    store.record("payment_success_rate", 80.0)
    (fired,) = engine.evaluate()
    assert fired.state is AlertState.FIRING
    assert fired.summary == "59.5 failed payments in the last 5 minutes"  # 0.5 at 5 s -> 60
