"""``auto:`` conditions: when one holds while a task is due, the console ticks the task itself.

The syntax is deliberately tiny, so anyone can read a config and know what it does:

- ``<source> is <state>``: a health check's state, e.g. ``api is up`` (states: up, degraded, down,
  unreachable, stale, pending). A leading ``check`` is allowed: ``check api is up``.
- ``<metric> <op> <number>``: a live metric against a number, e.g. ``error_rate < 1``,
  ``latency_p95 <= 500`` (ops: ``<``, ``<=``, ``>``, ``>=``, ``==``, ``!=``).
- ``backups verified``: every ``backup`` source has a fresh result and it is up (the newest backup is younger
  than its ``max_age``, not shrunk, WAL archiving working); what each saw is recorded with the tick.
- Several of those joined with ``and``: ``api is up and error_rate < 1``.

A metric with no fresh value or an unknown source never holds: the console does not tick what it
could not see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from opstui.metrics.kpi import Threshold

STATES = ("up", "degraded", "down", "unreachable", "stale", "pending")
_IS = re.compile(r"^(?:check\s+)?([A-Za-z0-9_.:-]+)\s+is\s+([a-z]+)$")
_BACKUPS = re.compile(r"^backups\s+(?:are\s+)?verified$")
_CMP = re.compile(r"^([A-Za-z_][A-Za-z0-9_.:]*)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*%?$")


class LiveValues(Protocol):
    """What a condition reads: a source's state and a metric's current value (the monitor provides it)."""

    def source_state(self, name: str) -> str | None: ...

    def metric_value(self, name: str) -> float | None: ...

    def backups(self) -> list[tuple[str, str, str]]:
        """(source, state, what was seen) of every backup source with a fresh result."""
        ...


@dataclass(frozen=True, slots=True)
class SourceIs:
    source: str
    state: str

    def observe(self, live: LiveValues) -> tuple[bool, str]:
        state = live.source_state(self.source)
        return state == self.state, f"{self.source} {state or 'unknown'}"


@dataclass(frozen=True, slots=True)
class MetricCompare:
    metric: str
    threshold: Threshold

    def observe(self, live: LiveValues) -> tuple[bool, str]:
        value = live.metric_value(self.metric)
        if value is None:
            return False, f"{self.metric} no data"
        return self.threshold.holds(value), f"{self.metric} {value:g}"


@dataclass(frozen=True, slots=True)
class BackupsVerified:
    """Holds when there is at least one backup source, and every one has a fresh result that is up."""

    def observe(self, live: LiveValues) -> tuple[bool, str]:
        results = live.backups()
        if not results:
            return False, "no fresh backup result"
        holds = all(state == "up" for _, state, _ in results)
        return holds, "; ".join(
            f"{name} {state}: {seen}" if seen else f"{name} {state}" for name, state, seen in results
        )


Clause = SourceIs | MetricCompare | BackupsVerified


@dataclass(frozen=True, slots=True)
class Condition:
    """A parsed ``auto:`` condition; :meth:`observe` says whether it holds and what was seen."""

    text: str
    clauses: tuple[Clause, ...]

    def observe(self, live: LiveValues) -> tuple[bool, str]:
        """(holds, what was seen), e.g. ``(True, "api up, error_rate 0.42")``."""
        results = [clause.observe(live) for clause in self.clauses]
        return all(ok for ok, _ in results), ", ".join(seen for _, seen in results)


def parse_condition(text: str) -> Condition:
    """Parse an ``auto:`` condition; raise ValueError naming the part that is not understood."""
    clauses: list[Clause] = []
    for part in re.split(r"\s+and\s+", text.strip()):
        part = part.strip()
        if _BACKUPS.match(part):
            clauses.append(BackupsVerified())
        elif match := _IS.match(part):
            if match.group(2) not in STATES:
                raise ValueError(f"auto: {part!r}: a source state is one of {', '.join(STATES)}")
            clauses.append(SourceIs(match.group(1), match.group(2)))
        elif match := _CMP.match(part):
            clauses.append(MetricCompare(match.group(1), Threshold(match.group(2), float(match.group(3)))))
        else:
            raise ValueError(
                f"auto: {part!r} is not understood; write '<source> is up', '<metric> < <number>' or "
                "'backups verified' (joined by 'and')"
            )
    return Condition(text.strip(), tuple(clauses))
