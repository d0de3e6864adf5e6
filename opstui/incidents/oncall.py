"""Who is on call once overrides apply: "ana covers ben from 18:00 to 22:00" puts ana wherever ben would be paged.

An override names a person it covers, not a role, so it follows ben through the rotation (primary this week,
secondary the next) and through a policy that names him. Overrides are stored (the state store's ``overrides``
table), so every console of a team pages the same person; the rotation itself stays in the config.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, tzinfo

from opstui.config.rotation import OnCall
from opstui.incidents.model import Override


def covering(person: str, overrides: Sequence[Override], now: float) -> str:
    """Who answers for ``person`` at ``now``: the latest-made override in force for them, else ``person``."""
    active = [o for o in overrides if o.covers == person and o.active(now)]
    return max(active, key=lambda o: (o.created_at, o.id)).who if active else person


def with_overrides(on_call: OnCall, overrides: Sequence[Override], now: float) -> OnCall:
    """The rotation's primary, secondary and manager with whoever covers each of them now."""
    manager = on_call.manager
    return replace(
        on_call,
        primary=covering(on_call.primary, overrides, now),
        secondary=covering(on_call.secondary, overrides, now),
        manager=None if manager is None else covering(manager, overrides, now),
    )


def on_call_text(on_call: OnCall, now: float, tz: tzinfo, *, short: bool = False) -> str:
    """``ana/ben to 18:00``: primary/secondary, and when the shift ends (its weekday too when not today).
    ``short`` (a narrow header): ``ana/ben →18:00``, or ``ana/ben →Mon`` when it ends another day."""
    end = datetime.fromtimestamp(on_call.shift_ends, tz)
    today = end.date() == datetime.fromtimestamp(now, tz).date()
    people = f"{on_call.primary}/{on_call.secondary}"
    if short:
        return f"{people} →{end.strftime('%H:%M') if today else end.strftime('%a')}"
    return f"{people} to {end.strftime('%H:%M') if today else end.strftime('%a %H:%M')}"
