"""Textual's Footer, rebuilt only when the keys it shows change.

Textual's Footer recomposes (unmounts and mounts one widget per key, ~30 here) every time its screen's bindings
are refreshed, which happens at every screen switch and focus change although the keys are the same. Measured
with ``bench/keys.py``, that is most of the widget churn of a switch. This subclass keeps the composed keys when
the signature of what it would show (key, action, label, enabled, tooltip, group) is unchanged.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class StableFooter(Footer):
    """A footer that recomposes only when its keys changed."""

    _shown: tuple[object, ...] | None = None

    def _signature(self) -> tuple[object, ...]:
        return tuple(
            (binding.key, binding.action, binding.description, enabled, tooltip, binding.group)
            for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show
        )

    def bindings_changed(self, screen: Screen[object]) -> None:
        same_screen = self.is_attached and screen is self.screen and self._bindings_ready
        if same_screen and self._signature() == self._shown:
            return  # the same keys: the mounted ones are right
        super().bindings_changed(screen)

    async def recompose(self) -> None:
        self._shown = self._signature() if self.is_attached else None
        await super().recompose()
