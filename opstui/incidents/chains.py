"""Which escalation path an incident follows, and when each of its steps is due.

The first of ``escalation.policies`` whose ``match`` holds for the incident (its severity, its labels, its rule as
``alertname``) gives the path; an incident no policy matches follows the global ``escalation.path`` with
``escalation.after`` between steps, as before policies existed. The path is chosen afresh each time it is needed,
so a severity raised with ``v`` moves the incident onto the P0 policy at its next step.
"""

from __future__ import annotations

from dataclasses import dataclass

from opstui.config.incidents import EscalationSettings
from opstui.config.policies import EscalationPolicy
from opstui.incidents.matchers import alert_labels
from opstui.incidents.model import Incident


@dataclass(frozen=True, slots=True)
class Chain:
    """An escalation path: who each step pages and how long each waits before the next, repeated ``repeat`` times."""

    name: str
    """``policy payments-p0`` or ``default`` (the global path)."""
    steps: tuple[str, ...]
    delays: tuple[float, ...]
    """Per step: unacknowledged this long after it was paged, the next step is (0: the chain never moves on)."""
    repeat: int = 0

    @property
    def levels(self) -> int:
        """How many steps the whole chain has, rounds included."""
        return len(self.steps) * (self.repeat + 1)

    def target(self, level: int) -> str:
        """Who step ``level`` pages (the path again from its start on each repeated round)."""
        return self.steps[level % len(self.steps)]

    def round_of(self, level: int) -> int:
        """0 for the first round, 1 for the first repeat ..."""
        return level // len(self.steps)

    def due(self, elapsed: float) -> int:
        """The step reached ``elapsed`` seconds after the first was paged, with nobody acknowledging."""
        level, offset = 0, 0.0
        while level < self.levels - 1:
            delay = self.delays[level % len(self.steps)]
            if delay <= 0 or offset + delay > elapsed:
                break
            offset += delay
            level += 1
        return level


def default_chain(escalation: EscalationSettings) -> Chain:
    """The global path: ``escalation.path`` with ``escalation.after`` between every two steps."""
    path = tuple(escalation.path)
    return Chain("default", path, (escalation.after,) * len(path), escalation.repeat)


def policy_chain(policy: EscalationPolicy, place: int, escalation: EscalationSettings) -> Chain:
    """A policy's levels as a chain; a level without ``after`` waits ``escalation.after``."""
    return Chain(
        f"policy {policy.name or place + 1}",
        tuple(level.who for level in policy.levels),
        tuple(escalation.after if level.after is None else level.after for level in policy.levels),
        policy.repeat,
    )


def matches(policy: EscalationPolicy, incident: Incident) -> bool:
    """Whether the policy takes this incident: its severity listed (if any are), every label with a listed value."""
    severities = policy.severities()
    if severities is not None and incident.severity not in severities:
        return False
    seen = alert_labels(incident.rule, incident.labels)
    return all(seen.get(key, "") in values for key, values in policy.labels().items())


def chain_for(escalation: EscalationSettings, incident: Incident) -> Chain:
    """The path the incident follows now: the first matching policy's, else the global one."""
    for place, policy in enumerate(escalation.policies):
        if matches(policy, incident):
            return policy_chain(policy, place, escalation)
    return default_chain(escalation)
