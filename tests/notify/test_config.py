from __future__ import annotations

from pathlib import Path

import pytest

from opstui.alerts.model import Severity
from opstui.clock import FakeClock
from opstui.config import ConfigError, load_config_text
from opstui.config.models import Config
from opstui.config.notify import EmailNotifier, SlackNotifier, WebhookNotifier, redact_url
from opstui.core import Core
from opstui.notify.dispatcher import fan_out
from opstui.state import SqliteState

CONFIG = """
notifiers:
  - type: webhook
    name: pager
    url: https://ops:${PAGER_PASSWORD}@pager.example:8443/hooks/${PAGER_TOKEN}?key=${PAGER_TOKEN}
    headers: {Authorization: "Bearer ${PAGER_TOKEN}"}
    severities: [P0]
  - type: slack
    name: slack
    webhook_url: ${SLACK_WEBHOOK_URL}
    channel: "#ops"
    severities: [P1, P2]
  - type: email
    name: email
    host: mail.example
    username: opstui
    password: ${SMTP_PASSWORD}
    sender: opstui@example.com
    to: [oncall@example.com, eng@example.com]
    severities: [P0, P1]
"""
ENV = {
    "PAGER_PASSWORD": "pager-basic-secret",
    "PAGER_TOKEN": "pager-token-secret",
    "SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T0AAA/B0BBB/slack-path-secret",
    "SMTP_PASSWORD": "smtp-password-secret",
}


def test_secrets_never_appear_in_describe_or_repr() -> None:
    config = load_config_text(CONFIG, env=ENV)
    shown = [n.describe() for n in config.notifiers] + [repr(config), str(config.model_dump())]
    assert [n.describe() for n in config.notifiers] == [
        "webhook https://pager.example:8443/…",
        "slack hooks.slack.com/… #ops",
        "smtp mail.example:587 -> oncall@example.com, eng@example.com",
    ]
    for text in shown:
        for secret in ENV.values():
            assert secret not in text
        assert "slack-path-secret" not in text


def test_defaults_follow_the_brief() -> None:
    webhook = WebhookNotifier(type="webhook", name="w", url="https://x.example/h")
    slack = SlackNotifier(type="slack", name="s", webhook_url="https://hooks.slack.com/services/a/b/c")
    email = EmailNotifier(type="email", name="e", host="h", sender="a@x", to=["b@x"])
    assert webhook.timeout == slack.timeout == 5.0
    assert (email.port, email.starttls, email.ssl, email.timeout) == (587, True, False, 10.0)
    assert webhook.severities == slack.severities == email.severities == list(Severity)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("type: sms\n    name: x", "unknown or missing notifier type; expected type: webhook, slack or email"),
        ("type: webhook\n    name: x\n    url: ftp://x", "expected an http:// or https:// URL with a host"),
        ("type: slack\n    name: x\n    webhook_url: https://h/x\n    severities: []", "list at least one severity"),
        ("type: email\n    name: x\n    host: h\n    sender: a@b\n    to: [c@d]\n    username: u", "set both"),
        ("type: email\n    name: x\n    host: h\n    sender: nobody\n    to: [c@d]", "'nobody' is not an email"),
    ],
)
def test_a_bad_notifier_gets_one_clear_message(entry: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_config_text(f"notifiers:\n  - {entry}\n")
    assert message in str(error.value)
    assert "notifiers[0]" in str(error.value)


def test_notifier_names_are_unique() -> None:
    text = "notifiers:\n" + "  - {type: slack, name: ops, webhook_url: 'https://h/x'}\n" * 2
    with pytest.raises(ConfigError, match="two notifiers are named 'ops'"):
        load_config_text(text)


def test_fan_out_picks_notifiers_by_severity() -> None:
    notifiers = load_config_text(CONFIG, env=ENV).notifiers
    for severity, names in {"P0": ["pager", "email"], "P1": ["slack", "email"], "P2": ["slack"], "P3": []}.items():
        payload = {"incident_id": 1, "severity": severity}
        assert fan_out(payload, notifiers) == [(name, payload) for name in names]


def test_fan_out_sends_a_malformed_severity_everywhere() -> None:
    notifiers = load_config_text(CONFIG, env=ENV).notifiers
    assert [name for name, _ in fan_out({"severity": "urgent"}, notifiers)] == ["pager", "slack", "email"]


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:pw@hooks.example/services/T/B/secret?token=x#f", "https://hooks.example/…"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
        ("http://[::1]:9000/x", "http://[::1]:9000/…"),
    ],
)
def test_redact_url_keeps_only_scheme_host_and_port(url: str, shown: str) -> None:
    assert redact_url(url) == shown


async def test_the_consoles_dispatcher_gives_up_after_the_configured_page_max_age(tmp_path: Path) -> None:
    """Issue 10 item 5: failed after a *configurable* maximum age (default 24 h)."""
    clock = FakeClock()
    async with SqliteState(tmp_path / "state.db", clock) as state:
        assert Core(Config(), clock).build_dispatcher(state).max_age == 86400.0
        config = Config.model_validate({"incidents": {"page_max_age": "2h"}})
        assert Core(config, clock).build_dispatcher(state).max_age == 7200.0
    with pytest.raises(ConfigError, match="page_max_age"):
        load_config_text("incidents: {page_max_age: 0s}\n")
