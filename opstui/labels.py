"""One label matcher, PromQL's: ``source="api"``, ``source!="api"``, ``route=~"/api/.*"``, ``route!~"..."``.

The alert rules' expressions (:mod:`opstui.alerts.expr`) and the scrape's ``metrics:`` selectors
(:mod:`opstui.sources.exposition`) both select series by labels with the same four operators and the same
meaning (a missing label matches as the empty string; a regular expression must match the whole value); this
is the one place that says what a match is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Matcher:
    """A label, an operator (``=``, ``!=``, ``=~``, ``!~``) and a value; ``pattern`` compiled once for a regex."""

    label: str
    op: str
    value: str
    pattern: re.Pattern[str] | None = None

    def matches(self, labels: dict[str, str]) -> bool:
        actual = labels.get(self.label, "")
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        assert self.pattern is not None
        found = self.pattern.fullmatch(actual) is not None
        return found if self.op == "=~" else not found
