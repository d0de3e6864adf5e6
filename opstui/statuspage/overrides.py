"""Operator overrides of a status page component's status: set with a required reason, optionally until a time.

The derived status (:mod:`opstui.statuspage.derive`) says what the console sees; a person sometimes knows better
(a provider's outage the checks cannot see, a component reported fine while a fix is verified). An override sets
the status the page shows, says who set it and why, and ends when cleared or at ``until``. It is stored in the
state store (shared in team mode, last writer wins: it is a setting, not a race to own something) and shown
with its reason everywhere the status is: the console, the export, the handoff.
"""

from __future__ import annotations

from collections.abc import Sequence

from opstui.config.durations import format_duration
from opstui.config.status_page import Component
from opstui.incidents.errors import IncidentError
from opstui.sanitize import clean
from opstui.state.protocol import ComponentOverride, StateStore
from opstui.statuspage.model import ComponentStatus

MAX_REASON = 300
"""A reason is one line a reader takes in at a glance; the rest goes in an incident update."""
CLEAR = "clear"
"""What the console's dialog offers beside the five statuses: back to the derived status."""


def parse_status(text: str) -> ComponentStatus:
    """``major-outage``, ``major_outage`` or ``major outage`` (any case) as a status."""
    wanted = " ".join(text.replace("-", " ").replace("_", " ").lower().split())
    for status in ComponentStatus:
        if status.value == wanted:
            return status
    names = ", ".join(s.value.replace(" ", "-") for s in ComponentStatus)
    raise IncidentError(f"{text!r} is not a component status; use one of {names}")


def status_words() -> list[str]:
    """The statuses as the command line takes them: ``operational``, ``major-outage`` ..."""
    return [s.value.replace(" ", "-") for s in ComponentStatus]


def component_named(components: Sequence[Component], name: str) -> Component:
    """The config's component of that name (any case), or one line saying which exist."""
    for component in components:
        if component.name.casefold() == name.strip().casefold():
            return component
    names = ", ".join(c.name for c in components) or "none"
    raise IncidentError(f"there is no status page component {name!r}; the components are {names}")


async def set_override(
    store: StateStore,
    components: Sequence[Component],
    name: str,
    status: ComponentStatus,
    reason: str,
    *,
    by: str,
    host: str,
    now: float,
    until: float | None = None,
) -> ComponentOverride:
    """Override one component's status from ``now`` (until ``until``, or until cleared); the reason is required."""
    component = component_named(components, name)
    why = " ".join(clean(reason).split())
    if not why:
        raise IncidentError("override not set: say why (the reason is required)")
    if len(why) > MAX_REASON:
        raise IncidentError(f"override not set: the reason is at most {MAX_REASON} characters")
    if until is not None and until <= now:
        raise IncidentError("override not set: it would end before it starts")
    override = ComponentOverride(
        component=component.name,
        status=ComponentStatus(status).value,
        reason=why,
        set_by=by,
        host=host,
        set_at=now,
        until=until,
    )
    return await store.set_component_override(override)


async def clear_override(store: StateStore, components: Sequence[Component], name: str, *, by: str, now: float) -> str:
    """End one component's override now; its name as configured. Says so when it had none."""
    component = component_named(components, name)
    if not await store.clear_component_override(component.name, now, by):
        raise IncidentError(f"{component.name} has no override in force")
    return component.name


def describe(override: ComponentOverride, now: float) -> str:
    """``set by ana: Stripe reports an outage (for 1h30m more)``: who, why, and until when."""
    text = f"set by {override.set_by}: {override.reason}"
    if override.until is not None:
        text += f" (for {format_duration(max(0.0, override.until - now))} more)"
    return text
