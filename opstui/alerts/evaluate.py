"""Evaluating a parsed alert expression against the metric store, as PromQL evaluates an instant query.

A result is a *vector*: one value per series, keyed by the series' labels (the metric name left out).
A comparison keeps the elements for which it holds, with the left-hand value (``error_rate > 5`` is the
error rate when it is above 5, and nothing otherwise), so every element of a rule's result is one
alert, and ``{{ value }}`` in a summary is the number the rule looked at.

Two sides are matched on identical labels, as in PromQL; in addition, a side whose only element has
no labels (``error_rate``, a number) applies to every element of the other side, so that
``check_up == 0 and error_rate > 5`` means what it says without PromQL's ``on()``.

A selector's latest point counts only if it is at most ``lookback`` old (5 minutes, as Prometheus):
a source that stopped reporting does not keep an alert firing, or quiet, forever. A series older than its
source's ``stale_after`` (``Context.stale``, see :mod:`opstui.metrics.freshness`) is absent sooner, to
instant selectors and window functions alike, as Prometheus' staleness markers make it; only ``absent_over``
and ``stale`` still look at its old points, since that is what they are asked about.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from opstui.alerts.expr import Call, Neg, Node, Number, Selector
from opstui.metrics.store import AGGREGATES, MetricStore, quantile

LabelKey = tuple[tuple[str, str], ...]
Vector = dict[LabelKey, float]
Value = Vector | float

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}


def _divide(a: float, b: float) -> float:
    if b == 0:
        return math.nan if a == 0 else math.copysign(math.inf, a)
    return a / b


_ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": _divide,
}


@dataclass(frozen=True, slots=True)
class Context:
    """What an evaluation reads: the store, the instant, and how old a latest point may be."""

    store: MetricStore
    now: float
    lookback: float = 300.0
    stale: Callable[[str, dict[str, str]], bool] | None = None
    """Whether a series (metric, labels) is stale now: it then counts as absent."""

    def is_stale(self, metric: str, labels: dict[str, str]) -> bool:
        return self.stale is not None and self.stale(metric, labels)


def evaluate(node: Node, ctx: Context) -> Vector:
    """The expression's result at ``ctx.now`` as a vector; a bare number becomes one unlabelled element."""
    result = _eval(node, ctx)
    return {(): result} if isinstance(result, float) else result


def _eval(node: Node, ctx: Context) -> Value:
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Selector):
        return _instant(node, ctx)
    if isinstance(node, Call):
        return _call(node, ctx)
    if isinstance(node, Neg):
        value = _eval(node.operand, ctx)
        return -value if isinstance(value, float) else {k: -v for k, v in value.items()}
    left, right = _eval(node.left, ctx), _eval(node.right, ctx)
    if node.op in _COMPARE:
        return _compare(node.op, left, right)
    if node.op in _ARITHMETIC:
        return _arithmetic(node.op, left, right)
    return _logical(node.op, _vector(left), _vector(right))


def _key(labels: dict[str, str]) -> LabelKey:
    return tuple(sorted(labels.items()))


def _series(selector: Selector, store: MetricStore) -> Iterator[dict[str, str]]:
    for _, labels in store.series(selector.metric):
        if all(m.matches(labels) for m in selector.matchers):
            yield labels


def _instant(selector: Selector, ctx: Context) -> Vector:
    out: Vector = {}
    for labels in _series(selector, ctx.store):
        point = ctx.store.latest(selector.metric, labels or None)
        if point is None or ctx.now - point[0] > ctx.lookback or math.isnan(point[1]):
            continue
        if not ctx.is_stale(selector.metric, labels):
            out[_key(labels)] = point[1]
    return out


def _equality_labels(selector: Selector) -> LabelKey:
    """What ``absent`` reports: the labels its selector pinned with ``=`` (as PromQL's ``absent``)."""
    return tuple(sorted((m.label, m.value) for m in selector.matchers if m.op == "="))


def _call(call: Call, ctx: Context) -> Vector:
    selector = call.selector
    if call.fn == "absent":
        return {} if _instant(selector, ctx) else {_equality_labels(selector): 1.0}
    assert call.window is not None
    out: Vector = {}
    seen = False
    for labels in _series(selector, ctx.store):
        if call.fn == "stale":
            point = ctx.store.latest(selector.metric, labels or None)
            if point is not None and ctx.now - point[0] > call.window:
                out[_key(labels)] = ctx.now - point[0]
            continue
        if call.fn != "absent_over" and ctx.is_stale(selector.metric, labels):
            continue  # a stale series is absent: its old window must not keep a rule pending, or quiet
        times, values = ctx.store.window(selector.metric, call.window, labels or None, until=ctx.now)
        values_ok = [v for v in values if not math.isnan(v)]
        if values_ok:
            seen = True
        if call.fn == "absent_over":
            continue
        result = _aggregate(call, times, values_ok if len(values_ok) == len(values) else values)
        if result is not None and not math.isnan(result):
            out[_key(labels)] = result
    if call.fn == "absent_over":
        return {} if seen else {_equality_labels(selector): 1.0}
    return out


def _aggregate(call: Call, times: list[float], values: list[float]) -> float | None:
    if not values:
        return None
    if call.fn == "quantile":
        return quantile(sorted(values), call.q if call.q is not None else 0.5)
    if call.fn == "increase":
        # Counter resets (a restarted service) count from zero, as Prometheus does.
        return sum(b - a if b >= a else b for a, b in zip(values, values[1:], strict=False))
    return AGGREGATES[call.fn](times, values)


def _vector(value: Value) -> Vector:
    return {(): value} if isinstance(value, float) else value


def _pairs(left: Vector, right: Vector) -> Iterator[tuple[LabelKey, float, float]]:
    """Matched elements: identical labels, or an unlabelled lone element applying to every other."""
    if len(right) == 1 and () in right:
        lone = right[()]
        for key, value in left.items():
            yield key, value, lone
        return
    if len(left) == 1 and () in left:
        lone = left[()]
        for key, value in right.items():
            yield key, lone, value
        return
    for key, value in left.items():
        if key in right:
            yield key, value, right[key]


def _compare(op: str, left: Value, right: Value) -> Vector:
    test = _COMPARE[op]
    if isinstance(left, float) and isinstance(right, float):
        return {(): left} if test(left, right) else {}
    if isinstance(right, float):
        return {k: v for k, v in _vector(left).items() if test(v, right)}
    if isinstance(left, float):
        return {k: v for k, v in right.items() if test(left, v)}
    return {key: a for key, a, b in _pairs(left, right) if test(a, b)}


def _arithmetic(op: str, left: Value, right: Value) -> Value:
    apply = _ARITHMETIC[op]
    if isinstance(left, float) and isinstance(right, float):
        return apply(left, right)
    if isinstance(right, float):
        return {k: apply(v, right) for k, v in _vector(left).items()}
    if isinstance(left, float):
        return {k: apply(left, v) for k, v in right.items()}
    return {key: apply(a, b) for key, a, b in _pairs(left, right)}


def _logical(op: str, left: Vector, right: Vector) -> Vector:
    if op == "or":
        return {**right, **left}
    matched = {key for key, _, _ in _pairs(left, right)} if right else set()
    if len(left) == 1 and () in left and right:
        matched = {()}  # an unlabelled left side is kept whole when the right side has any element
    if op == "and":
        return {k: v for k, v in left.items() if k in matched}
    return {k: v for k, v in left.items() if k not in matched}  # unless
