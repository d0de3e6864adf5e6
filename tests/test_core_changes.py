"""The core's one change signal: a counter and listeners, no shared flag for a waiter to clear."""

from __future__ import annotations

from opstui.clock import FakeClock
from opstui.config.models import Config
from opstui.core import Core


def test_every_listener_hears_each_change_with_the_new_version_until_it_unsubscribes() -> None:
    core = Core(Config.model_validate({"alerts": []}), FakeClock(1_790_000_000.0))
    heard_a: list[int] = []
    heard_b: list[int] = []
    core.on_change(heard_a.append)
    stop_b = core.on_change(heard_b.append)
    core.note_change()
    stop_b()
    core.note_change()
    assert (core.state_version, heard_a, heard_b) == (2, [1, 2], [1])


def test_a_broken_listener_does_not_keep_the_others_from_hearing() -> None:
    core = Core(Config.model_validate({"alerts": []}), FakeClock(1_790_000_000.0))
    heard: list[int] = []

    def broken(version: int) -> None:
        raise RuntimeError("a screen torn down mid-change")

    core.on_change(broken)
    core.on_change(heard.append)
    core.note_change()
    assert heard == [1]
