"""The rule engine's alert states, stepped on a fake clock: pending, firing, resolved, keep_firing_for."""

from __future__ import annotations

from opstui.alerts.model import AlertState, AlertTransition, Severity
from opstui.alerts.rules import RuleEngine
from opstui.clock import FakeClock
from opstui.config.alerting import AlertingSettings, AlertRule
from opstui.metrics.store import MetricStore
from tests.alerts.conftest import START, rule


class Driver:
    """Records a value, advances the clock and evaluates, the way the core's loop does every 5 s."""

    def __init__(self, rules: list[AlertRule], store: MetricStore, clock: FakeClock) -> None:
        self.engine = RuleEngine(rules, store, clock, AlertingSettings(resolved_retention=600.0))
        self.store = store
        self.clock = clock

    def at(self, offset: float, value: float | None, metric: str = "error_rate") -> list[AlertTransition]:
        """Evaluate at START + offset, having recorded ``value`` just before (None: no sample)."""
        self.clock.set(START + offset)
        if value is not None:
            self.store.record(metric, value)
        return self.engine.evaluate()


def states(transitions: list[AlertTransition]) -> list[AlertState]:
    return [t.state for t in transitions]


def test_pending_then_firing_exactly_when_for_elapses(store: MetricStore, clock: FakeClock) -> None:
    drive = Driver([rule("error_rate > 5", **{"for": "5m"}, severity="P1")], store, clock)
    assert states(drive.at(0, 7.0)) == [AlertState.PENDING]
    for offset in range(5, 300, 5):
        assert drive.at(offset, 7.0) == [], offset
    drive.clock.set(START + 299.999)
    assert drive.engine.evaluate() == []  # not a tick earlier
    fired = drive.at(300, 7.0)
    assert states(fired) == [AlertState.FIRING]
    assert fired[0].at == START + 300
    assert fired[0].severity is Severity.P1
    assert drive.at(305, 7.0) == []  # firing is announced once


def test_for_zero_fires_at_once(store: MetricStore, clock: FakeClock) -> None:
    drive = Driver([rule("error_rate > 5")], store, clock)
    assert states(drive.at(0, 9.0)) == [AlertState.FIRING]


def test_a_condition_that_stops_while_pending_never_fires(store: MetricStore, clock: FakeClock) -> None:
    drive = Driver([rule("error_rate > 5", **{"for": "5m"})], store, clock)
    drive.at(0, 7.0)
    assert states(drive.at(200, 2.0)) == [AlertState.INACTIVE]
    assert states(drive.at(205, 7.0)) == [AlertState.PENDING]  # the `for` starts over
    assert drive.at(500, 7.0) == []
    assert states(drive.at(505, 7.0)) == [AlertState.FIRING]


def test_firing_resolves_when_the_condition_clears(store: MetricStore, clock: FakeClock) -> None:
    drive = Driver([rule("error_rate > 5")], store, clock)
    drive.at(0, 9.0)
    resolved = drive.at(5, 1.0)
    assert states(resolved) == [AlertState.RESOLVED]
    assert resolved[0].value == 9.0  # the last value seen while it held
    assert [a.state for a in drive.engine.alerts()] == [AlertState.RESOLVED]


def test_keep_firing_for_rides_out_a_flicker(store: MetricStore, clock: FakeClock) -> None:
    drive = Driver([rule("error_rate > 5", keep_firing_for="2m")], store, clock)
    assert states(drive.at(0, 9.0)) == [AlertState.FIRING]
    assert drive.at(5, 1.0) == []  # last true at 0
    assert drive.at(60, 9.0) == []  # holds again: still the same firing alert
    assert drive.at(65, 1.0) == []
    assert drive.at(179, 1.0) == []  # 119 s since it last held
    assert states(drive.at(180, 1.0)) == [AlertState.RESOLVED]


def test_a_resolved_alert_comes_back_pending_and_is_forgotten_later(store: MetricStore, clock: FakeClock) -> None:
    drive = Driver([rule("error_rate > 5", **{"for": "1m"})], store, clock)
    drive.at(0, 9.0)
    assert states(drive.at(60, 9.0)) == [AlertState.FIRING]
    assert states(drive.at(65, 1.0)) == [AlertState.RESOLVED]
    assert states(drive.at(70, 9.0)) == [AlertState.PENDING]
    assert states(drive.at(75, 1.0)) == [AlertState.INACTIVE]
    assert drive.engine.alerts() == []
    drive.at(100, 9.0)
    drive.at(160, 9.0)
    drive.at(165, 1.0)
    drive.at(764, 1.0)
    assert [a.state for a in drive.engine.alerts()] == [AlertState.RESOLVED]
    drive.at(765, 1.0)  # resolved_retention (10 min) later
    assert drive.engine.alerts() == []


def test_one_alert_per_series_with_its_labels(store: MetricStore, clock: FakeClock) -> None:
    service_down = rule(
        "check_up == 0",
        name="Service Down",
        severity="P0",
        summary="{{ labels.source }} health check failing ({{ value }})",
        labels={"team": "web"},
    )
    drive = Driver([service_down], store, clock)
    store.record("check_up", 0.0, labels={"source": "api"})
    store.record("check_up", 1.0, labels={"source": "web"})
    fired = drive.engine.evaluate()
    assert len(fired) == 1
    alert = fired[0]
    assert alert.fingerprint == 'Service Down{source="api",team="web"}'
    assert alert.labels == (("source", "api"), ("team", "web"))
    assert alert.summary == "api health check failing (0)"
    assert alert.metric == "check_up"
    clock.advance(5)
    store.record("check_up", 0.0, labels={"source": "web"})
    store.record("check_up", 0.0, labels={"source": "api"})
    assert [t.fingerprint for t in drive.engine.evaluate()] == ['Service Down{source="web",team="web"}']


def test_a_source_that_stops_reporting_resolves_after_the_lookback(store: MetricStore, clock: FakeClock) -> None:
    drive = Driver([rule("error_rate > 5")], store, clock)
    drive.at(0, 9.0)
    assert drive.at(300, None) == []
    assert states(drive.at(305, None)) == [AlertState.RESOLVED]


def test_transitions_carry_what_the_incident_needs(store: MetricStore, clock: FakeClock) -> None:
    high = rule(
        "error_rate > 5", severity="P1", runbook="high-error-rate", summary="Error rate {{ value }}% for 5 minutes"
    )
    drive = Driver([high], store, clock)
    (fired,) = drive.at(0, 7.256)
    assert fired.rule == "High Error Rate"
    assert fired.fingerprint == "High Error Rate"
    assert fired.runbook == "high-error-rate"
    assert fired.summary == "Error rate 7.26% for 5 minutes"
    assert fired.metric == "error_rate"
    assert fired.value == 7.256


def test_rules_are_independent(store: MetricStore, clock: FakeClock) -> None:
    rules = [rule("error_rate > 5", name="High"), rule("error_rate > 1", name="Elevated", **{"for": "15m"})]
    drive = Driver(rules, store, clock)
    assert [(t.rule, t.state) for t in drive.at(0, 7.0)] == [
        ("High", AlertState.FIRING),
        ("Elevated", AlertState.PENDING),
    ]
    assert drive.engine.rules == rules
