"""A ``/metrics`` page (Prometheus text or OpenMetrics) folded into opstui metrics.

Parsing is ``prometheus_client``'s own parser: no hand-written exposition parser. What is folded is
what a ``scrape`` source's ``metrics:`` asks for, one expression per opstui metric:

- ``jobs_pending`` or ``jobs_pending{queue="mail"}``: a gauge as it is (one matching series is the
  metric; several are labelled series, ``jobs_pending{queue="mail"}``);
- ``rate(http_requests_total{...})``: the per-second increase between two scrapes, summed over the
  matching series, with counter resets handled as Prometheus does (a value lower than the previous
  one counts as an increase from zero); the time between the scrapes is the clock's, or the
  samples' own when the service writes timestamps (as Prometheus honours them);
- ``ratio(a, b)``: ``100 * a / b`` in percent; of counters, the ratio of their increases since the
  previous scrape (an error rate), of gauges the ratio of their values;
- ``quantile(q, http_request_duration_seconds{...})``: the histogram's bucket increases since the
  previous scrape, summed by ``le``, interpolated exactly as PromQL's ``histogram_quantile`` does;
  a histogram in seconds (the Prometheus convention, ``*_seconds``) is reported in milliseconds.

Label matchers are PromQL's: ``=``, ``!=``, ``=~`` and ``!~``, the regular expressions anchored.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from opstui.labels import Matcher
from opstui.sanitize import clean

MAX_LABEL = 200
"""Longest label name or value kept on a recorded series (longer ones are cut)."""
Labels = tuple[tuple[str, str], ...]
"""A series' labels, sorted: hashable, and the same series always gives the same tuple."""

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_SELECTOR = re.compile(rf"\s*({_NAME})\s*(?:\{{(.*)\}})?\s*", re.DOTALL)
_MATCHER = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(,|$)', re.DOTALL)
_CALL = re.compile(r"\s*(rate|ratio|quantile)\s*\((.*)\)\s*", re.DOTALL)


class ExpressionError(ValueError):
    """A ``metrics:`` expression that cannot be read; the message says what is wrong with it."""


@dataclass(frozen=True, slots=True)
class Selector:
    """A sample name and label matchers, as in ``http_requests_total{code=~"5.."}``."""

    name: str
    matchers: tuple[Matcher, ...] = ()

    def matches(self, labels: dict[str, str]) -> bool:
        return all(m.matches(labels) for m in self.matchers)


@dataclass(frozen=True, slots=True)
class Expression:
    """One parsed ``metrics:`` entry: ``kind`` is ``gauge``, ``rate``, ``ratio`` or ``quantile``."""

    kind: str
    selectors: tuple[Selector, ...]
    q: float = 0.0

    def sample_names(self) -> set[str]:
        """The sample names this expression reads (a histogram's are its ``_bucket`` samples)."""
        suffix = "_bucket" if self.kind == "quantile" else ""
        return {s.name + suffix for s in self.selectors}


def parse_selector(text: str) -> Selector:
    match = _SELECTOR.fullmatch(text)
    if match is None:
        raise ExpressionError(f"not a metric selector: {text.strip()!r}")
    name, body = match.group(1), match.group(2)
    matchers: list[Matcher] = []
    position = 0
    body = body or ""
    while body[position:].strip():
        found = _MATCHER.match(body, position)
        if found is None:
            raise ExpressionError(f'bad label matcher in {text.strip()!r}: write label="value" (=, !=, =~, !~)')
        label, op, raw = found.group(1), found.group(2), found.group(3)
        value = re.sub(r"\\(.)", lambda m: {"n": "\n"}.get(m.group(1), m.group(1)), raw)
        pattern = None
        if op in ("=~", "!~"):
            try:
                pattern = re.compile(value)
            except re.error as exc:
                raise ExpressionError(f"bad regular expression {value!r}: {exc}") from None
        matchers.append(Matcher(label, op, value, pattern))
        position = found.end()
    return Selector(name, tuple(matchers))


def _split_arguments(text: str) -> list[str]:
    """Split ``a{x="1,2"}, b`` at top-level commas (not inside braces or quotes)."""
    parts: list[str] = []
    depth, quoted, escaped, start = 0, False, False, 0
    for i, char in enumerate(text):
        if quoted:
            escaped = not escaped and char == "\\"
            if char == '"' and not escaped:
                quoted = False
            continue
        if char == '"':
            quoted = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def parse_expression(text: str) -> Expression:
    """Read one ``metrics:`` expression (see the module doc), or raise :class:`ExpressionError`."""
    call = _CALL.fullmatch(text)
    if call is None:
        return Expression("gauge", (parse_selector(text),))
    kind, args = call.group(1), _split_arguments(call.group(2))
    if kind == "rate":
        if len(args) != 1:
            raise ExpressionError("rate takes one counter: rate(http_requests_total)")
        return Expression("rate", (parse_selector(args[0]),))
    if kind == "ratio":
        if len(args) != 2:
            raise ExpressionError("ratio takes two selectors: ratio(errors_total, requests_total)")
        return Expression("ratio", (parse_selector(args[0]), parse_selector(args[1])))
    if len(args) != 2:
        raise ExpressionError("quantile takes a number and a histogram: quantile(0.95, latency_seconds)")
    try:
        q = float(args[0])
    except ValueError:
        raise ExpressionError(f"quantile's first argument must be a number in 0..1, not {args[0].strip()!r}") from None
    if not 0.0 <= q <= 1.0:
        raise ExpressionError(f"quantile must be within 0..1, not {q:g}")
    return Expression("quantile", (parse_selector(args[1]),), q)


@dataclass(slots=True)
class Page:
    """The samples of one scrape that some expression reads: name -> labels -> value, and each name's type."""

    samples: dict[str, dict[Labels, float]] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    stamped: float | None = None
    """The newest timestamp the service wrote on a wanted sample, if it writes them (most do not)."""


def relevant_lines(text: str, wanted: set[str]) -> str:
    """The page cut to the families ``wanted`` needs: their samples, their ``# TYPE`` / ``# HELP`` lines, ``# EOF``.

    Both formats put one sample or comment per line (a newline inside a label value is escaped), and a
    family's lines stay in their order, so what is left is still a valid page; the parser then spends its
    time on the few families asked for, not on the thousands a large service exposes.
    """
    families = tuple(wanted)
    kept: list[str] = []
    for line in text.splitlines():
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if line.startswith("# EOF") or (len(parts) > 2 and any(w.startswith(parts[2]) for w in families)):
                kept.append(line)
        elif line.split("{", 1)[0].split(" ", 1)[0] in wanted:
            kept.append(line)
    return "\n".join(kept) + "\n"


def parse_page(text: str, openmetrics: bool, wanted: set[str]) -> Page:
    """Parse the lines of a page that ``wanted`` needs with ``prometheus_client``, keep the wanted samples.

    Raises ``ValueError`` for a page the parser refuses (the scrape is then down with its message).
    """
    if openmetrics:
        from prometheus_client.openmetrics.parser import text_string_to_metric_families
    else:
        from prometheus_client.parser import text_string_to_metric_families
    page = Page()
    for family in text_string_to_metric_families(relevant_lines(text, wanted)):  # type: ignore[no-untyped-call]
        for sample in family.samples:
            if sample.name not in wanted:
                continue
            page.types[sample.name] = family.type
            value = float(sample.value)
            if sample.timestamp is not None:
                page.stamped = max(page.stamped or 0.0, float(sample.timestamp))
            page.samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = value
    return page


def bucket_quantile(q: float, buckets: Iterable[tuple[float, float]]) -> float:
    """PromQL's ``histogram_quantile`` over cumulative ``(upper_bound, count)`` buckets (Prometheus 2.x).

    The same steps as Prometheus' ``bucketQuantile``: buckets sorted, a ``+Inf`` bucket required,
    equal bounds coalesced, counts forced monotonic, the rank found by binary search, linear
    interpolation inside the bucket (from 0 for the first one), the second-highest bound for ``+Inf``.
    NaN where Prometheus returns NaN (no ``+Inf`` bucket, fewer than two buckets, no observations).
    """
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    ordered = sorted(buckets)
    if not ordered or not math.isinf(ordered[-1][0]):
        return math.nan
    coalesced: list[list[float]] = []
    for bound, count in ordered:
        if coalesced and coalesced[-1][0] == bound:
            coalesced[-1][1] += count
        else:
            coalesced.append([bound, count])
    highest = -math.inf
    for bucket in coalesced:
        highest = bucket[1] = max(highest, bucket[1])
    if len(coalesced) < 2:
        return math.nan
    observations = coalesced[-1][1]
    if observations == 0:
        return math.nan
    rank = q * observations
    b = next((i for i in range(len(coalesced) - 1) if coalesced[i][1] >= rank), len(coalesced) - 1)
    if b == len(coalesced) - 1:
        return coalesced[-2][0]
    if b == 0 and coalesced[0][0] <= 0:
        return coalesced[0][0]
    start, end, count = 0.0, coalesced[b][0], coalesced[b][1]
    if b > 0:
        start = coalesced[b - 1][0]
        count -= coalesced[b - 1][1]
        rank -= coalesced[b - 1][1]
    return start + (end - start) * (rank / count)


def _shown(labels: Labels) -> dict[str, str]:
    """A series' labels as they become part of its name on screen: sanitised and capped (text from outside)."""
    return {clean(k[:MAX_LABEL]): clean(v[:MAX_LABEL]) for k, v in labels}


def increase(previous: float | None, current: float) -> float:
    """A counter's increase between two reads: a drop is a reset, so the new value is all increase."""
    if previous is None:
        return 0.0
    return current - previous if current >= previous else current


@dataclass(slots=True)
class Folder:
    """Turns successive pages into values for one expression; keeps the previous scrape's counters."""

    expression: Expression
    previous: dict[str, dict[Labels, float]] = field(default_factory=dict)
    previous_ts: float | None = None
    previous_stamp: float | None = None

    def fold(self, page: Page, ts: float) -> tuple[list[tuple[dict[str, str] | None, float]], str | None]:
        """The values for this scrape (labels or None, value), and what is missing if anything.

        A rate, a ratio of counters or a quantile needs two scrapes: the first gives no value and is
        not a problem.
        """
        expr = self.expression
        found = {name: page.samples.get(name, {}) for name in expr.sample_names()}
        missing = [s.name for s in expr.selectors if not self._matching(found, s, expr.kind)]
        elapsed = None if self.previous_ts is None else ts - self.previous_ts
        if page.stamped is not None and self.previous_stamp is not None:
            elapsed = page.stamped - self.previous_stamp  # the service's own times, as Prometheus honours them
        deltas = {name: self._increases(name, series) for name, series in found.items()}
        self.previous = {name: dict(series) for name, series in found.items()}
        self.previous_ts = ts
        self.previous_stamp = page.stamped
        if missing:
            return [], "missing " + ", ".join(missing)
        if expr.kind == "gauge":
            selector = expr.selectors[0]
            matched = [
                (_shown(labels), v) for labels, v in found[selector.name].items() if selector.matches(dict(labels))
            ]
            if len(matched) == 1:
                return [(None, matched[0][1])], None
            return [(labels, value) for labels, value in matched], None
        if elapsed is None or elapsed <= 0:
            return [], None
        if expr.kind == "rate":
            selector = expr.selectors[0]
            return [(None, self._sum(deltas[selector.name], selector) / elapsed)], None
        if expr.kind == "ratio":
            top, bottom = expr.selectors
            counters = page.types.get(top.name) == "counter" and page.types.get(bottom.name) == "counter"
            source = deltas if counters else found
            denominator = self._sum(source[bottom.name], bottom)
            if denominator == 0:
                return [], None
            return [(None, 100.0 * self._sum(source[top.name], top) / denominator)], None
        selector = expr.selectors[0]
        by_le: dict[float, float] = {}
        for labels, delta in deltas[selector.name + "_bucket"].items():
            as_dict = dict(labels)
            le = as_dict.pop("le", None)
            if le is None or not selector.matches(as_dict):
                continue
            bound = float(le)
            by_le[bound] = by_le.get(bound, 0.0) + delta
        value = bucket_quantile(expr.q, by_le.items())
        if math.isnan(value):
            return [], None
        return [(None, value * 1000.0 if selector.name.endswith("_seconds") else value)], None

    def _increases(self, name: str, series: dict[Labels, float]) -> dict[Labels, float]:
        before = self.previous.get(name, {})
        return {labels: increase(before.get(labels), value) for labels, value in series.items()}

    @staticmethod
    def _matching(found: dict[str, dict[Labels, float]], selector: Selector, kind: str) -> bool:
        name = selector.name + ("_bucket" if kind == "quantile" else "")
        if kind == "quantile":
            return any(selector.matches({k: v for k, v in labels if k != "le"}) for labels in found.get(name, {}))
        return any(selector.matches(dict(labels)) for labels in found.get(name, {}))

    @staticmethod
    def _sum(series: dict[Labels, float], selector: Selector) -> float:
        return sum(value for labels, value in series.items() if selector.matches(dict(labels)))
