"""KPI thresholds (``< 0.5``, ``> 1``, ``>= 98``) and the level a value reaches against them, and the series
a KPI names (``error_rate``, or one labelled series: ``business_sum{name="donation"}``)."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

from opstui.status import KpiLevel

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
_METRIC = re.compile(r"^\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*(?:\{(.*)\})?\s*$")
_LABEL = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"([^"\\]*)"\s*(,|$)')


def parse_metric(text: str) -> tuple[str, dict[str, str]]:
    """``business_sum{name="donation"}`` -> (``business_sum``, ``{"name": "donation"}``): the one series a KPI
    tile shows (exact labels, as the series was recorded); ValueError with the accepted form otherwise."""
    match = _METRIC.match(str(text))
    if not match:
        raise ValueError(f"{text!r} is not a metric; write it like 'error_rate' or 'business_sum{{name=\"donation\"}}'")
    name, inner = match.group(1), match.group(2)
    labels: dict[str, str] = {}
    position = 0
    inner = (inner or "").strip()
    while position < len(inner):
        pair = _LABEL.match(inner, position)
        if not pair:
            raise ValueError(f'{text!r}: labels go like {{name="donation", campaign="winter"}}')
        labels[pair.group(1)] = pair.group(2)
        position = pair.end()
    return name, labels


_THRESHOLD = re.compile(r"^\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*%?\s*$")


@dataclass(frozen=True, slots=True)
class Threshold:
    """A comparison against a fixed number, e.g. ``> 5``."""

    op: str
    value: float

    def holds(self, x: float) -> bool:
        return _OPS[self.op](x, self.value)

    def __str__(self) -> str:
        return f"{self.op} {self.value:g}"


def parse_threshold(text: str) -> Threshold:
    """Parse ``"> 5"``; raise ValueError with the accepted forms otherwise."""
    match = _THRESHOLD.match(str(text))
    if not match:
        raise ValueError(f"{text!r} is not a threshold; write it like '< 0.5', '> 1' or '>= 98'")
    return Threshold(match.group(1), float(match.group(2)))


@dataclass(frozen=True, slots=True)
class KpiRule:
    """The three thresholds of one KPI, parsed once."""

    target: Threshold | None
    warning: Threshold | None
    critical: Threshold | None

    @classmethod
    def parse(cls, target: str | None, warning: str | None, critical: str | None) -> KpiRule:
        return cls(
            parse_threshold(target) if target else None,
            parse_threshold(warning) if warning else None,
            parse_threshold(critical) if critical else None,
        )

    def level(self, value: float | None) -> KpiLevel:
        """Critical is checked first, then warning, then the target."""
        if value is None or value != value:  # None or NaN
            return KpiLevel.NO_DATA
        if self.critical and self.critical.holds(value):
            return KpiLevel.CRITICAL
        if self.warning and self.warning.holds(value):
            return KpiLevel.WARNING
        if self.target is None or self.target.holds(value):
            return KpiLevel.TARGET
        return KpiLevel.OFF_TARGET
