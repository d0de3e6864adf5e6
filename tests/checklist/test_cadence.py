"""Cadences: elapsed time from launch, wall-clock times in a zone (across DST), and cron."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from opstui.checklist.cadence import Cadence, CronCadence, IntervalCadence, make_cadence, parse_cron
from tests.checklist.conftest import LAUNCH, at

BERLIN = ZoneInfo("Europe/Berlin")
UTC = ZoneInfo("UTC")


def cadence(zone: ZoneInfo = UTC, **fields: object) -> Cadence:
    values: dict[str, object] = {"every": None, "cron": None, "at": None, "on": None, "day": None}
    values.update(fields)
    return make_cadence(zone=zone, anchor=LAUNCH, **values)  # type: ignore[arg-type]


def test_every_5m_counts_from_launch() -> None:
    every = cadence(every="5m")
    assert isinstance(every, IntervalCadence)
    assert every.last_at_or_before(LAUNCH + 299) is None
    assert every.next_after(LAUNCH) == LAUNCH + 300
    assert every.last_at_or_before(LAUNCH + 300) == LAUNCH + 300
    assert every.next_after(LAUNCH + 300) == LAUNCH + 600
    assert every.text == "every 5m"


def test_hourly_is_an_hour_from_launch() -> None:
    hourly = cadence(every="hourly")
    assert hourly.next_after(LAUNCH) == LAUNCH + 3600
    assert hourly.text == "hourly"


def test_daily_is_09_00_local_on_both_sides_of_the_spring_dst_change() -> None:
    daily = cadence(BERLIN, every="daily")
    assert isinstance(daily, CronCadence)
    before = daily.next_after(at("2026-03-28 09:00", "Europe/Berlin"))
    assert before == at("2026-03-29 09:00", "Europe/Berlin")
    assert before == at("2026-03-29 07:00")  # CEST: UTC+2 now, no longer UTC+1
    assert daily.last_at_or_before(at("2026-03-29 08:59", "Europe/Berlin")) == at("2026-03-28 08:00")
    assert before - at("2026-03-28 09:00", "Europe/Berlin") == 23 * 3600  # the short day


def test_daily_at_configured_time_across_the_autumn_change() -> None:
    daily = cadence(BERLIN, every="daily", at="06:30")
    first = at("2026-10-24 06:30", "Europe/Berlin")
    assert daily.next_after(first) == first + 25 * 3600


def test_a_wall_time_skipped_in_spring_happens_an_hour_later() -> None:
    nightly = cadence(BERLIN, cron="30 2 * * *")
    assert nightly.next_after(at("2026-03-29 00:00", "Europe/Berlin")) == at("2026-03-29 01:30")


def test_weekly_on_a_weekday_and_monthly_on_a_day() -> None:
    weekly = cadence(every="weekly", on="friday", at="10:00")
    assert weekly.next_after(at("2026-09-21 00:00")) == at("2026-09-25 10:00")
    assert weekly.text == "weekly fri 10:00"
    monthly = cadence(every="monthly", day=15)
    assert monthly.next_after(at("2026-09-21 00:00")) == at("2026-10-15 09:00")
    assert monthly.last_at_or_before(at("2026-09-21 00:00")) == at("2026-09-15 09:00")
    assert 28 * 86400 <= monthly.period <= 31 * 86400


def test_cron_steps_ranges_names_and_weekdays() -> None:
    work = cadence(cron="*/15 9-17 * * mon-fri")
    friday_evening = at("2026-09-25 17:50")
    assert work.next_after(friday_evening) == at("2026-09-28 09:00")
    assert work.next_after(at("2026-09-28 09:00")) == at("2026-09-28 09:15")
    assert work.last_at_or_before(at("2026-09-27 12:00")) == at("2026-09-25 17:45")
    assert work.period == 900


def test_cron_day_of_month_or_day_of_week_when_both_are_given() -> None:
    spec = parse_cron("0 9 1 * sun")
    hits = CronCadence(spec, UTC, "x")
    # 2026-11-01 is a Sunday and the 1st; 2026-11-08 a Sunday; 2026-12-01 a Tuesday.
    assert hits.next_after(at("2026-11-01 10:00")) == at("2026-11-08 09:00")
    assert hits.next_after(at("2026-11-29 10:00")) == at("2026-12-01 09:00")


def test_cron_aliases() -> None:
    assert parse_cron("@daily") == parse_cron("0 0 * * *")
    assert parse_cron("0 0 * * 7") == parse_cron("0 0 * * 0")


@pytest.mark.parametrize(
    ("expr", "says"),
    [
        ("* * * *", "5 fields"),
        ("60 * * * *", "minute"),
        ("* 24 * * *", "hour"),
        ("* * * foo *", "month"),
        ("* * 0 * *", "day of month"),
        ("*/0 * * * *", "minute"),
    ],
)
def test_bad_cron_says_which_field(expr: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_cron(expr)


def test_a_cron_that_never_happens_has_no_next() -> None:
    never = CronCadence(parse_cron("0 0 31 2 *"), UTC, "never")
    assert never.next_after(LAUNCH) is None
    assert never.last_at_or_before(LAUNCH) is None
