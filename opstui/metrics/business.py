"""Product analytics: ``business`` events (signups, donations and their amounts, registrations) per window.

Each event is counted under its name: how many over the window, the sum of their ``value`` (an event without
one adds 0), and how many per minute (over the window, or over the time since the first product event of any
name when that is shorter: a donation first seen a minute after the signups is still counted per window). An
event with labels is counted a second time under its name and labels (``donation`` with ``campaign=winter``),
so a breakdown is there without making the per-name figures depend on it. Windows are
:class:`~opstui.metrics.cells.CountWindow` rings (30 cells of 10 s for 5 minutes).

Bounds: at most :data:`MAX_NAMES` names and :data:`MAX_LABELLED` (name, labels) pairs are kept; a new one
beyond that takes the place of one idle for a whole window, else it is counted under :data:`OTHER` (the name
``other``, or the name with the single label ``other="true"``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from opstui.metrics.cells import CountWindow
from opstui.sources.events import BusinessEvent, Event

MAX_NAMES = 50
"""Event names counted one by one."""
MAX_LABELLED = 200
"""(name, labels) pairs counted one by one."""
OTHER = "other"

Labels = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class BusinessStat:
    """One event name (and labels, for the breakdown) over the window."""

    name: str
    labels: Labels
    count: int
    total: float
    """Sum of the events' values."""
    per_min: float

    @property
    def label_dict(self) -> dict[str, str]:
        """The series labels: ``name`` and the event's own."""
        return {"name": self.name, **dict(self.labels)}


class _Bounded:
    """Count windows keyed by (name, labels), at most ``limit`` keys (an idle one gives its place up)."""

    def __init__(self, window: float, limit: int) -> None:
        self.window = window
        self.limit = limit
        self.windows: dict[tuple[str, Labels], CountWindow] = {}
        self._seen: dict[tuple[str, Labels], float] = {}

    def add(self, key: tuple[str, Labels], ts: float, value: float, now: float) -> None:
        windows = self.windows.get(key)
        if windows is None:
            key, windows = self._make(key, now)
        windows.add(ts, value, now)
        self._seen[key] = now

    def _make(self, key: tuple[str, Labels], now: float) -> tuple[tuple[str, Labels], CountWindow]:
        other = (OTHER, ()) if not key[1] else (key[0], ((OTHER, "true"),))
        others = sum(1 for k in self.windows if _is_other(k))
        if len(self.windows) - others >= self.limit:
            idle = [k for k, seen in self._seen.items() if not _is_other(k) and seen < now - self.window]
            if idle:
                oldest = min(idle, key=self._seen.__getitem__)
                del self.windows[oldest], self._seen[oldest]
            else:
                key = other
                existing = self.windows.get(key)
                if existing is not None:
                    return key, existing
        made = self.windows[key] = CountWindow(self.window)
        return key, made

    def stats(self, now: float, since: float | None) -> list[BusinessStat]:
        out = []
        for (name, labels), window in self.windows.items():
            count, total, per_min = window.totals(now, since)
            out.append(BusinessStat(name, labels, count, total, per_min))
        return sorted(out, key=lambda s: (s.name, s.labels))


def _is_other(key: tuple[str, Labels]) -> bool:
    return key == (OTHER, ()) or key[1] == ((OTHER, "true"),)


class BusinessWindows:
    """Per-name and per-(name, labels) counts over the window (bounded: see the module docstring)."""

    def __init__(self, window: float = 300.0, max_names: int = MAX_NAMES, max_labelled: int = MAX_LABELLED) -> None:
        self._names = _Bounded(window, max_names)
        self._labelled = _Bounded(window, max_labelled)
        self.since: float | None = None
        """When the first product event was heard (its timestamp, or the clock when that was later)."""

    def observe(self, events: Iterable[Event], now: float) -> None:
        """Fold the ``business`` events into their name's (and labels') windows."""
        for event in events:
            if type(event) is BusinessEvent:
                if self.since is None or event.ts < self.since:
                    self.since = min(event.ts, now)
                value = 0.0 if event.value is None else event.value
                self._names.add((event.name, ()), event.ts, value, now)
                if event.labels:
                    self._labelled.add((event.name, event.labels), event.ts, value, now)

    def by_name(self, now: float) -> list[BusinessStat]:
        """Every name seen (and kept), by name; a name whose window emptied reads 0."""
        return self._names.stats(now, self.since)

    def by_labels(self, now: float) -> list[BusinessStat]:
        """Every (name, labels) seen (and kept), by name then labels."""
        return self._labelled.stats(now, self.since)
