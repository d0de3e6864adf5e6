"""Parsing: every form of the language becomes the AST it should, and every mistake names its column."""

from __future__ import annotations

import pytest

from opstui.alerts.expr import Binary, Call, ExprError, Neg, Number, Selector, main_metric, metrics, parse, tokenize


def test_comparison_of_a_metric_with_a_number() -> None:
    node = parse("error_rate > 5")
    assert isinstance(node, Binary) and node.op == ">"
    assert node.left == Selector("error_rate", (), 1)
    assert node.right == Number(5.0, 14)


def test_a_percent_sign_is_allowed_after_a_number() -> None:
    node = parse("error_rate > 5%")
    assert isinstance(node, Binary) and node.right == Number(5.0, 14)


@pytest.mark.parametrize("op", [">", ">=", "<", "<=", "==", "!="])
def test_every_comparison(op: str) -> None:
    node = parse(f"m {op} 1")
    assert isinstance(node, Binary) and node.op == op


def test_label_matchers_of_every_kind() -> None:
    node = parse('check_up{source="api", env!="dev", route=~"/api/.*", host!~"canary-.*"} == 0')
    assert isinstance(node, Binary) and isinstance(node.left, Selector)
    ops = [(m.label, m.op, m.value) for m in node.left.matchers]
    assert ops == [
        ("source", "=", "api"),
        ("env", "!=", "dev"),
        ("route", "=~", "/api/.*"),
        ("host", "!~", "canary-.*"),
    ]
    assert node.left.matchers[2].matches({"route": "/api/orders"})
    assert not node.left.matchers[3].matches({"host": "canary-1"})


def test_precedence_or_below_and_below_comparison_below_arithmetic() -> None:
    node = parse("a > 1 or b + 2 * c < 3 and d == 0")
    assert isinstance(node, Binary) and node.op == "or"
    right = node.right
    assert isinstance(right, Binary) and right.op == "and"
    assert isinstance(right.left, Binary) and right.left.op == "<"
    total = right.left.left
    assert isinstance(total, Binary) and total.op == "+"
    assert isinstance(total.right, Binary) and total.right.op == "*"


def test_parentheses_and_unless_and_negation() -> None:
    node = parse("(a > 1 or b > 1) unless -c < -2")
    assert isinstance(node, Binary) and node.op == "unless"
    assert isinstance(node.left, Binary) and node.left.op == "or"
    assert isinstance(node.right, Binary) and isinstance(node.right.left, Neg)


def test_keywords_are_case_insensitive() -> None:
    node = parse("a > 1 AND b > 1")
    assert isinstance(node, Binary) and node.op == "and"


@pytest.mark.parametrize(
    ("text", "fn", "window", "q"),
    [
        ("avg_over(m, 5m)", "avg", 300.0, None),
        ("min_over(m, 30s)", "min", 30.0, None),
        ("max_over(m, 1h)", "max", 3600.0, None),
        ("sum_over(m, 500ms)", "sum", 0.5, None),
        ("count_over(payment_failed, 5m)", "count", 300.0, None),
        ("last_over(m, 1h30m)", "last", 5400.0, None),
        ("rate(m, 5m)", "rate", 300.0, None),
        ("increase(m, 5m)", "increase", 300.0, None),
        ("delta(m, 5m)", "delta", 300.0, None),
        ("quantile_over(0.95, m, 5m)", "quantile", 300.0, 0.95),
        ("p95_over(m, 5m)", "quantile", 300.0, 0.95),
        ("p99_over(m, 5m)", "quantile", 300.0, 0.99),
        ("absent_over(m, 5m)", "absent_over", 300.0, None),
        ("stale(m, 2m)", "stale", 120.0, None),
        ("absent(m)", "absent", None, None),
        # PromQL's range form is accepted too.
        ("rate(m[5m])", "rate", 300.0, None),
        ("avg_over_time(m[5m])", "avg", 300.0, None),
        ("quantile_over_time(0.5, m[1m])", "quantile", 60.0, 0.5),
        ("absent_over_time(m[5m])", "absent_over", 300.0, None),
    ],
)
def test_every_function(text: str, fn: str, window: float | None, q: float | None) -> None:
    node = parse(text)
    assert isinstance(node, Call)
    assert (node.fn, node.window, node.q) == (fn, window, q)
    assert node.selector.metric in ("m", "payment_failed")


def test_function_over_a_selector_with_matchers() -> None:
    node = parse('avg_over(check_latency_ms{source="api"}, 5m) > 800')
    assert isinstance(node, Binary) and isinstance(node.left, Call)
    assert node.left.selector.matchers[0].value == "api"


def test_strings_take_escapes_and_either_quote() -> None:
    node = parse("m{a='it\\'s', b=\"x\\\"y\"}")
    assert isinstance(node, Selector)
    assert [m.value for m in node.matchers] == ["it's", 'x"y']


def test_main_metric_and_metrics() -> None:
    node = parse("increase(payments_failed_total, 5m) > 10 and payment_success_rate < 95")
    assert main_metric(node) == "payments_failed_total"
    assert metrics(node) == {"payments_failed_total", "payment_success_rate"}
    assert main_metric(parse("1 > 0")) is None


def test_durations_and_numbers_are_told_apart() -> None:
    kinds = [(t.kind, t.value) for t in tokenize("5m 2000ms 1.5 3%")][:-1]
    assert kinds == [("dur", 300.0), ("dur", 2.0), ("num", 1.5), ("num", 3.0)]


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        ("", 1, "empty"),
        ("error_rate >", 13, "expected a number, a metric or a function"),
        ("error_rate > > 5", 14, "expected a number"),
        ("error_rate >> 5", 13, "expected a number"),
        ("error_rate > 5 5", 16, "join conditions"),
        ("error_rate # 5", 12, "unexpected character '#'"),
        ("a > 1 > 2", 7, "do not chain"),
        ("(a > 1", 7, "expected ')'"),
        ("avg(m, 5m)", 1, "unknown function 'avg'"),
        ("avg_over(m)", 11, "needs a window"),
        ("avg_over(m, 5)", 13, "expected a duration"),
        ("avg_over(m, 0s)", 13, "longer than zero"),
        ("error_rate > 5m", 14, "only goes in a window function"),
        ("error_rate[5m] > 1", 11, "only goes inside a window function"),
        ("m > 5 apples", 7, "join conditions"),
        ("m > 5xyz", 5, "neither a number nor a duration"),
        ("m{source=api} > 1", 10, "quoted strings"),
        ('m{source "api"} > 1', 10, "expected =, !=, =~ or !~"),
        ('m{source="api" env="x"}', 16, "expected ',' or '}'"),
        ('m{a=~"("}', 6, "bad regular expression"),
        ('m{a="x', 5, "never closed"),
        ("quantile_over(95, m, 5m)", 15, "between 0 and 1"),
        ("and m > 1", 1, "needs a condition on its left"),
        ("rate > 1", 1, "is a function"),
        ("absent(m[5m])", 9, "only goes inside a window function"),
    ],
)
def test_mistakes_name_their_column(text: str, column: int, fragment: str) -> None:
    with pytest.raises(ExprError) as caught:
        parse(text)
    assert caught.value.column == column, caught.value
    assert fragment in caught.value.message
    assert str(caught.value).startswith(f"column {column}: ")
