"""Which actions and contacts belong to an incident: by its rule name or runbook slug, and its severity."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from opstui.config.actions import Action, Contact
from opstui.incidents.model import Incident


def _names(incident: Incident) -> set[str]:
    """What an ``applies_to`` entry may name: the rule, the runbook slug, and the title (for manual incidents)."""
    return {name.casefold() for name in (incident.rule, incident.runbook or "", incident.title) if name}


def _matches(applies_to: Sequence[str], incident: Incident) -> bool:
    return not applies_to or bool({entry.casefold() for entry in applies_to} & _names(incident))


def actions_for(actions: Iterable[Action], incident: Incident) -> list[Action]:
    """The actions offered on ``incident``, in the config's order."""
    return [
        action
        for action in actions
        if _matches(action.applies_to, incident) and (not action.severities or incident.severity in action.severities)
    ]


def contacts_for(contacts: Iterable[Contact], incident: Incident) -> list[Contact]:
    """The contacts shown beside ``incident``'s runbook: the ones naming it first, then the ones for every incident."""
    chosen = [contact for contact in contacts if _matches(contact.applies_to, incident)]
    return sorted(chosen, key=lambda contact: not contact.applies_to)
