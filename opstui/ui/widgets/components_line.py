"""The status page's components on one line of the On-call screen: what the public would see now.

Derived live (:func:`opstui.statuspage.derive.derive`) from the sources, the KPIs and the open incidents, so the
operator writing an update (``u``) sees which components are affected before choosing them. Each status has a
shape as well as a word, as every status in the console does (``NO_COLOR`` keeps its meaning).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.text import Text
from textual.widgets import Static

from opstui.sanitize import clean
from opstui.statuspage.derive import ComponentState
from opstui.statuspage.model import ComponentStatus

SHAPES = {
    ComponentStatus.OPERATIONAL: ("●", "status-ok"),
    ComponentStatus.UNDER_MAINTENANCE: ("◇", "status-nodata"),
    ComponentStatus.DEGRADED_PERFORMANCE: ("▲", "status-warn"),
    ComponentStatus.PARTIAL_OUTAGE: ("◐", "status-warn"),
    ComponentStatus.MAJOR_OUTAGE: ("✖", "status-crit"),
}
"""A shape and the theme variable of its colour, per status."""


def components_text(states: Sequence[ComponentState], colours: Mapping[str, str] | None = None) -> Text:
    """``Status page  ● Website  ✖ Payment Processing: major outage ...``: the word only where it is not fine,
    and an operator's override with its reason (``● API: operational (override: verified by hand)``).

    ``colours`` are the theme's variables (``status-ok`` ...); without them the shapes carry the meaning."""
    text = Text("Status page ", style="bold")
    for state in states:
        shape, variable = SHAPES[state.status]
        colour = (colours or {}).get(variable, "")
        text.append(f" {shape} ", style=colour)
        text.append(clean(state.name))
        if state.override is not None:
            # Set by a person: said, with why, so nobody mistakes it for what the checks see.
            text.append(f": {state.status.value} (override: {clean(state.override.reason)})", style=colour)
        elif state.status is not ComponentStatus.OPERATIONAL:
            text.append(f": {state.status.value}", style=colour)
    return text


class ComponentsLine(Static):
    """One (wrapping) line: every component of the status page with its derived status."""

    def show(self, states: Sequence[ComponentState]) -> None:
        self.update(components_text(states, self.app.get_css_variables()))
