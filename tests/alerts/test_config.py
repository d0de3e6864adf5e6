"""Alert rules in the config file: they load, and a bad one names the file, line, rule, key path and column."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from opstui.alerts.seeds import default_rules
from opstui.config import ConfigError, load_config, load_config_text
from opstui.config.alerting import render_summary

RULES = """
alerts:
  - name: High Error Rate
    expr: error_rate > 5
    for: 5m
    severity: P1
    runbook: high-error-rate
    summary: "Error rate {{ value }}% for 5 minutes"
  - name: Payment System Down
    expr: count_over(payment_failed, 5m) > 10
    severity: P0
alerting:
  interval: 10s
"""


def test_rules_load_with_their_fields() -> None:
    config = load_config_text(RULES, file="c.yaml")
    assert config.alerts is not None
    high, payments = config.alerts
    assert (high.name, high.for_, high.severity.value) == ("High Error Rate", 300.0, "P1")
    assert high.runbook == "high-error-rate"
    assert (payments.for_, payments.keep_firing_for, payments.severity.value) == (0.0, 0.0, "P0")
    assert config.alerting.interval == 10.0


def test_no_alerts_key_means_the_seed_rules_and_an_empty_list_means_none() -> None:
    assert load_config_text("environment: x\n").alerts is None
    assert load_config_text("alerts: []\n").alerts == []


def test_a_bad_expression_names_the_rule_and_the_column() -> None:
    text = RULES.replace("count_over(payment_failed, 5m) > 10", "count_over(payment_failed 5m) > 10")
    with pytest.raises(ConfigError) as caught:
        load_config_text(text, file="c.yaml")
    error = caught.value
    assert error.path == "alerts[1].expr"
    assert error.line == 10
    assert "rule 'Payment System Down'" in error.message
    assert "column 27" in error.message
    assert str(error).startswith("c.yaml:10: alerts[1].expr: rule 'Payment System Down': bad expression at column 27")


def test_an_unknown_function_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config_text("alerts:\n  - {name: X, expr: 'avg(m, 5m) > 1'}\n", file="c.yaml")
    assert caught.value.path == "alerts[0].expr"
    assert "unknown function 'avg'" in caught.value.message


def test_an_unknown_placeholder_in_the_summary_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config_text("alerts:\n  - {name: X, expr: m > 1, summary: 'at {{ valeu }}'}\n")
    assert caught.value.path == "alerts[0].summary"
    assert "unknown placeholder {{ valeu }}" in caught.value.message


@pytest.mark.parametrize(
    ("entry", "path", "fragment"),
    [
        ("{name: X, expr: m > 1, severity: P5}", "alerts[0].severity", "P0"),
        ("{name: X, expr: m > 1, for: soon}", "alerts[0].for", "not a duration"),
        ("{name: X, expr: m > 1, fro: 5m}", "alerts[0].fro", "unknown key"),
        ("{name: X}", "alerts[0].expr", "required"),
    ],
)
def test_other_mistakes_name_their_key(entry: str, path: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config_text(f"alerts:\n  - {entry}\n")
    assert caught.value.path == path
    assert fragment in caught.value.message


def test_two_rules_with_one_name_are_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config_text("alerts:\n  - {name: X, expr: m > 1}\n  - {name: X, expr: m > 2}\n")
    assert "two alert rules are named 'X'" in caught.value.message


def test_a_bad_rule_exits_2_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("alerts:\n  - name: Broken\n    expr: error_rate >\n")
    result = subprocess.run(
        [sys.executable, "-m", "opstui", "validate", "--config", str(config)], capture_output=True, text=True
    )
    assert result.returncode == 2
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert "alerts[0].expr" in output and "rule 'Broken'" in output and "column 13" in output


def test_summary_templates_fill_value_and_labels() -> None:
    text = "{{ $labels.source }} down: {{ value }} ({{ labels.missing }}) {{ rule }} {{ severity }}"
    assert render_summary(text, 0.0, {"source": "api"}, "Service Down", "P0") == "api down: 0 () Service Down P0"
    assert render_summary("{{ value }}", 2150.4, {}, "r", "P1") == "2150"
    assert render_summary("{{value}}", 0.0031, {}, "r", "P1") == "0.0031"
    assert render_summary("{{ value }}", None, {}, "r", "P1") == "?"


def test_the_example_config_carries_every_seed_rule() -> None:
    example = Path(__file__).resolve().parents[2] / "config.example.yaml"
    config = load_config(example)
    assert config.alerts == default_rules()
