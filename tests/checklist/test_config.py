"""``checklist:`` in the config: ids from titles, one cadence each, and errors with file, line and key."""

from __future__ import annotations

import pytest

from opstui.config import ConfigError, load_config_text
from opstui.config.checklist import task_id


def load(text: str):  # type: ignore[no-untyped-def]
    return load_config_text(text, file="c.yaml", env={})


def test_no_checklist_key_means_the_builtin_list() -> None:
    assert load("environment: x\n").checklist is None


def test_ids_are_derived_from_titles_unless_given() -> None:
    config = load(
        "checklist:\n"
        "  - title: Check `/api/health` endpoint status\n    every: 5m\n"
        "  - id: p95\n    title: Check response time metrics (p50, p95, p99)\n    every: 30m\n"
    )
    assert [t.id for t in config.checklist] == ["check-api-health-endpoint-status", "p95"]
    assert task_id("Review third-party service usage (Stripe fees, email costs)") == (
        "review-third-party-service-usage-stripe-fees-email-costs"
    )


def test_every_calendar_and_cron_forms_are_accepted() -> None:
    config = load(
        "timezone: Europe/Berlin\n"
        "checklist:\n"
        "  - {title: a, every: hourly}\n"
        "  - {title: b, every: daily, at: '07:30'}\n"
        "  - {title: c, every: weekly, on: friday}\n"
        "  - {title: d, every: monthly, day: 15, at: '10:00'}\n"
        "  - {title: e, cron: '*/10 9-17 * * mon-fri', grace: 2m}\n"
        "  - {title: f, every: 2h, first: 48h, metric: error_rate, auto: 'error_rate < 1'}\n"
    )
    assert [t.id for t in config.checklist] == list("abcdef")
    assert config.checklist[5].first == 48 * 3600.0


@pytest.mark.parametrize(
    ("entry", "line", "says"),
    [
        ("{title: a, every: fortnightly}", 3, "not a cadence"),
        ("{title: a}", 3, "exactly one of every"),
        ("{title: a, every: 5m, cron: '* * * * *'}", 3, "exactly one of every"),
        ("{title: a, cron: '61 * * * *'}", 3, "minute"),
        ("{title: a, every: 5m, at: '09:00'}", 3, "at: goes with"),
        ("{title: a, every: daily, at: '9am'}", 3, "time of day"),
        ("{title: a, every: weekly, on: someday}", 3, "weekday"),
        ("{title: a, every: monthly, day: 31}", 3, "1-28"),
        ("{title: a, every: 10s}", 3, "shorter than a minute"),
        ("{title: a, every: 5m, auto: 'api is green'}", 3, "source state"),
        ("{title: a, every: 5m, auto: 'the api looks fine'}", 3, "not understood"),
        ("{title: a, every: 5m, colour: red}", 3, "colour"),
    ],
)
def test_a_bad_task_names_file_line_and_key(entry: str, line: int, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(f"environment: x\nchecklist:\n  - {entry}\n")
    message = str(caught.value)
    assert message.startswith(f"c.yaml:{line}: checklist[0]"), message
    assert says in message


def test_two_tasks_with_one_id_are_an_error() -> None:
    with pytest.raises(ConfigError, match="two checklist tasks have the id 'check-health'"):
        load("checklist:\n  - {title: Check health, every: 5m}\n  - {title: Check  health!, every: 1h}\n")


def test_an_unknown_time_zone_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="c.yaml:1: timezone: 'Mars/Olympus' is not a time zone"):
        load("timezone: Mars/Olympus\n")
