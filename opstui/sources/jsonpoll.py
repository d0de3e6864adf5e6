"""Poll a JSON document and turn chosen values into metrics (``db.cpu_percent`` -> ``db_cpu``).

The service answering is not the same as the service being healthy, so the states read:
unreachable (no answer), down (an answer that is not a usable document: HTTP error, malformed
JSON), degraded (a document missing some configured values or holding a non-number there; the
others are still recorded), up. Values are recorded unlabelled under the configured metric name.
"""

from __future__ import annotations

import json
import math

import httpx

from opstui.clock import Clock
from opstui.config.models import JsonSource
from opstui.sources.base import Sink, SourceState
from opstui.sources.http import PolledSource

MAX_DOCUMENT_BYTES = 4 * 1_048_576
"""A larger document is refused (down): a metrics endpoint has no business being that big."""


class _Missing:
    """The marker :func:`pick` returns for a path that leads nowhere (``None`` is a valid JSON value)."""


MISSING = _Missing()


def pick(document: object, path: str) -> object:
    """The value at a dotted ``path`` (``db.cpu_percent``, ``items.0.n``; ``-1`` is the last item).

    Returns :data:`MISSING` when any step does not exist, rather than raising: a missing value is
    data about the endpoint, not an error in the console.
    """
    node = document
    for step in path.split("."):
        if isinstance(node, dict):
            if step not in node:
                return MISSING
            node = node[step]
        elif isinstance(node, list):
            try:
                node = node[int(step)]
            except (ValueError, IndexError):
                return MISSING
        else:
            return MISSING
    return node


def as_number(value: object) -> float | None:
    """A finite float from a JSON number, a bool (1 / 0) or a numeric string; None for anything else."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # an integer of hundreds of digits
            return None
    elif isinstance(value, str):
        try:
            number = float(value.strip()[:64])
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


class JsonPoll(PolledSource):
    """GETs a JSON document every ``interval`` and records each configured metric (see module doc)."""

    kind = "json"

    def __init__(self, cfg: JsonSource, clock: Clock, sink: Sink, client: httpx.AsyncClient) -> None:
        super().__init__(cfg.name, cfg.url, cfg.interval, clock, sink)
        self.cfg = cfg
        self.client = client

    async def _probe(self) -> dict[str, object]:
        cfg = self.cfg
        got = await self._get_document(cfg.url, cfg.headers, cfg.timeout, MAX_DOCUMENT_BYTES, "document")
        if isinstance(got, dict):
            return got
        _, body, latency_ms = got
        try:
            document = json.loads(body)
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError alike
            return self._result(SourceState.DOWN, f"malformed JSON: {exc}", latency_ms=latency_ms)
        except RecursionError:
            return self._result(SourceState.DOWN, "malformed JSON: nested too deeply", latency_ms=latency_ms)
        read, problems = self._record_values(document)
        state = SourceState.DEGRADED if problems else SourceState.UP
        return self._result(state, problems, latency_ms=latency_ms, received=self.status.received + read)

    def _record_values(self, document: object) -> tuple[int, str]:
        """Record every configured metric found; return how many, and what was wrong with the rest."""
        ts = self.clock.now()
        missing: list[str] = []
        not_numbers: list[str] = []
        for metric, path in self.cfg.metrics.items():
            raw = pick(document, path)
            if raw is MISSING:
                missing.append(path)
                continue
            value = as_number(raw)
            if value is None:
                not_numbers.append(path)
                continue
            if self.border.number(value, path) is None:
                continue  # out of range: counted and shown by the border
            self.sink.record(metric, value, ts)
        problems = []
        if missing:
            problems.append("missing " + ", ".join(missing))
        if not_numbers:
            problems.append("not a number: " + ", ".join(not_numbers))
        return len(self.cfg.metrics) - len(missing) - len(not_numbers), "; ".join(problems)
