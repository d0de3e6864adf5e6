"""The scenario table and the traffic it produces, without sockets: timing, versions, calibration."""

from __future__ import annotations

import random
import statistics

import pytest

from opstui.demo.scenarios import TIMELINE, Phase, Scenario
from opstui.demo.traffic import Traffic
from tests.demo.helpers import error_rate

START = 1_790_000_000.0
WINDOW = 300.0
"""The console's default sliding window (``store.window``), over which error rate and p95 are computed."""


def phase_named(name: str) -> Phase:
    return next(p for p in TIMELINE if p.name == name)


def test_the_timeline_is_long_enough_for_the_seeds_rules_to_fire() -> None:
    spike, slow, outage = phase_named("bad-deploy"), phase_named("slow-responses"), phase_named("outage")
    assert 0.08 <= spike.error_rate <= 0.12
    # The windowed rate passes 5 % once the spike fills 5/rate of the window, then must hold for 5 minutes.
    assert spike.duration >= WINDOW * 0.05 / spike.error_rate + 300.0
    assert slow.latency_p95_ms > 2000.0 and slow.duration >= 600.0 + 60.0
    assert outage.health_down and 120.0 < outage.duration < 300.0
    assert phase_named("payment-failures").payment_success == pytest.approx(0.80)
    assert TIMELINE[0].duration <= 60.0 and TIMELINE[1].name == "bad-deploy"  # something happens in a minute


def test_positions_walk_the_table_and_loop() -> None:
    scenario = Scenario(START)
    assert scenario.cycle_length == sum(p.duration for p in TIMELINE)
    for offset, phase in scenario.starts():
        for into in (0.0, phase.duration / 2, phase.duration - 0.001):
            position = scenario.at(START + offset + into)
            assert position.phase is phase and position.elapsed == pytest.approx(into, abs=1e-6)
            assert position.cycle == 0
    again = scenario.at(START + 2 * scenario.cycle_length + 61.0)
    assert again.cycle == 2 and again.phase.name == "bad-deploy" and again.elapsed == pytest.approx(1.0)
    assert scenario.at(START - 10.0).index == 0  # before the start counts as the start


def test_versions_move_on_every_loop() -> None:
    scenario = Scenario(START)
    at = {phase.name: START + offset + 1.0 for offset, phase in scenario.starts()}
    assert scenario.at(at["calm"]).version == "v1.4.2"
    assert scenario.at(at["bad-deploy"]).version == "v1.4.3"
    assert scenario.at(at["rollback"]).version == "v1.4.2"
    assert scenario.at(at["recovery"]).version == "v1.4.2"
    second = scenario.cycle_length
    assert scenario.at(at["calm"] + second).version == "v1.4.4"
    assert scenario.at(at["bad-deploy"] + second).version == "v1.4.5"
    rollback = Traffic(random.Random(0)).entry_events(scenario.at(at["rollback"] + second), 0.0)
    assert [e["type"] for e in rollback] == ["deploy", "error"]
    assert rollback[0]["version"] == "v1.4.4" and rollback[1]["message"] == "Rolled back v1.4.5 -> v1.4.4"


def test_a_timeline_needs_positive_durations() -> None:
    with pytest.raises(ValueError):
        Scenario(START, ())
    with pytest.raises(ValueError):
        Scenario(START, (Phase("calm", 0.0),))


def test_the_same_seed_gives_the_same_stream() -> None:
    position = Scenario(START).at(START + 100.0)
    one, two = Traffic(random.Random(42)), Traffic(random.Random(42))
    first = one.events(position, START, START + 5.0)
    assert first == two.events(position, START, START + 5.0)
    assert one.gauges(position) == two.gauges(position)
    assert Traffic(random.Random(43)).events(position, START, START + 5.0) != first


@pytest.mark.parametrize(
    ("name", "p50", "p95", "errors", "payments"),
    [
        ("calm", (90, 160), (300, 550), (0.0, 0.01), (0.96, 1.0)),
        ("bad-deploy", (100, 190), (380, 750), (0.08, 0.12), (0.96, 1.0)),
        ("payment-failures", (90, 160), (300, 550), (0.0, 0.03), (0.72, 0.88)),
        ("slow-responses", (1100, 1900), (2800, 4600), (0.0, 0.02), (0.96, 1.0)),
        ("outage", (20, 60), (60, 140), (0.88, 0.96), (0.0, 0.0)),
    ],
)
def test_phases_produce_their_latency_error_and_payment_levels(
    name: str,
    p50: tuple[float, float],
    p95: tuple[float, float],
    errors: tuple[float, float],
    payments: tuple[float, float],
) -> None:
    scenario = Scenario(START)
    offset = next(o for o, p in scenario.starts() if p.name == name)
    position = scenario.at(START + offset + 10.0)
    events = Traffic(random.Random(5)).events(position, START, START + 300.0)
    durations = [e["duration_ms"] for e in events if e["type"] == "request"]
    assert 20 * 300 <= len(durations) <= 60 * 300
    cuts = statistics.quantiles(durations, n=20)
    assert p50[0] <= cuts[9] <= p50[1]
    assert p95[0] <= cuts[18] <= p95[1]
    assert errors[0] <= error_rate(events) <= errors[1]
    paid = [e["status"] == "succeeded" for e in events if e["type"] == "payment"]
    assert 300 <= len(paid) <= 600 and payments[0] <= sum(paid) / len(paid) <= payments[1]
    assert all(20 <= e["amount"] <= 120 for e in events if e["type"] == "payment")


def test_gauges_ease_towards_the_phase_level() -> None:
    scenario = Scenario(START)
    offset = next(o for o, p in scenario.starts() if p.name == "outage")
    traffic = Traffic(random.Random(9))
    early = traffic.gauges(scenario.at(START + offset + 1.0))["queue_length"]
    late = traffic.gauges(scenario.at(START + offset + 140.0))["queue_length"]
    assert early < 200 < 800 < late < 1000
