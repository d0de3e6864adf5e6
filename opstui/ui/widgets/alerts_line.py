"""One line on the Engineering screen: which alerts are firing or pending, and which rules are broken.

The On-call screen lists incidents; this line answers the engineer's question one step earlier
("is anything about to page?") and makes a rule that fails to evaluate impossible to miss: a broken
rule never fires, so without this warning it would fail silently. Full texts are in the tooltip.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from textual.content import Content
from textual.widgets import Static

from opstui.alerts.model import AlertState
from opstui.alerts.rules import Alert
from opstui.sanitize import clean
from opstui.ui.plain import plain

MAX_NAMES = 4
"""Alert names listed per state before ``+N more`` (the tooltip has them all)."""


def alert_line(
    alerts: Sequence[Alert], errors: Mapping[str, str], silenced: Collection[str] = (), inhibited: Collection[str] = ()
) -> Content:
    """``alerts: 1 firing (High Error Rate) · 2 pending (A, B) · 1 silenced (C) · ⚠ rule 'X' failed: why``.

    ``silenced`` and ``inhibited``: fingerprints a silence covers or an inhibit rule holds back; they are
    counted apart, never as firing or pending.
    """
    held_back = set(silenced) | set(inhibited)
    active = [a for a in alerts if a.state in (AlertState.FIRING, AlertState.PENDING)]
    firing = [
        a.fingerprint + (" data stale" if a.data_stale_since is not None else "")
        for a in active
        if a.state is AlertState.FIRING and a.fingerprint not in held_back
    ]
    pending = [a.fingerprint for a in active if a.state is AlertState.PENDING and a.fingerprint not in held_back]
    held = [a.fingerprint for a in active if a.fingerprint in inhibited]
    hushed = [a.fingerprint for a in active if a.fingerprint in silenced and a.fingerprint not in inhibited]
    parts: list[Content] = []
    for count_of, word, style in (
        (firing, "firing", "$status-crit"),
        (pending, "pending", "$status-warn"),
        (hushed, "silenced", "$text-muted"),
        (held, "inhibited", "$text-muted"),
    ):
        if count_of:
            parts.append(
                Content.assemble((f"{len(count_of)} {word}", f"bold {style}"), plain(f" ({_names(count_of)})"))
            )
    if not parts:
        parts.append(Content.styled("none firing or pending", "$text-muted"))
    if errors:
        (rule, why), more = next(iter(errors.items())), len(errors) - 1
        text = f"⚠ rule '{rule}' failed: {why}" + (f" (+{more} more)" if more else "")
        parts.append(Content.styled(clean(text), "bold $status-warn"))
    return Content.assemble(("alerts: ", "bold")).append(Content(" · ").join(parts))


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_NAMES])
    return shown + (f", +{len(names) - MAX_NAMES} more" if len(names) > MAX_NAMES else "")


class AlertsLine(Static):
    """Pending and firing alerts, and rule errors as a warning; redrawn only when they change."""

    def __init__(self) -> None:
        super().__init__("alerts: —", id="alerts-line")
        self._key: object = None

    def show(
        self,
        alerts: Sequence[Alert],
        errors: Mapping[str, str],
        silenced: Collection[str] = (),
        inhibited: Collection[str] = (),
    ) -> None:
        active = tuple(
            (a.fingerprint, a.state, a.data_stale_since is not None)
            for a in alerts
            if a.state in (AlertState.FIRING, AlertState.PENDING)
        )
        held = frozenset(fp for fp, _, _ in active if fp in inhibited)
        hushed = frozenset(fp for fp, _, _ in active if fp in silenced) | held
        key = (active, tuple(errors.items()), hushed, held)
        if key == self._key:
            return
        self._key = key
        self.update(alert_line(alerts, errors, hushed, held))
        self.set_class(bool(errors), "-rule-error")
        self.set_class(any(state is AlertState.FIRING and fp not in hushed for fp, state, _ in active), "-firing")
        marks = {fp: " (inhibited)" if fp in held else " (silenced)" for fp in hushed}
        lines = [
            f"{state.value}{marks.get(fp, '')}: {fp}" + (" (data stale: kept firing)" if stale else "")
            for fp, state, stale in active
        ]
        lines += [f"rule '{rule}' failed: {why}" for rule, why in errors.items()]
        self.tooltip = plain("\n".join(lines), multiline=True) if lines else None
