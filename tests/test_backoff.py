"""The one backoff formula: full jitter over a capped exponential, shared by sources and notifiers."""

from __future__ import annotations

import random

from opstui.backoff import Backoff, full_jitter
from opstui.clock import FakeClock
from opstui.notify.dispatcher import NotificationDispatcher
from opstui.notify.outbox import MemoryOutbox
from opstui.sources import base


def test_full_jitter_draws_over_the_whole_window_below_the_capped_ceiling() -> None:
    rng = random.Random(3)
    for failures, ceiling in [(1, 2.0), (2, 4.0), (4, 16.0), (10, 60.0)]:
        delays = [full_jitter(failures, 2.0, 60.0, rng) for _ in range(500)]
        assert all(0.0 <= delay <= ceiling for delay in delays)
        # Full, not equal, jitter: the lower half of the window is used as much as the upper one.
        lower = sum(delay < ceiling / 2 for delay in delays)
        assert 200 < lower < 300


def test_a_backoff_grows_with_each_failure_and_starts_over_after_reset() -> None:
    backoff = Backoff(base=1.0, cap=8.0, rng=random.Random(5))
    ceilings = [1.0, 2.0, 4.0, 8.0, 8.0]
    assert all(0.0 <= backoff.next_delay() <= ceiling for ceiling in ceilings)
    assert backoff.failures == 5
    backoff.reset()
    assert backoff.failures == 0
    assert backoff.next_delay() <= 1.0


def test_sources_and_the_dispatcher_use_the_same_formula() -> None:
    assert not hasattr(base, "Backoff")  # one definition, in opstui.backoff
    rng_a, rng_b = random.Random(9), random.Random(9)
    dispatcher = NotificationDispatcher(MemoryOutbox(FakeClock()), {}, FakeClock(), rng=rng_a)
    expected = [full_jitter(n, dispatcher.base_delay, dispatcher.max_delay, rng_b) for n in range(1, 8)]
    assert [dispatcher.backoff(n) for n in range(1, 8)] == expected
