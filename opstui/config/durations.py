"""Durations as people write them in the config: ``500ms``, ``30s``, ``5m``, ``2h``, ``1d``, ``1w``."""

from __future__ import annotations

import math
import re
from typing import Annotated

from pydantic import BeforeValidator, Field

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")


MAX_DURATION = 10 * 365 * 86400.0
"""The longest duration a config may give (ten years): beyond it a number is a typo, and a retention of 1e20
days or a 400-digit timeout used to crash the console instead of being refused."""


def parse_duration(value: object) -> float:
    """Return seconds for a duration string (``1h30m`` allowed) or a bare number of seconds.

    The result is finite and within ``[0, MAX_DURATION]``; anything else is a :class:`ValueError`.
    """
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 500ms, 30s, 5m, 2h or 1d")
    if isinstance(value, int | float):
        if value != value:
            raise ValueError("a duration must be a number, not NaN")
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return _bounded(float(value) if value <= MAX_DURATION else math.inf)
    if not isinstance(value, str):
        raise ValueError("expected a duration such as 500ms, 30s, 5m, 2h or 1d")
    text = value.strip().replace(" ", "")
    if len(text) > 64:
        raise ValueError("a duration is a few characters, like 500ms, 30s, 5m, 2h or 1d")
    pos, total = 0, 0.0
    for match in _PART.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos != len(text) or not text:
        raise ValueError(f"{value!r} is not a duration; write it like 500ms, 30s, 5m, 2h or 1d")
    return _bounded(total)


def _bounded(seconds: float) -> float:
    if not seconds <= MAX_DURATION:
        raise ValueError(f"a duration may not exceed {format_duration(MAX_DURATION)} (ten years)")
    return seconds


def format_duration(seconds: float) -> str:
    """Render seconds compactly for screens and reports: ``4m05s``, ``2h10m``, ``3d4h``."""
    seconds = abs(seconds)
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    s = int(seconds)
    days, rem = divmod(s, 86400)
    hours, rem = divmod(rem, 3600)
    minutes, secs = divmod(rem, 60)
    if days:
        return f"{days}d{hours}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


Duration = Annotated[float, BeforeValidator(parse_duration)]
"""A duration in seconds, written in the config as ``500ms``, ``30s``, ``5m``, ``2h`` or ``1d``."""
PositiveDuration = Annotated[Duration, Field(gt=0)]
"""A duration that must be more than zero: an interval of 0 spins a core, a store window of 0 cannot hold data."""
