"""When a silence starts or ends, as an engineer types it at 3 a.m.: ``now``, ``+2h``, ``23:00``, ``2026-12-24 18:00``.

One reading for the console's dialog and ``opstui silence add``: a relative time is from now; a clock time is
the next one in the config's time zone (``02:00`` typed at 23:00 is tomorrow's); a date and time is that moment
in the zone.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo

from opstui.config.durations import parse_duration

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def is_time_of_day(text: str) -> bool:
    """Whether ``text`` is a bare ``HH:MM`` (which :func:`parse_moment` places at its next occurrence)."""
    return _CLOCK.match(text.strip()) is not None


def parse_span(start: str, end: str, now: float, tz: tzinfo) -> tuple[float, float]:
    """``--from`` and ``--to`` as unix seconds; an end that is a bare time of day before the start is the next
    day's (``22:00`` to ``06:00`` is one night). :class:`ValueError` as :func:`parse_moment`."""
    begins, ends = parse_moment(start, now, tz), parse_moment(end, now, tz)
    if ends <= begins and is_time_of_day(end):
        ends = parse_moment(end, begins, tz)
    return begins, ends


def parse_moment(text: str, now: float, tz: tzinfo) -> float:
    """Unix seconds for ``text``; :class:`ValueError` with the forms understood when it is none of them."""
    raw = text.strip()
    if raw in ("", "now"):
        return now
    if raw.startswith("+") or raw.startswith("in "):
        return now + parse_duration(raw.removeprefix("+").removeprefix("in ").strip())
    if match := _CLOCK.match(raw):
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour > 23 or minute > 59:
            raise ValueError(f"{raw!r} is not a time of day")
        local = datetime.fromtimestamp(now, tz)
        moment = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if moment.timestamp() <= now:
            moment = (local + timedelta(days=1)).replace(hour=hour, minute=minute, second=0, microsecond=0)
        return moment.timestamp()
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(
            f"{raw!r} is not a time; write now, +2h, 23:00 or 2026-12-24 18:00 (in the config's time zone)"
        ) from None
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)).timestamp()
