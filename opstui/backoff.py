"""The one backoff formula: exponential, capped, with full jitter.

Sources reconnecting and notifiers retrying both wait with it. Full jitter (a uniform draw between
zero and the capped exponential ceiling) spreads many clients that failed together over the whole
window, so consoles sharing a down endpoint never retry in lock-step; the AWS architecture blog's
"Exponential Backoff And Jitter" measured it as the scheme with the least total work. It sits at the
top of the package so that ``sources`` and ``notify`` can both import it without reaching upwards.
"""

from __future__ import annotations

import random


def full_jitter(failures: int, base: float, cap: float, rng: random.Random) -> float:
    """Seconds to wait after ``failures`` failures in a row: uniform in ``[0, min(cap, base * 2 ** (failures - 1))]``.

    ``failures`` counts from 1 (the first failure waits up to ``base``).
    """
    ceiling = min(cap, base * 2.0 ** max(0, failures - 1))
    return rng.uniform(0.0, ceiling)


class Backoff:
    """Consecutive failures of one connection, and the wait :func:`full_jitter` gives for the next attempt."""

    def __init__(self, base: float = 1.0, cap: float = 60.0, rng: random.Random | None = None) -> None:
        self.base = base
        self.cap = cap
        self.failures = 0
        self._rng = rng or random.Random()

    def next_delay(self) -> float:
        """Count one more failure and return the wait before the next attempt; grows until :meth:`reset`."""
        self.failures += 1
        return full_jitter(self.failures, self.base, self.cap, self._rng)

    def reset(self) -> None:
        """A success: the next failure starts the sequence again from ``base``."""
        self.failures = 0
