"""Cost of one turn of the alert rules: the seed rules plus window-function rules over a full store.

The console evaluates every rule every ``alerting.interval`` (5 s by default) on the event loop that also
draws the screen, so a turn must stay far below a frame. The store holds one hour of history at 5 s for
every metric the rules read, with ``series`` labelled series per metric (as a shop with several health
checks and routes has), and the rules include the heavy forms: windows over 5 minutes and a percentile.
"""

from __future__ import annotations

import math
import random
import time

from opstui.alerts.rules import RuleEngine
from opstui.alerts.seeds import default_rules
from opstui.clock import FakeClock
from opstui.config.alerting import AlertRule
from opstui.metrics.store import MetricStore

_METRICS = (
    "check_up",
    "db_connections",
    "payments_failed_total",
    "payment_success_rate",
    "error_rate",
    "latency_p95",
    "email_failure_rate",
    "queue_length",
)
_EXTRA_RULES = (
    {"name": "Queue growing", "expr": "avg_over(queue_length, 5m) > 100", "severity": "P2"},
    {"name": "Latency p99 over window", "expr": "quantile_over(0.99, latency_p95, 5m) > 3000", "severity": "P2"},
    {"name": "Error rate rising", "expr": "max_over(error_rate, 5m) - min_over(error_rate, 5m) > 3", "severity": "P3"},
    {"name": "Stale source", "expr": "absent_over(check_up, 5m)", "severity": "P2"},
)


def bench_alerts(series: int = 10, turns: int = 200) -> dict[str, float]:
    """Mean milliseconds per evaluation of every rule, with ``series`` series per metric and 1 h of history."""
    start = 1_790_000_000.0
    clock = FakeClock(start)
    store = MetricStore(clock)
    rng = random.Random(7)
    hour = int(3600 / store.resolution)
    for step in range(hour):
        ts = start + step * store.resolution
        for metric in _METRICS:
            for n in range(series):
                value = 1.0 if metric == "check_up" else abs(50 + 20 * math.sin(step / 50) + rng.gauss(0, 5))
                store.record(metric, value, ts, {"source": f"s{n}"})
    clock.set(start + hour * store.resolution)
    rules = default_rules() + [AlertRule.model_validate(rule) for rule in _EXTRA_RULES]
    engine = RuleEngine(rules, store, clock)
    engine.evaluate()
    if engine.errors:  # a rule that fails costs nothing and would flatter the figure
        raise RuntimeError(f"rules failed: {engine.errors}")
    began = time.perf_counter()
    for _ in range(turns):
        clock.advance(store.resolution)
        engine.evaluate()
    elapsed = time.perf_counter() - began
    return {"rules": len(rules), "series": series * len(_METRICS), "ms_per_turn": elapsed / turns * 1000}


def rows(quick: bool = False, dsn: str | None = None) -> list[tuple[str, str, str]]:
    """The figures for ``bench/run.py``."""
    figures = bench_alerts(turns=50 if quick else 200)
    how = (
        f"{figures['rules']:.0f} rules (the seeds' and 4 window rules) over {figures['series']:.0f} series "
        "with 1 h of history each"
    )
    return [("alert rules, one turn", f"{figures['ms_per_turn']:.2f} ms", how)]


if __name__ == "__main__":
    print(bench_alerts())
