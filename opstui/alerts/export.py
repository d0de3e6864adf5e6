"""opstui's alert rules as a Prometheus rule file, so they run 24/7 where Prometheus runs.

A rule can leave only if every metric it reads comes from a ``prometheus`` source's query: that query is
inlined in its place (``error_rate`` -> ``(Q)``) and opstui's window functions become PromQL over a
subquery (``avg_over(m, 5m)`` -> ``avg_over_time((Q)[5m:])``, ``p95_over`` -> ``quantile_over_time(0.95, ...)``).
A rule that reads any other metric, or that uses what PromQL cannot say of an inlined query (label
matchers on it, ``stale``), is refused with its name and why. ``for``, ``keep_firing_for``, the severity
(as a label), the summary (placeholders in Prometheus' template syntax) and the runbook come along.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from opstui.alerts.expr import Binary, Call, Neg, Node, Number, Selector, parse
from opstui.config.alerting import PLACEHOLDER, AlertRule
from opstui.config.models import Config, PrometheusSource

OVER_TIME = {
    "avg": "avg_over_time",
    "min": "min_over_time",
    "max": "max_over_time",
    "sum": "sum_over_time",
    "count": "count_over_time",
    "last": "last_over_time",
    "rate": "rate",
    "increase": "increase",
    "delta": "delta",
    "absent_over": "absent_over_time",
}
"""opstui's window functions and the PromQL function each becomes over a subquery."""
GROUP = "opstui"


class Refused(Exception):
    """A rule that cannot be written as PromQL; the message says why, in the operator's terms."""


@dataclass(frozen=True, slots=True)
class Export:
    """The rule file's text and the rules left out, each as ``name: why``."""

    text: str
    refused: tuple[str, ...]
    written: int


def promql_queries(config: Config) -> dict[str, str]:
    """Metric name -> its PromQL, from every ``prometheus`` source of the config."""
    out: dict[str, str] = {}
    for source in config.sources:
        if isinstance(source, PrometheusSource):
            out.update(source.queries)
    return out


def _window(seconds: float | None) -> str:
    """A PromQL duration, exact to the millisecond: ``5m``, ``1h30m``, ``1m30s500ms``."""
    assert seconds is not None
    rest = round(seconds * 1000)
    parts = []
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)):
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


def _inlined(selector: Selector, queries: dict[str, str]) -> str:
    query = queries.get(selector.metric)
    if query is None:
        raise Refused(f"metric {selector.metric!r} has no PromQL (it does not come from a prometheus source)")
    if selector.matchers:
        raise Refused(f"label matchers on {selector.metric!r} cannot be applied to its inlined query")
    return f"({query})"


def to_promql(node: Node, queries: dict[str, str]) -> str:
    """The expression in PromQL with the queries inlined; raises :class:`Refused`."""
    if isinstance(node, Number):
        return repr(node.value) if node.value != int(node.value) else str(int(node.value))
    if isinstance(node, Selector):
        if node.window is not None:
            raise Refused(f"a bare range {node.metric}[...] is not a value")
        return _inlined(node, queries)
    if isinstance(node, Neg):
        return f"-({to_promql(node.operand, queries)})"
    if isinstance(node, Binary):
        return f"({to_promql(node.left, queries)}) {node.op} ({to_promql(node.right, queries)})"
    assert isinstance(node, Call)
    inner = _inlined(node.selector, queries)
    if node.fn == "absent":
        return f"absent({inner})"
    if node.fn == "stale":
        raise Refused("stale(...) has no PromQL equivalent over an inlined query")
    window = node.window if node.window is not None else node.selector.window
    subquery = f"{inner}[{_window(window)}:]"
    if node.fn == "quantile":
        return f"quantile_over_time({node.q if node.q is not None else 0.5:g}, {subquery})"
    return f"{OVER_TIME[node.fn]}({subquery})"


def alert_name(rule: str) -> str:
    """A valid Prometheus alert name from a rule name: ``High Error Rate`` -> ``HighErrorRate``."""
    words = re.findall(r"[A-Za-z0-9]+", rule)
    name = "".join(w[:1].upper() + w[1:] for w in words) or "OpstuiRule"
    return name if not name[0].isdigit() else "Opstui" + name


def _template(text: str) -> str:
    """Our placeholders in Prometheus' templates: ``{{ value }}`` -> ``{{ $value }}``."""

    def convert(match: re.Match[str]) -> str:
        name = match.group(1).removeprefix("$")
        if name in ("rule", "severity"):
            return "{{ $labels.alertname }}" if name == "rule" else "{{ $labels.severity }}"
        return "{{ $" + name + " }}"

    return PLACEHOLDER.sub(convert, text)


def _rule(rule: AlertRule, queries: dict[str, str]) -> dict[str, object]:
    out: dict[str, object] = {"alert": alert_name(rule.name), "expr": to_promql(parse(rule.expr), queries)}
    if rule.for_:
        out["for"] = _window(rule.for_)
    if rule.keep_firing_for:
        out["keep_firing_for"] = _window(rule.keep_firing_for)
    out["labels"] = {**rule.labels, "severity": rule.severity.value}
    annotations = {"title": rule.name}
    if rule.summary:
        annotations["summary"] = _template(rule.summary)
    if rule.runbook:
        annotations["runbook"] = rule.runbook
    out["annotations"] = annotations
    return out


def export_rules(rules: list[AlertRule], queries: dict[str, str]) -> Export:
    """Every rule that can leave, as one rule group; the others refused by name."""
    written: list[dict[str, object]] = []
    refused: list[str] = []
    for rule in rules:
        try:
            written.append(_rule(rule, queries))
        except Refused as exc:
            refused.append(f"{rule.name}: {exc}")
    document = {"groups": [{"name": GROUP, "rules": written}]}
    header = "# Written by `opstui rules export --format prometheus`: opstui's alert rules, queries inlined.\n"
    text = header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=1000)
    return Export(text, tuple(refused), len(written))
