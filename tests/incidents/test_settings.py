"""Incident, escalation and state settings default to the seed's playbook and load from the config."""

from __future__ import annotations

import getpass

import pytest

from opstui.alerts.model import Severity
from opstui.config import ConfigError, load_config_text
from opstui.config.incidents import operator_name


def test_defaults_are_the_seeds_response_times_and_escalation_path() -> None:
    config = load_config_text("environment: production\n")
    minutes = {severity: seconds / 60 for severity, seconds in config.incidents.sla.items()}
    assert minutes == {Severity.P0: 15, Severity.P1: 60, Severity.P2: 240, Severity.P3: 1440}
    assert (config.incidents.auto_resolve_after, config.incidents.reopen_within) == (600, 1800)
    assert (config.escalation.after, config.escalation.path) == (900, ["primary", "secondary", "manager"])
    assert config.state.backend == "sqlite"
    assert config.state.resolved_path().name == "state.db"


def test_overriding_one_severity_keeps_the_others() -> None:
    config = load_config_text("incidents:\n  sla: {P0: 5m}\n  auto_resolve_after: null\n")
    assert config.incidents.sla[Severity.P0] == 300
    assert config.incidents.sla[Severity.P3] == 86400
    assert config.incidents.auto_resolve_after is None


def test_a_bad_severity_names_its_line() -> None:
    with pytest.raises(ConfigError) as info:
        load_config_text("incidents:\n  sla:\n    P9: 5m\n", file="c.yaml")
    assert str(info.value).startswith("c.yaml:")


def test_the_operator_is_the_configured_name_or_the_login() -> None:
    assert operator_name("alice") == "alice"
    assert operator_name(None) == getpass.getuser()
    assert load_config_text("operator: bob\n").operator == "bob"
