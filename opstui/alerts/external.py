"""Alerts raised elsewhere (Alertmanager) as incidents: the latest set of each source against the open incidents.

A source hands over the whole set of its active alerts after each good poll; :func:`reconcile` turns the
difference into work: an alert with no open incident fires (opens, reopens or is held by a snooze as any
alert), an open incident of that source whose alert is no longer in the set is resolved. A source that is
down hands over nothing, so its incidents stay as they are. Only the latest set per source is kept, so
memory is bounded by the sources' alert caps.
"""

from __future__ import annotations

from opstui.alerts.model import AlertTransition
from opstui.incidents.model import Incident

AlertSet = dict[str, AlertTransition]
"""Fingerprint -> the alert as a FIRING transition."""


def source_prefix(source: str) -> str:
    """What every fingerprint of an Alertmanager source's incidents starts with."""
    return f"alertmanager/{source}/"


class ExternalAlerts:
    """The newest alert set of each source, not yet applied to the incidents."""

    def __init__(self) -> None:
        self._pending: dict[str, AlertSet] = {}

    def offer(self, source: str, alerts: AlertSet) -> None:
        """A source's set after a good poll; a newer one replaces one not yet applied."""
        self._pending[source] = alerts

    def take(self) -> dict[str, AlertSet]:
        pending, self._pending = self._pending, {}
        return pending

    def put_back(self, sets: dict[str, AlertSet]) -> None:
        """Sets that could not be applied (the state store was busy), unless a newer one came meanwhile."""
        for source, alerts in sets.items():
            self._pending.setdefault(source, alerts)


def reconcile(
    sets: dict[str, AlertSet], open_incidents: list[Incident]
) -> tuple[list[AlertTransition], list[Incident]]:
    """The alerts to fire (no open incident yet) and the open incidents to resolve (alert gone)."""
    open_fingerprints = {incident.fingerprint for incident in open_incidents}
    firing: list[AlertTransition] = []
    gone: list[Incident] = []
    for source, alerts in sets.items():
        firing += [alert for fingerprint, alert in alerts.items() if fingerprint not in open_fingerprints]
        prefix = source_prefix(source)
        gone += [i for i in open_incidents if i.fingerprint.startswith(prefix) and i.fingerprint not in alerts]
    return firing, gone
