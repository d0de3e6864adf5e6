"""``opstui rules export --format prometheus``: the file passes ``promtool check rules``, and loaded into a real
Prometheus its rules fire on the same data as in opstui; a rule on a metric without PromQL is refused by name."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from opstui.alerts.export import alert_name, export_rules, to_promql
from opstui.alerts.expr import parse
from opstui.alerts.model import AlertState
from opstui.alerts.rules import RuleEngine
from opstui.cli import main
from opstui.clock import FakeClock
from opstui.config.loader import load_config
from opstui.config.models import PrometheusSource
from opstui.monitor import Monitor
from opstui.sources.prometheus import PrometheusQuery
from tests.prom.servers import Prometheus, eventually

CONFIG = """
sources:
  - name: prom
    type: prometheus
    url: {url}
    queries:
      pending: 'sum(jobs_pending)'
      requests_per_s: 'sum(rate(demo_requests_total[10s]))'
  - name: svc
    type: scrape
    url: {url}/metrics
    metrics:
      queue: jobs_pending
alerts:
  - name: Queue Too Long
    expr: pending > 5
    severity: P2
    summary: '{{{{ value }}}} jobs waiting ({{{{ severity }}}})'
    runbook: queue-backlog
  - name: Queue long over time
    expr: avg_over(pending, 1m) > 5 and p95_over(pending, 1m) >= 7
    for: 1s
    keep_firing_for: 30s
    severity: P1
    labels: {{team: shop}}
  - name: Traffic
    expr: max_over(requests_per_s, 30s) > 1 unless absent(pending)
    severity: P3
  - name: Scraped queue
    expr: queue > 5
"""


@pytest.fixture
def config_file(prometheus: Prometheus, tmp_path: Path) -> Path:
    path = tmp_path / "opstui.yaml"
    path.write_text(CONFIG.format(url=prometheus.url))
    return path


@pytest.fixture
def exported(config_file: Path, tmp_path: Path, promtool: str, capsys: pytest.CaptureFixture[str]) -> Path:
    """The export with ``--partial``, checked by ``promtool check rules``."""
    out = tmp_path / "rules.yml"
    argv = ["rules", "export", "--format", "prometheus", "--config", str(config_file), "-o", str(out), "--partial"]
    assert main(argv) == 0
    assert "rule Scraped queue:" in capsys.readouterr().err
    check = subprocess.run([promtool, "check", "rules", str(out)], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "SUCCESS: 3 rules found" in check.stdout
    return out


@pytest.fixture
def loaded(prometheus: Prometheus, exported: Path) -> Iterator[Path]:
    """The export as the session Prometheus's rule file (reloaded), emptied again after the test."""
    prometheus.rules.write_text(exported.read_text())
    httpx.post(prometheus.url + "/-/reload", timeout=5.0).raise_for_status()
    yield exported
    prometheus.rules.write_text("groups: []\n")
    httpx.post(prometheus.url + "/-/reload", timeout=5.0).raise_for_status()


def test_a_rule_without_promql_is_refused_by_name(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "rules.yml"
    assert main(["rules", "export", "--format", "prometheus", "--config", str(config_file), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "rule Scraped queue: metric 'queue' has no PromQL" in err
    assert not out.exists()


async def test_the_export_passes_promtool_and_fires_in_prometheus_as_in_opstui(
    loaded: Path, config_file: Path, prometheus: Prometheus, clock: FakeClock
) -> None:
    async def firing_in_prometheus() -> set[str] | None:
        async with httpx.AsyncClient(timeout=5.0) as client:
            alerts = (await client.get(prometheus.url + "/api/v1/alerts")).json()["data"]["alerts"]
        names = {a["labels"]["alertname"] for a in alerts if a["state"] == "firing"}
        return names if names >= {"QueueTooLong", "QueueLongOverTime", "Traffic"} else None

    firing = await eventually(firing_in_prometheus, what="Prometheus firing the exported rules")
    assert firing == {"QueueTooLong", "QueueLongOverTime", "Traffic"}

    # The same rules in opstui, on the same Prometheus' data, fire too.
    config = load_config(config_file)
    monitor = Monitor(config, clock)
    prom = config.sources[0]
    assert isinstance(prom, PrometheusSource)
    async with httpx.AsyncClient() as client:
        clock.set(time.time())
        await PrometheusQuery(prom, clock, monitor, client, 120.0).run_once()
    assert config.alerts is not None
    engine = RuleEngine(config.alerts[:3], monitor.store, clock, config.alerting)
    clock.advance(2.0)  # past the 1 s `for`, on opstui's own clock
    engine.evaluate()
    clock.advance(2.0)
    engine.evaluate()
    assert {a.rule for a in engine.alerts() if a.state is AlertState.FIRING} == {
        "Queue Too Long",
        "Queue long over time",
        "Traffic",
    }


def test_translation_of_each_function() -> None:
    queries = {"m": "sum(x)"}
    cases = {
        "m > 5": "((sum(x))) > (5)",
        "avg_over(m, 5m) > 1.5": "(avg_over_time((sum(x))[5m:])) > (1.5)",
        "p95_over(m, 90s)": "quantile_over_time(0.95, (sum(x))[1m30s:])",
        "quantile_over(0.9, m, 1h)": "quantile_over_time(0.9, (sum(x))[1h:])",
        "rate(m[5m])": "rate((sum(x))[5m:])",
        "absent_over(m, 10m)": "absent_over_time((sum(x))[10m:])",
        "-m": "-((sum(x)))",
    }
    for expr, promql in cases.items():
        assert to_promql(parse(expr), queries) == promql, expr
    assert alert_name("High Error Rate") == "HighErrorRate"
    assert alert_name("5xx spike") == "Opstui5xxSpike"
    assert export_rules([], queries).written == 0
