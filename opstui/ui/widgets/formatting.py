"""How numbers, ages and times read on screen: short, aligned, and the same on every pane."""

from __future__ import annotations

from datetime import datetime

from opstui.clock import zone as time_zone
from opstui.status import KpiLevel

LEVEL_ICON = {
    KpiLevel.TARGET: "●",
    KpiLevel.OFF_TARGET: "◐",
    KpiLevel.WARNING: "▲",
    KpiLevel.CRITICAL: "✖",
    KpiLevel.STALE: "◌",
    KpiLevel.NO_DATA: "·",
}
"""A shape per level, so a tile reads without colour (NO_COLOR, colour blindness)."""


def number(value: float | None, unit: str = "") -> str:
    """``0.30 %``, ``420 ms``, ``18``, ``—`` for no value: precision shrinks as the number grows."""
    if value is None:
        return "—"
    magnitude = abs(value)
    if unit == "ms" or magnitude >= 1000:
        text = f"{value:,.0f}"
    elif unit == "%":
        # Percent thresholds sit at 99.9 / 98 / 0.5: two decimals, until three digits leave no room.
        text = f"{value:.1f}" if magnitude >= 100 else f"{value:.2f}"
    elif value == int(value) or magnitude >= 100:
        text = f"{value:.0f}"
    else:
        text = f"{value:.1f}" if magnitude >= 10 else f"{value:.2f}"
    return f"{text} {unit}".rstrip() if unit else text


def age(seconds: float | None) -> str:
    """``4s``, ``12m``, ``3h``, ``2d``; ``—`` when never."""
    if seconds is None:
        return "—"
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds // 60:.0f}m"
    if seconds < 86400:
        return f"{seconds // 3600:.0f}h"
    return f"{seconds // 86400:.0f}d"


def clock_time(ts: float, zone: str) -> str:
    """``HH:MM:SS`` in the config's zone (falls back to UTC for an unknown zone)."""
    return datetime.fromtimestamp(ts, time_zone(zone)).strftime("%H:%M:%S")
