"""The incident commands the On-call list, the incident detail and the banner key share.

Each asks what it must (a confirmation, a duration), stores the change through the incident manager
and only then says what was done, naming the incident (``#7 P0 Payment System Down acknowledged``),
so an operator never has to guess which incident a key acted on.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from textual.screen import Screen

from opstui.clock import zone
from opstui.incidents.manager import IncidentManager
from opstui.incidents.model import Incident, IncidentState, Silence
from opstui.ui.widgets.incident_modals import ConfirmModal, SnoozeModal, run_action


def named(incident: Incident) -> str:
    """``#7 P0 Payment System Down``: how every notice names an incident."""
    return f"#{incident.id} {incident.severity.value} {incident.title}"


def _manager(screen: Screen[Any]) -> IncidentManager | None:
    manager: IncidentManager | None = screen.app.core.incidents  # type: ignore[attr-defined]
    if manager is None:
        screen.notify("the state store is not open", title="not done", severity="error")
    return manager


async def acknowledge(screen: Screen[Any], incident_id: int) -> Incident | None:
    """Acknowledge one incident; one already acknowledged says so (by whom, when) instead of nothing."""
    manager = _manager(screen)
    if manager is None:
        return None
    try:
        current = await manager.get(incident_id)
    except Exception as exc:  # noqa: BLE001 - a broken store is shown, not raised
        screen.notify(str(exc) or type(exc).__name__, title="not done", severity="error")
        return None
    if current is None:
        screen.notify(f"there is no incident #{incident_id}", title="not done", severity="error")
        return None
    if current.state is IncidentState.ACKNOWLEDGED and current.acknowledged_by == manager.operator:
        at = current.acknowledged_at or 0.0
        when = datetime.fromtimestamp(at, zone(screen.app.core.config.timezone)).strftime("%H:%M")  # type: ignore[attr-defined]
        screen.notify(f"{named(current)} is already acknowledged by you at {when}", severity="warning")
        return current
    stored = await run_action(screen, manager.acknowledge(incident_id), lambda i: f"{named(i)} acknowledged")
    if stored is not None:
        await screen.app.core.refresh_attention()  # type: ignore[attr-defined]  # the banner goes now
    return stored


def ask_resolve(screen: Screen[Any], incident: Incident, after: Callable[[Incident | None], object]) -> None:
    """Confirm, then resolve; an incident whose alert still fires says so in the question."""
    manager = _manager(screen)
    if manager is None:
        return
    question = f"Resolve {named(incident)}?"
    if (firing := manager.still_firing(incident)) is not None:
        question += f"\n\nNot over: {firing}."

    async def resolve() -> None:
        stored = await run_action(screen, manager.resolve(incident.id), lambda i: f"{named(i)} resolved")
        await screen.app.core.refresh_attention()  # type: ignore[attr-defined]
        after(stored)

    def answered(yes: bool | None) -> None:
        if yes:
            screen.run_worker(resolve(), group="incident-action", exit_on_error=False)

    screen.app.push_screen(ConfirmModal(question), answered)


def ask_snooze(screen: Screen[Any], incident: Incident) -> None:
    """How long and why, then the incident's rule silenced."""
    manager = _manager(screen)
    if manager is None:
        return
    tz = zone(screen.app.core.config.timezone)  # type: ignore[attr-defined]

    def done(silence: Silence) -> str:
        return f"'{silence.matcher}' snoozed until {datetime.fromtimestamp(silence.until, tz).strftime('%H:%M')}"

    def answered(answer: tuple[float, str] | None) -> None:
        if answer is not None:
            snooze = run_action(screen, manager.snooze(incident.rule, *answer), done)
            screen.run_worker(snooze, group="incident-action", exit_on_error=False)

    screen.app.push_screen(SnoozeModal(incident.rule), answered)
