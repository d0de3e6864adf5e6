"""Who is on call now, from the seed's rotation: primary and secondary by week, the manager last."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from opstui.clock import FakeClock
from opstui.config.models import Config
from opstui.config.rotation import WEEK, Rotation
from opstui.core import Core

START = datetime(2026, 9, 21, 9, 0, tzinfo=UTC)


def rotation(*people: str) -> Rotation:
    return Rotation(people=list(people), start=START, manager="maria")


def test_two_people_alternate_primary_and_secondary_weekly_as_in_the_seed() -> None:
    turns = [rotation("ana", "ben").who_is_on_call(START.timestamp() + week * WEEK + 3600) for week in range(4)]
    assert [(t.primary, t.secondary) for t in turns] == [("ana", "ben"), ("ben", "ana")] * 2
    assert turns[0].shift_ends == START.timestamp() + WEEK
    assert turns[0].resolve("manager") == "maria"
    assert turns[1].resolve("primary") == "ben"
    assert turns[1].resolve("dba") == "dba"


def test_the_handover_happens_at_the_start_time_of_the_week() -> None:
    team = rotation("ana", "ben", "chen")
    assert team.who_is_on_call(START.timestamp() + WEEK - 1).primary == "ana"
    on_call = team.who_is_on_call(START.timestamp() + WEEK)
    assert (on_call.primary, on_call.secondary) == ("ben", "chen")


def test_alone_on_call_the_manager_is_the_secondary() -> None:
    assert rotation("ana").who_is_on_call(START.timestamp()).secondary == "maria"


def test_a_person_twice_is_a_config_error() -> None:
    with pytest.raises(ValidationError, match="each person appears once"):
        rotation("ana", "ana")


async def test_the_core_puts_the_primary_in_the_header(tmp_path: object) -> None:
    config = Config.model_validate(
        {"rotation": {"people": ["ana", "ben"], "start": START.isoformat(), "manager": "maria"}}
    )
    core = Core(config, FakeClock(START.timestamp() + WEEK + 60))
    assert core.header_counts().on_call == "ben/ana to Mon 09:00"
    assert core.rotation_now is not None and core.rotation_now.resolve("secondary") == "ana"
