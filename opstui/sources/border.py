"""The border: every timestamp and number a source reads is checked here before it reaches the store.

A producer's mistake must not become the console's: a timestamp in milliseconds (``1796078701000``) is a date
in the year 58,000, ``-1e12`` is before the Bronze Age, and either one used to end the console when the event
tail formatted it. A sample dated 2100 sits at the head of its series for ever, so later values never enter a
window and the rule over it never fires. So a value is admitted only when

- its timestamp lies in ``[now - retention, now + MAX_AHEAD]`` (a millisecond epoch that lands there once
  divided by 1,000 is converted, and the source's row says so);
- its number is finite and within ``±MAX_MAGNITUDE``;
- a web vital's value lies in its range (:data:`VITAL_MAX`: 0 to 10 minutes for the timings, 0 to 100 for
  CLS); a business event's value is finite and within ``±MAX_MAGNITUDE`` like any other.

Everything else is rejected: counted per source, with the last reason, both shown on the source's row, and
never stored. Every source calls one :class:`Border` of its own (new source types too).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from opstui.clock import Clock
from opstui.sources.events import Event, WebVitalEvent

MAX_AHEAD = 300.0
"""Seconds a timestamp may be ahead of the console's clock (a sender's clock running a little fast)."""
MAX_MAGNITUDE = 1e15
"""Largest absolute value admitted: beyond it a figure is a bug or an attack, not a measurement."""
MILLIS = 1000.0
VITAL_MAX = {"LCP": 600_000.0, "INP": 600_000.0, "TTFB": 600_000.0, "FCP": 600_000.0, "CLS": 100.0}
"""The largest plausible value of each web vital: timings in ms (ten minutes), CLS a unitless score."""

Number = int | float


def _when(ts: float) -> str:
    """A timestamp as a date when it is one, else as the number it is (``-1e+12``)."""
    try:
        return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (ValueError, OverflowError, OSError):
        return f"{ts:g}"


class Border:
    """One source's border checks and what they rejected; never raises."""

    def __init__(self, clock: Clock, retention: float) -> None:
        self.clock = clock
        self.retention = retention
        self.rejected = 0
        """Values refused since start."""
        self.last_reason = ""
        """Why the last one was refused, one line."""
        self.millis = False
        """Some timestamps came in milliseconds and were converted (the row says so once)."""

    def reject(self, reason: str) -> None:
        """Count one refused value and remember why."""
        self.rejected += 1
        self.last_reason = reason

    def timestamp(self, ts: float, now: float | None = None) -> float | None:
        """``ts`` in seconds when it is plausible (converted from milliseconds if needed), else None."""
        now = self.clock.now() if now is None else now
        low, high = now - self.retention, now + MAX_AHEAD
        if not math.isfinite(ts):
            self.reject("timestamp is not a finite number")
            return None
        if low <= ts <= high:
            return ts
        if low <= ts / MILLIS <= high:
            self.millis = True
            return ts / MILLIS
        if ts > high:
            self.reject(f"timestamp {_when(ts)} is in the future")
        else:
            self.reject(f"timestamp {_when(ts)} is older than the retention")
        return None

    def number(self, value: Number, what: str = "value") -> float | None:
        """``value`` as a float when finite and within :data:`MAX_MAGNITUDE`, else None."""
        try:
            number = float(value)
        except OverflowError:  # an integer of 400 digits
            number = math.inf
        if not math.isfinite(number):
            self.reject(f"{what} is not a finite number")
            return None
        if abs(number) > MAX_MAGNITUDE:
            self.reject(f"{what} {number:g} is out of range")
            return None
        return number

    def events(self, events: list[Event], now: float | None = None) -> list[Event]:
        """The events whose timestamp (converted when in milliseconds) and values pass; the rest are counted."""
        now = self.clock.now() if now is None else now
        admitted: list[Event] = []
        for event in events:
            ts = self.timestamp(event.ts, now)
            if ts is None or not self._values_ok(event):
                continue
            event.ts = ts
            admitted.append(event)
        return admitted

    def _values_ok(self, event: Event) -> bool:
        for name in ("value", "duration_ms", "amount"):
            raw = getattr(event, name, None)
            if raw is not None and self.number(raw, name) is None:
                return False
        if getattr(event, "duration_ms", 0.0) < 0:
            self.reject("duration_ms is negative")
            return False
        if type(event) is WebVitalEvent and not 0.0 <= event.value <= VITAL_MAX[event.name]:
            self.reject(f"{event.name} {event.value:g} is out of its range 0-{VITAL_MAX[event.name]:g}")
            return False
        return True

    def note(self) -> str:
        """What the source's row says about its border: ``3 rejected (last: ...); timestamps in ms, converted``."""
        parts = []
        if self.rejected:
            parts.append(f"{self.rejected} rejected (last: {self.last_reason})")
        if self.millis:
            parts.append("timestamps in milliseconds, converted")
        return "; ".join(parts)
