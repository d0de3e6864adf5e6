"""``actions:`` and ``contacts:`` in the config: what validate accepts and refuses, and what applies to which
incident."""

from __future__ import annotations

import pytest

from opstui.actions.match import actions_for, contacts_for
from opstui.alerts.model import Severity
from opstui.config import ConfigError, load_config_text
from opstui.incidents.model import Incident, IncidentState


def incident(rule: str = "High Error Rate", runbook: str | None = "high-error-rate", severity: str = "P1") -> Incident:
    return Incident(
        id=1,
        fingerprint=f"{rule}|",
        rule=rule,
        title=rule,
        severity=Severity(severity),
        state=IncidentState.TRIGGERED,
        opened_at=0.0,
        triggered_at=0.0,
        runbook=runbook,
    )


CONFIG = """
actions:
  - name: Rollback web
    command: [vercel, rollback]
    dangerous: true
    applies_to: [High Error Rate, payment-failures-spike]
  - name: Check health
    command: [curl, -fsS, https://api.example/health]
    confirm: false
  - name: P0 only
    command: ['true']
    severities: [P0]
contacts:
  - provider: Stripe Support
    covers: Payments
    reach: https://support.stripe.com
    applies_to: [Payment System Down, payment-failures-spike]
  - provider: Vercel Support
    covers: Hosting
"""


def test_actions_and_contacts_apply_by_rule_runbook_and_severity() -> None:
    config = load_config_text(CONFIG)
    names = [a.name for a in actions_for(config.actions, incident())]
    assert names == ["Rollback web", "Check health"]
    spike = incident("Payment Failures Spike", "payment-failures-spike", "P0")
    assert [a.name for a in actions_for(config.actions, spike)] == ["Rollback web", "Check health", "P0 only"]
    assert [c.provider for c in contacts_for(config.contacts, spike)] == ["Stripe Support", "Vercel Support"]
    assert [c.provider for c in contacts_for(config.contacts, incident())] == ["Vercel Support"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("actions: [{name: a, command: 'ls -l'}]", "needs 'shell: true'"),
        ("actions: [{name: a}]", "exactly one of 'command' or 'http'"),
        ("actions: [{name: a, command: [x], http: {url: 'http://h/'}}]", "exactly one of"),
        ("actions: [{name: a, command: []}]", "the command list is empty"),
        ("actions: [{name: a, command: [x], dangerous: true, confirm: false}]", "always confirmed"),
        ("actions: [{name: a, command: [x]}, {name: A, command: [y]}]", "two actions are named"),
        ("actions: [{name: a, http: {url: 'ftp://h/'}}]", "http:// or https://"),
        ("actions: [{name: a, command: [x], timeout: 2h}]", "less than or equal to 3600"),
        ("actions: [{name: a, command: [x], run_as: root}]", "unknown key"),
    ],
)
def test_a_bad_action_is_one_clear_error(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")) as caught:
        load_config_text(text, file="opstui.yaml")
    assert str(caught.value).startswith("opstui.yaml:1: actions")


def test_env_and_header_values_are_never_printed_with_the_config() -> None:
    config = load_config_text(
        "actions: [{name: a, command: [x], env: {T: '${TOKEN}'}}, "
        "{name: b, http: {url: 'http://h/', headers: {Authorization: 'Bearer ${TOKEN}'}}}]",
        env={"TOKEN": "s3cr3t"},
    )
    assert "s3cr3t" not in repr(config) and "s3cr3t" not in str(config.model_dump())


def test_the_example_config_carries_the_seeds_commands_and_contacts() -> None:
    from pathlib import Path

    from opstui.config import load_config

    example = load_config(Path(__file__).resolve().parents[2] / "config.example.yaml")
    names = [action.name for action in example.actions]
    assert names[:3] == ["Check API health", "Check database connection", "Rollback web (Vercel)"]
    assert all(action.dangerous for action in example.actions if action.name.startswith("Rollback"))
    providers = {contact.provider for contact in example.contacts}
    assert {"Vercel Support", "MongoDB Atlas Support", "Stripe Support", "Mailgun/SendGrid Support"} <= providers
