"""When a task comes due: every N (counted from launch), daily / weekly / monthly at a wall-clock
time, or a 5-field cron expression.

Two kinds of time, on purpose:

- ``every: 5m`` / ``hourly`` are *elapsed* time counted from ``launch_at`` (the seeds' "every 5
  minutes" during the first 48 hours means five minutes after the last one, whatever the clock on
  the wall says), so a DST change does not move them.
- ``daily`` / ``weekly`` / ``monthly`` and cron are *wall-clock* times in the configured zone
  (``zoneinfo``): "daily at 09:00 Europe/Berlin" is 09:00 local on the 23-hour and the 25-hour day.
  A wall time that does not exist (the hour skipped in spring) happens at the same offset as the
  hour before, i.e. one hour later; one that exists twice (autumn) happens the first time.

The cron matcher is our own (about 100 lines) rather than the ``croniter`` package: we need only the
5 standard fields plus names and ``@daily``-style aliases, evaluated in a zone, in both directions
(next and previous occurrence), and one fewer dependency is one fewer thing to keep patched.
"""

from __future__ import annotations

import bisect
import math
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from opstui.config.durations import format_duration, parse_duration

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CALENDAR_WORDS = ("daily", "weekly", "monthly")
DEFAULT_AT = "09:00"
"""Daily / weekly / monthly tasks come due at 09:00 local unless ``at:`` says otherwise."""

_SEARCH_DAYS = 5 * 366 + 2
"""How far a cron search looks (covers ``29 2``); beyond it a cadence has no occurrence."""
_MONTHS = {
    name: i
    for i, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}
_DOW = {name: i for i, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
_ALIASES = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}


class Cadence(Protocol):
    """A series of instants (unix seconds) at which a task comes due."""

    @property
    def text(self) -> str:
        """How the screen and the export describe it: ``every 5m``, ``daily 09:00``, ``cron 0 9 * * 1-5``."""
        ...

    @property
    def period(self) -> float:
        """The usual gap between two occurrences, for default grace and "due soon" windows."""
        ...

    def next_after(self, t: float) -> float | None:
        """The first occurrence strictly after ``t``; None if there is none."""
        ...

    def last_at_or_before(self, t: float) -> float | None:
        """The latest occurrence at or before ``t``; None if there is none."""
        ...


@dataclass(frozen=True, slots=True)
class IntervalCadence:
    """Every ``every`` seconds after ``anchor`` (launch): due at anchor + every, + 2 every, ..."""

    every: float
    anchor: float
    text: str

    @property
    def period(self) -> float:
        return self.every

    def _index(self, t: float) -> int:
        # Rounded so that exactly anchor + k*every lands on k despite float error.
        return math.floor(round((t - self.anchor) / self.every, 9))

    def next_after(self, t: float) -> float | None:
        k = max(self._index(t) + 1, 1)
        return self.anchor + k * self.every

    def last_at_or_before(self, t: float) -> float | None:
        k = self._index(t)
        return None if k < 1 else self.anchor + k * self.every


@dataclass(frozen=True, slots=True)
class CronSpec:
    """A parsed 5-field cron expression (minute hour day-of-month month day-of-week)."""

    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    """0 = Sunday ... 6 = Saturday (7 is folded into 0)."""
    any_day: bool
    any_weekday: bool

    def matches_day(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        dom = day.day in self.days
        dow = (day.weekday() + 1) % 7 in self.weekdays
        # Cron's rule: when both day fields are restricted, either one matching is enough.
        if not self.any_day and not self.any_weekday:
            return dom or dow
        return dom and dow


def parse_cron(text: str) -> CronSpec:
    """Parse ``"*/15 9-17 * * mon-fri"``; raise ValueError saying which field is wrong."""
    expr = _ALIASES.get(text.strip().lower(), text)
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(f"cron {text!r} needs 5 fields (minute hour day month weekday), got {len(fields)}")
    minutes = _field(fields[0], 0, 59, {}, "minute")
    hours = _field(fields[1], 0, 23, {}, "hour")
    days = _field(fields[2], 1, 31, {}, "day of month")
    months = _field(fields[3], 1, 12, _MONTHS, "month")
    weekdays = {d % 7 for d in _field(fields[4], 0, 7, _DOW, "day of week")}
    return CronSpec(
        tuple(sorted(minutes)),
        tuple(sorted(hours)),
        frozenset(days),
        frozenset(months),
        frozenset(weekdays),
        any_day=fields[2] == "*",
        any_weekday=fields[4] == "*",
    )


def _field(text: str, low: int, high: int, names: dict[str, int], what: str) -> set[int]:
    values: set[int] = set()
    for item in text.lower().split(","):
        base, _, step_text = item.partition("/")
        try:
            step = int(step_text) if step_text else 1
            if base == "*":
                start, end = low, high
            elif "-" in base:
                first, _, last = base.partition("-")
                start, end = _value(first, names), _value(last, names)
            else:
                start = _value(base, names)
                end = high if step_text else start
        except ValueError:
            raise ValueError(f"cron {what} {item!r} is not a number, range, list or step") from None
        if step < 1 or not low <= start <= end <= high:
            raise ValueError(f"cron {what} {item!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return values


def _value(text: str, names: dict[str, int]) -> int:
    return names[text] if text in names else int(text)


class CronCadence:
    """Wall-clock occurrences of a cron spec in a zone (also used for daily / weekly / monthly)."""

    def __init__(self, spec: CronSpec, zone: ZoneInfo, text: str) -> None:
        self.spec = spec
        self.zone = zone
        self.text = text
        self._days: OrderedDict[date, tuple[float, ...]] = OrderedDict()
        """Occurrences per local day; a small LRU (bounded) because each refresh asks about the same days."""
        self.period = self._typical_gap()

    def _instants(self, day: date) -> tuple[float, ...]:
        cached = self._days.get(day)
        if cached is not None:
            self._days.move_to_end(day)
            return cached
        instants: tuple[float, ...] = ()
        if self.spec.matches_day(day):
            # A set, sorted: the spring gap can map two wall times onto one instant.
            instants = tuple(
                sorted(
                    {
                        datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.zone).timestamp()
                        for hour in self.spec.hours
                        for minute in self.spec.minutes
                    }
                )
            )
        self._days[day] = instants
        if len(self._days) > 64:
            self._days.popitem(last=False)
        return instants

    def _local_day(self, t: float) -> date:
        return datetime.fromtimestamp(t, self.zone).date()

    def next_after(self, t: float) -> float | None:
        day = self._local_day(t) - timedelta(days=1)
        for _ in range(_SEARCH_DAYS):
            instants = self._instants(day)
            index = bisect.bisect_right(instants, t)
            if index < len(instants):
                return instants[index]
            day += timedelta(days=1)
        return None

    def last_at_or_before(self, t: float) -> float | None:
        day = self._local_day(t) + timedelta(days=1)
        for _ in range(_SEARCH_DAYS):
            instants = self._instants(day)
            index = bisect.bisect_right(instants, t)
            if index > 0:
                return instants[index - 1]
            day -= timedelta(days=1)
        return None

    def _typical_gap(self) -> float:
        """The median gap between the first few occurrences after a fixed date (a Monday)."""
        t = datetime(2026, 1, 5, tzinfo=self.zone).timestamp()
        points: list[float] = []
        while len(points) < 9:
            nxt = self.next_after(t)
            if nxt is None:
                break
            points.append(nxt)
            t = nxt
        gaps = sorted(b - a for a, b in zip(points, points[1:], strict=False))
        return gaps[len(gaps) // 2] if gaps else 365 * 86400.0


def _compact(seconds: float) -> str:
    """``300`` -> ``5m``, ``7200`` -> ``2h``, ``5400`` -> ``90m``: how people write an interval."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return format_duration(seconds)


def parse_at(text: str) -> tuple[int, int]:
    """``"09:00"`` -> (9, 0); raise ValueError otherwise."""
    hour_text, sep, minute_text = text.strip().partition(":")
    if not sep or not hour_text.isdigit() or not minute_text.isdigit() or len(minute_text) != 2:
        raise ValueError(f'{text!r} is not a time of day; write it like "09:00"')
    hour, minute = int(hour_text), int(minute_text)
    if hour > 23 or minute > 59:
        raise ValueError(f'{text!r} is not a time of day; write it like "09:00"')
    return hour, minute


def parse_every(text: str) -> float | str:
    """``every:`` as seconds (``5m``, ``hourly``) or a calendar word (``daily``, ``weekly``, ``monthly``)."""
    word = str(text).strip().lower()
    if word in CALENDAR_WORDS:
        return word
    if word == "hourly":
        return 3600.0
    try:
        seconds = parse_duration(text)
    except ValueError:
        raise ValueError(
            f"every: {text!r} is not a cadence; write 5m, 2h, hourly, daily, weekly or monthly (or use cron:)"
        ) from None
    if seconds < 60:
        raise ValueError(f"every: {text!r} is shorter than a minute; no human ticks that often")
    return seconds


def make_cadence(
    *,
    every: str | None,
    cron: str | None,
    at: str | None,
    on: str | None,
    day: int | None,
    zone: ZoneInfo,
    anchor: float,
) -> Cadence:
    """Build a task's cadence from its config fields (already validated by the config model)."""
    if cron is not None:
        return CronCadence(parse_cron(cron), zone, f"cron {cron}")
    if every is None:
        raise ValueError("a task needs every: or cron:")
    kind = parse_every(every)
    if isinstance(kind, float):
        text = "hourly" if kind == 3600.0 else f"every {_compact(kind)}"
        return IntervalCadence(kind, anchor, text)
    hour, minute = parse_at(at or DEFAULT_AT)
    clock_text = f"{hour:02d}:{minute:02d}"
    if kind == "daily":
        return CronCadence(parse_cron(f"{minute} {hour} * * *"), zone, f"daily {clock_text}")
    if kind == "weekly":
        weekday = (on or "monday").lower()
        cron_dow = (WEEKDAYS.index(weekday) + 1) % 7
        return CronCadence(parse_cron(f"{minute} {hour} * * {cron_dow}"), zone, f"weekly {weekday[:3]} {clock_text}")
    month_day = day or 1
    suffix = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd"}.get(month_day, "th")
    return CronCadence(
        parse_cron(f"{minute} {hour} {month_day} * *"), zone, f"monthly {month_day}{suffix} {clock_text}"
    )
