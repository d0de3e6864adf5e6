"""Maintenance windows: planned, recurring (or one-off) silences written in the config.

``every: "sun 02:00-04:00"`` is a weekly window in wall-clock time of its zone (the config's ``timezone`` unless
the window names one), so it stays at 02:00 local across a daylight-saving change; ``daily 23:30-00:30`` every
day (a window may cross midnight); ``from`` / ``to`` a one-off. While a window is open, the alerts its matchers
cover open no incident, exactly as a silence (docs/oncall-routing.md, "Maintenance windows").
"""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import Field, field_validator, model_validator

from opstui.config.models import Model

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EVERY = re.compile(r"^\s*(daily|mon|tue|wed|thu|fri|sat|sun)\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class MaintenanceWindow(Model):
    """One planned window: what it silences, and when."""

    name: str = Field(min_length=1, max_length=100)
    """Shown in the silences view, the alerts view and ``opstui maintenance``, e.g. ``weekly DB maintenance``."""
    matchers: str
    """Which alerts it silences, as a silence's matchers: ``alertname="Service Down", source="db"``."""
    every: str | None = None
    """Recurring: ``sun 02:00-04:00`` (a weekday, lower case, three letters) or ``daily 02:00-03:00``."""
    from_: datetime | None = Field(default=None, alias="from")
    """One-off: when it starts (ISO 8601; without a zone, the window's zone)."""
    to: datetime | None = None
    """One-off: when it ends."""
    timezone: str | None = None
    """The zone ``every`` is read in; unset: the config's ``timezone``."""
    sources: list[str] = Field(default_factory=list)
    """The sources the work takes down, marked ``maintenance`` on every pane while the window is open (not down,
    not calm) and left out of their uptime for that time. Unset: the sources its ``source`` label matchers name
    (``source="api"``, ``source=~"api|web"``)."""

    @field_validator("matchers")
    @classmethod
    def _matchers(cls, text: str) -> str:
        from opstui.incidents.matchers import valid_matchers  # the runtime's own parser

        return valid_matchers(text)

    @field_validator("every")
    @classmethod
    def _every(cls, every: str | None) -> str | None:
        if every is None:
            return None
        match = EVERY.match(every.lower())
        if match is None:
            raise ValueError(f"{every!r}: write it like 'sun 02:00-04:00' or 'daily 23:30-00:30'")
        hours = (int(match.group(2)), int(match.group(4)))
        minutes = (int(match.group(3)), int(match.group(5)))
        if max(hours) > 23 or max(minutes) > 59:
            raise ValueError(f"{every!r}: not a time of day")
        if (hours[0], minutes[0]) == (hours[1], minutes[1]):
            raise ValueError(f"{every!r}: starts and ends at the same time")
        return every.lower().strip()

    @field_validator("timezone")
    @classmethod
    def _zone(cls, zone: str | None) -> str | None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        if zone is not None:
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"{zone!r} is not a time zone; write an IANA name like Europe/Berlin") from None
        return zone

    @model_validator(mode="after")
    def _one_kind(self) -> MaintenanceWindow:
        one_off = self.from_ is not None or self.to is not None
        if (self.every is None) == (not one_off):
            raise ValueError("give either every (recurring) or from and to (one-off)")
        if one_off and (self.from_ is None or self.to is None):
            raise ValueError("a one-off window needs both from and to")
        if self.from_ is not None and self.to is not None and self.to <= self.from_:
            raise ValueError("to must be after from")
        return self
