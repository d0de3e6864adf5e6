"""When the console rings the terminal's bell: per severity (``alerting.bell``), until acknowledged, unless muted.

A pure state machine read from the injected clock: the app asks :meth:`Bell.due` at each redraw with the
incidents nobody has acknowledged, and rings at most once per redraw however many are due. An incident is
known by its id and the time it was (last) triggered, so one triggered again (an acknowledgement timed out,
a reopen) rings again. While muted nothing rings, and nothing is marked as rung: a P0 still waiting when the
mute ends rings at once, and a P1 that opened during the mute rings then, once. The mute is this console's
(an operator silencing their own terminal), never shared through the state store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from opstui.alerts.model import Severity
from opstui.config.bell import BellSettings


@dataclass(frozen=True, slots=True)
class Waiting:
    """An incident nobody has acknowledged, as the bell needs it."""

    incident_id: int
    severity: Severity
    triggered_at: float


class Bell:
    """Decides each redraw whether to ring; holds the mute."""

    def __init__(self, settings: BellSettings) -> None:
        self.settings = settings
        self._rung: dict[tuple[int, float], float] = {}
        """(incident id, triggered at) -> when its bell last rang; pruned to the incidents still waiting."""
        self.muted_until: float | None = None

    def muted(self, now: float) -> bool:
        """Whether the mute holds at ``now`` (it lapses by itself at its end)."""
        if self.muted_until is not None and now >= self.muted_until:
            self.muted_until = None
        return self.muted_until is not None

    def mute(self, now: float, duration: float | None = None) -> float:
        """Silence the bell from ``now`` for ``duration`` (default ``mute_for``); returns when it ends."""
        self.muted_until = now + (self.settings.mute_for if duration is None else duration)
        return self.muted_until

    def unmute(self) -> None:
        self.muted_until = None

    def due(self, now: float, waiting: Iterable[Waiting]) -> bool:
        """Whether to ring now for ``waiting`` (the unacknowledged incidents); marks those it rings for."""
        waiting = list(waiting)
        keys = {(w.incident_id, w.triggered_at) for w in waiting}
        self._rung = {key: at for key, at in self._rung.items() if key in keys}
        if self.muted(now):
            return False
        ring = False
        for incident in waiting:
            rule = self.settings.rule(incident.severity)
            key = (incident.incident_id, incident.triggered_at)
            last = self._rung.get(key)
            if rule.mode == "none":
                continue
            if last is None or (rule.repeat is not None and now - last >= rule.repeat):
                self._rung[key] = now
                ring = True
        return ring
