"""A KPI tile for the Executive screen: money reads ``$12,345``, and a failing query says so.

It is the Engineering screen's :class:`KpiTile` (same levels, shapes and colours) with two
differences a business reader needs: currency in front of the number, and when the metric's query
failed the bottom border says ``stale: <why>`` instead of the target, so an old number is never
mistaken for a current one.
"""

from __future__ import annotations

from textual.widgets import Static

from opstui.monitor import KpiView
from opstui.status import KpiLevel
from opstui.ui.plain import plain
from opstui.ui.widgets.formatting import number
from opstui.ui.widgets.kpi_tile import KpiTile, subtitle, value_text

CURRENCIES = ("$", "€", "£")


def business_number(value: float | None, unit: str) -> str:
    """``$12,345`` / ``$54.20`` for money, else the console's usual :func:`number`."""
    if unit not in CURRENCIES or value is None:
        return number(value, unit)
    return f"{unit}{value:,.0f}" if abs(value) >= 1000 else f"{unit}{value:,.2f}"


class ExecutiveTile(KpiTile):
    """One business KPI against its target (see the module doc)."""

    def __init__(self, view: KpiView) -> None:
        super().__init__(view)
        self.add_class("executive-tile")
        self._stale: str | None = None

    def show_business(self, view: KpiView, error: str | None, maintenance: str | None = None) -> None:
        """Redraw from the view and the metric's query error (None when its last read succeeded); ``maintenance``:
        the open maintenance window its source is in (the tile says ``maintenance``)."""
        if view == self._shown and error == self._stale and maintenance == self._window:
            return
        self.show(view, maintenance)
        self._stale = error
        self.query_one(".kpi-value", Static).update(plain(value_text(view, business_number)))
        self.set_class(error is not None or view.level is KpiLevel.STALE, "-stale")
        if error is not None:
            self.border_subtitle = plain(f"stale: {error}"[:60])
            self.tooltip = plain(f"{view.label}: the last read failed: {error}")
        elif maintenance is not None:
            self.border_subtitle = "maintenance"
        elif view.key.startswith("web-vital") and view.level is not KpiLevel.STALE:
            self.border_subtitle = plain((view.target or "").replace(" ", ""))  # "≤2.5s": five tiles in 80 columns
        else:
            self.border_subtitle = plain(subtitle(view))
