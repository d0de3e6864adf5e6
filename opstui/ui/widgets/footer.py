"""Textual's Footer, rebuilt only when the keys it shows change.

Textual's Footer recomposes (unmounts and mounts one widget per key, ~30 here) every time its screen's bindings
are refreshed, which happens at every screen switch and focus change although the keys are the same. Measured
with ``bench/keys.py``, that is most of the widget churn of a switch. This subclass keeps the composed keys when
the signature of what it would show (key, action, label, enabled, tooltip, group) is unchanged.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

Shown = tuple[str, str, str, bool, str, object]
"""One key as the footer shows it: key, action, label, enabled, tooltip, group."""


class StableFooter(Footer):
    """A footer that recomposes only when its keys changed."""

    _shown: tuple[Shown, ...] | None = None

    def _signature(self) -> tuple[Shown, ...]:
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
        # Several bindings signals before the first recompose runs each queue one: those that find the keys
        # already shown do nothing, and a key only enabled or disabled (Ack while the incidents load) is changed
        # in place. A recompose mounts ~30 widgets: it was most of a switch to the On-call screen.
        signature = self._signature() if self.is_attached else None
        if signature is not None and self._shown is not None and self.children:
            if signature == self._shown:
                return
            if _without_enabled(signature) == _without_enabled(self._shown):
                enabled = {(key, action): on for key, action, _, on, _, _ in signature}
                for widget in self.query(FooterKey):
                    on = enabled.get((widget.key, widget.action))
                    if on is not None:
                        # FooterKey keeps its state as it was built: the ``-disabled`` class (its look) and
                        # ``_disabled`` (a click rings the bell instead of pressing the key).
                        widget._disabled = not on
                        widget.set_class(not on, "-disabled")
                self._shown = signature
                return
        self._shown = signature
        await super().recompose()


def _without_enabled(signature: tuple[Shown, ...]) -> tuple[tuple[object, ...], ...]:
    """The signature with each key's enabled flag left out: the same keys, in the same order."""
    return tuple((key, action, label, tooltip, group) for key, action, label, _, tooltip, group in signature)
