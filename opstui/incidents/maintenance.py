"""When the config's maintenance windows are open, in unix seconds, and each as the silence it amounts to.

A recurring window is computed in wall-clock time of its zone for each day it can fall on, so ``sun 02:00``
is 02:00 local before and after a daylight-saving change (a window on the night clocks go back lasts an hour
longer, one on the night they go forward an hour less; a start in the skipped hour begins when the clocks
reach the time after it). Nothing is stored: every console computes the same windows from the same config.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from opstui.config.maintenance import DAYS, EVERY, MaintenanceWindow
from opstui.incidents.matchers import Matcher, parse_matchers
from opstui.incidents.model import Silence

Span = tuple[float, float]
"""A time span, ``[start, end)`` in unix seconds."""

MAINTENANCE = "maintenance"
"""Who a window's silence is "made by", as the silences view and the alerts view show it."""


@dataclass(frozen=True, slots=True)
class Opening:
    """One occurrence of a window."""

    window: MaintenanceWindow
    start: float
    end: float


class Maintenance:
    """The config's windows, ready to say which are open at a moment and which come next."""

    def __init__(self, windows: Sequence[MaintenanceWindow], default_zone: str = "UTC") -> None:
        self.windows = list(windows)
        self._zones: list[tzinfo] = [ZoneInfo(w.timezone or default_zone) for w in self.windows]
        self._matchers: list[tuple[Matcher, ...]] = [parse_matchers(w.matchers) for w in self.windows]

    def __bool__(self) -> bool:
        return bool(self.windows)

    def openings(self, since: float, until: float) -> list[Opening]:
        """Every occurrence that overlaps ``[since, until)``, by start."""
        out: list[Opening] = []
        for window, zone in zip(self.windows, self._zones, strict=True):
            if window.every is None:
                assert window.from_ is not None and window.to is not None
                start, end = _moment(window.from_, zone), _moment(window.to, zone)
                if start < until and end > since:
                    out.append(Opening(window, start, end))
                continue
            out += [o for o in _recurring(window, zone, since, until) if o.start < until and o.end > since]
        return sorted(out, key=lambda o: (o.start, o.window.name))

    def open_at(self, now: float) -> list[Opening]:
        return [o for o in self.openings(now, now + 1e-6) if o.start <= now < o.end]

    def upcoming(self, now: float, days: float = 31.0) -> list[Opening]:
        """The open ones and those starting within ``days``, each window's next occurrence only."""
        seen: set[str] = set()
        out: list[Opening] = []
        for opening in self.openings(now, now + days * 86400.0):
            if opening.window.name not in seen:
                seen.add(opening.window.name)
                out.append(opening)
        return out

    def sources_at(self, now: float, names: Iterable[str]) -> dict[str, str]:
        """The sources under maintenance at ``now`` (source: the window's name), among ``names``: those an open
        window lists in ``sources``, or, when it lists none, those its ``source`` label matchers all match."""
        out: dict[str, str] = {}
        names = list(names)
        for opening in self.open_at(now):
            for name in self._covered(opening.window, names):
                out.setdefault(name, opening.window.name)
        return out

    def spans_by_source(self, since: float, until: float, names: Iterable[str]) -> dict[str, list[Span]]:
        """Among ``names``, each source under maintenance at some time in ``[since, until)``, with the spans when
        it was (the sources :meth:`sources_at` would name then), clipped to that range, overlaps merged, oldest
        first: the time uptime leaves out of both its good checks and all its checks."""
        out: dict[str, list[Span]] = {}
        names = list(names)
        for opening in self.openings(since, until):
            span = (max(opening.start, since), min(opening.end, until))
            for name in self._covered(opening.window, names):
                out.setdefault(name, []).append(span)
        return {name: merge_spans(spans) for name, spans in out.items()}

    def _covered(self, window: MaintenanceWindow, names: list[str]) -> list[str]:
        """Which of ``names`` a window takes down: those it lists in ``sources``, or, when it lists none, those
        its ``source`` label matchers all match."""
        if window.sources:
            return [name for name in names if name in window.sources]
        on_source = [m for m in self._matchers[self.windows.index(window)] if m.name == "source"]
        return [name for name in names if on_source and all(m.holds({"source": name}) for m in on_source)]

    def silences(self, now: float) -> list[Silence]:
        """The windows open at ``now`` as silences (id 0: not stored), so they silence what a silence would."""
        out: list[Silence] = []
        for opening in self.open_at(now):
            matchers = self._matchers[self.windows.index(opening.window)]
            out.append(
                Silence(
                    matcher=opening.window.matchers,
                    created_at=opening.start,
                    until=opening.end,
                    reason=f"maintenance window: {opening.window.name}",
                    created_by=MAINTENANCE,
                    host="config",
                    starts_at=opening.start,
                    matchers=matchers,
                )
            )
        return out


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """``spans`` sorted, with the ones that overlap or touch joined (two windows on one source count once)."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        elif end > start:
            merged.append((start, end))
    return merged


def _moment(moment: datetime, zone: tzinfo) -> float:
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)).timestamp()


def _recurring(window: MaintenanceWindow, zone: tzinfo, since: float, until: float) -> list[Opening]:
    assert window.every is not None
    match = EVERY.match(window.every)
    assert match is not None  # checked at load
    day = match.group(1)
    start_hm = (int(match.group(2)), int(match.group(3)))
    end_hm = (int(match.group(4)), int(match.group(5)))
    first = datetime.fromtimestamp(since, zone).date() - timedelta(days=1)  # a window from yesterday may run on
    last = datetime.fromtimestamp(until, zone).date()
    out: list[Opening] = []
    current = first
    while current <= last:
        if day == "daily" or DAYS[current.weekday()] == day:
            start = _wall(current, start_hm, zone)
            end_day = current if end_hm > start_hm else current + timedelta(days=1)
            end = _wall(end_day, end_hm, zone)
            out.append(Opening(window, start, end))
        current += timedelta(days=1)
    return out


def _wall(day: date, hm: tuple[int, int], zone: tzinfo) -> float:
    """Unix seconds of a wall-clock time in ``zone``; a time in a skipped hour is read with the offset before."""
    return datetime(day.year, day.month, day.day, hm[0], hm[1], tzinfo=zone).timestamp()
