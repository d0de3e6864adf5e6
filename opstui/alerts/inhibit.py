"""Inhibition, as Alertmanager's inhibit rules: while a source alert fires, matching target alerts are noise.

``Service Down`` on ``service=api`` makes ``High Error Rate`` and ``Slow Response Times`` on ``service=api``
inevitable: paging for them too buries the cause. An inhibited alert opens no incident; when the source stops
firing and the target still fires, the feed announces it again and its incident opens then. An alert never
inhibits itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from opstui.alerts.rules import Alert
from opstui.config.alerting import InhibitRule
from opstui.incidents.matchers import Matcher, alert_labels, parse_matchers


@dataclass(frozen=True, slots=True)
class _Compiled:
    source: tuple[Matcher, ...]
    target: tuple[Matcher, ...]
    equal: tuple[str, ...]


class Inhibitor:
    """The config's inhibit rules, ready to ask of an alert whether a firing one inhibits it."""

    def __init__(self, rules: Sequence[InhibitRule]) -> None:
        self._rules = [_Compiled(parse_matchers(r.source), parse_matchers(r.target), tuple(r.equal)) for r in rules]

    def __bool__(self) -> bool:
        return bool(self._rules)

    def inhibitor(
        self, rule: str, fingerprint: str, labels: Iterable[tuple[str, str]], firing: Sequence[Alert]
    ) -> str | None:
        """The fingerprint of a firing alert that inhibits this one, or None."""
        if not self._rules:
            return None
        seen = alert_labels(rule, labels)
        for compiled in self._rules:
            if not all(m.holds(seen) for m in compiled.target):
                continue
            for source in firing:
                if source.fingerprint == fingerprint:
                    continue
                theirs = alert_labels(source.rule, source.labels)
                if all(m.holds(theirs) for m in compiled.source) and all(
                    seen.get(name, "") == theirs.get(name, "") for name in compiled.equal
                ):
                    return source.fingerprint
        return None
