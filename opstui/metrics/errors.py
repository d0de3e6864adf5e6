"""Grouped errors: the same error repeated a hundred times is one row with a count, not a hundred lines.

Every line of the event tail (an error event, a source going down or coming back) joins the group of its
source, level and message *shape* (:func:`~opstui.metrics.keys.message_key`: numbers, ids and hex stripped), so
``timeout after 3012 ms (order 9f8e...)`` and ``timeout after 2988 ms (order 0a1b...)`` are one group. A group
keeps its count, first and last time seen, its latest full line, and per-minute counts of the last
:data:`TREND_MINUTES` minutes (the sparkline, and "how many in the last 15 minutes" for the On-call screen).
Deploys are never grouped (each version is its own row).

Bounds: at most :data:`MAX_GROUPS` groups; a new group beyond that replaces the one seen longest ago. Each group
holds at most :data:`TREND_MINUTES` counters. So memory is fixed whatever the error rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from opstui.metrics.keys import message_key

MAX_GROUPS = 500
TREND_MINUTES = 15
"""Minutes of per-minute counts a group keeps: the sparkline's span and the On-call pane's window."""
NEW_FOR = 300.0
"""A group first seen less than this long ago is marked new."""


@dataclass(slots=True)
class ErrorGroup:
    """One kind of error (or source change) and how often it happened."""

    key: str
    source: str
    level: str
    shape: str
    """The message with numbers, ids and hex stripped: what the members share."""
    count: int = 0
    first: float = math.inf
    last: float = -math.inf
    latest: str = ""
    """The full text of the newest member."""
    latest_at: float = -math.inf
    minutes: dict[int, int] = field(default_factory=dict)
    """Per-minute counts (minute = floor(ts / 60)) of the last :data:`TREND_MINUTES` minutes."""

    def trend(self, now: float, width: int = TREND_MINUTES) -> list[int]:
        """Counts per minute, oldest first, over the last ``width`` minutes ending with ``now``'s."""
        current = math.floor(now / 60)
        return [self.minutes.get(m, 0) for m in range(current - width + 1, current + 1)]

    def recent(self, now: float, minutes: int = TREND_MINUTES) -> int:
        """How many in the last ``minutes`` minutes (whole minutes, the current one included)."""
        return sum(self.trend(now, minutes))

    def is_new(self, now: float) -> bool:
        return now - self.first < NEW_FOR


class ErrorGroups:
    """The groups, keyed by source, level and shape; bounded by :data:`MAX_GROUPS`."""

    def __init__(self, max_groups: int = MAX_GROUPS) -> None:
        self.max_groups = max_groups
        self._groups: dict[str, ErrorGroup] = {}
        self.version = 0
        """Counts changes, so a pane redraws only when a group changed."""

    def add(self, ts: float, level: str, source: str, message: str) -> ErrorGroup:
        shape = message if level == "deploy" else message_key(message)
        key = f"{source}\x00{level}\x00{shape}"
        group = self._groups.get(key)
        if group is None:
            if len(self._groups) >= self.max_groups:
                stalest = min(self._groups.values(), key=lambda g: g.last)
                del self._groups[stalest.key]
            group = self._groups[key] = ErrorGroup(key, source, level, shape)
        group.count += 1
        group.first = min(group.first, ts)
        group.last = max(group.last, ts)
        if ts >= group.latest_at:
            group.latest, group.latest_at = message, ts
        minute = math.floor(ts / 60)
        newest = max(group.minutes, default=minute)
        if minute > newest - TREND_MINUTES:
            group.minutes[minute] = group.minutes.get(minute, 0) + 1
            for old in [m for m in group.minutes if m <= max(newest, minute) - TREND_MINUTES]:
                del group.minutes[old]
        self.version += 1
        return group

    def groups(self) -> list[ErrorGroup]:
        """Every group, the one seen last first."""
        return sorted(self._groups.values(), key=lambda g: (-g.last, g.key))

    def __len__(self) -> int:
        return len(self._groups)
