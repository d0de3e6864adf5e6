"""The alert expression language: a lexer and a recursive-descent parser into a small AST.

Rules are read from a config file that anyone on the team can edit, so expressions are parsed, never
``eval``-ed: the grammar below is all an expression can do. It is close to PromQL where that helps
people who know it (label matchers, ``and`` / ``or`` / ``unless``, ``rate(m[5m])``), with shorter
window functions for people who do not (``avg_over(m, 5m)``)::

    expr       := and_expr ("or" and_expr)*
    and_expr   := comparison (("and" | "unless") comparison)*
    comparison := sum (("> " | ">=" | "<" | "<=" | "==" | "!=") sum)?
    sum        := product (("+" | "-") product)*
    product    := unary (("*" | "/") unary)*
    unary      := "-" unary | primary
    primary    := NUMBER | "(" expr ")" | FUNC "(" args ")" | METRIC ["{" matchers "}"] ["[" DURATION "]"]

Numbers may carry ``%`` (ignored: ``error_rate > 5%``); durations (``500ms``, ``30s``, ``5m``, ``1h30m``)
only go where a window is expected. Evaluation against the metric store is in
:mod:`opstui.alerts.evaluate`. Every mistake is an :class:`ExprError` with a 1-based column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from opstui.config.durations import parse_duration
from opstui.labels import Matcher


class ExprError(Exception):
    """A mistake in an expression, at a 1-based column of its text."""

    def __init__(self, message: str, column: int) -> None:
        self.message = message
        self.column = column
        super().__init__(f"column {column}: {message}")


# AST -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Number:
    value: float
    column: int


@dataclass(frozen=True, slots=True)
class Selector:
    """A metric with optional matchers; ``window`` is set for the PromQL range form ``m[5m]``."""

    metric: str
    matchers: tuple[Matcher, ...]
    column: int
    window: float | None = None


@dataclass(frozen=True, slots=True)
class Call:
    """A function over a metric: ``fn`` is the canonical name, ``window`` in seconds when it takes one."""

    fn: str
    selector: Selector
    column: int
    window: float | None = None
    q: float | None = None
    """The quantile of ``quantile_over`` / ``pNN_over`` (0..1)."""


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Node
    column: int


@dataclass(frozen=True, slots=True)
class Binary:
    op: str
    left: Node
    right: Node
    column: int


Node = Number | Selector | Call | Neg | Binary


class FnKind(StrEnum):
    """What arguments a function takes."""

    WINDOW = "window"
    """``fn(metric, 5m)`` or ``fn(metric[5m])``."""
    QUANTILE = "quantile"
    """``quantile_over(0.95, metric, 5m)``."""
    INSTANT = "instant"
    """``absent(metric)``."""


FUNCTIONS: dict[str, tuple[str, FnKind, float | None]] = {
    # name as written -> (canonical name, kind, fixed quantile)
    **{f"{agg}_over": (agg, FnKind.WINDOW, None) for agg in ("avg", "min", "max", "sum", "count", "last")},
    **{f"{agg}_over_time": (agg, FnKind.WINDOW, None) for agg in ("avg", "min", "max", "sum", "count", "last")},
    "rate": ("rate", FnKind.WINDOW, None),
    "increase": ("increase", FnKind.WINDOW, None),
    "delta": ("delta", FnKind.WINDOW, None),
    "quantile_over": ("quantile", FnKind.QUANTILE, None),
    "quantile_over_time": ("quantile", FnKind.QUANTILE, None),
    **{f"p{n}_over": ("quantile", FnKind.WINDOW, n / 100.0) for n in (50, 90, 95, 99)},
    "absent": ("absent", FnKind.INSTANT, None),
    "absent_over": ("absent_over", FnKind.WINDOW, None),
    "absent_over_time": ("absent_over", FnKind.WINDOW, None),
    "stale": ("stale", FnKind.WINDOW, None),
}
"""Every function the language knows; anything else is an error naming these."""

COMPARISONS = (">=", "<=", "==", "!=", ">", "<")
KEYWORDS = ("and", "or", "unless")


# Lexer -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    """``num``, ``dur``, ``ident``, ``str``, ``op``, ``kw`` or ``end``."""
    text: str
    column: int
    value: float = 0.0


_NUMBER = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_UNIT = re.compile(r"[A-Za-z%]+(?:\d+(?:\.\d+)?[A-Za-z]+)*")
_IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:.]*")
_OPS = ("=~", "!~", ">=", "<=", "==", "!=", ">", "<", "=", "+", "-", "*", "/", "(", ")", "{", "}", "[", "]", ",")


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens; a character that starts no token is an error at its column."""
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        col = i + 1
        if ch.isspace():
            i += 1
            continue
        if number := _NUMBER.match(text, i):
            end = number.end()
            unit = _UNIT.match(text, end)
            if unit is None:
                tokens.append(Token("num", number.group(), col, float(number.group())))
            elif unit.group() == "%":
                end = unit.end()
                tokens.append(Token("num", text[i:end], col, float(number.group())))
            else:
                end = unit.end()
                try:
                    seconds = parse_duration(text[i:end])
                except ValueError:
                    raise ExprError(
                        f"{text[i:end]!r} is neither a number nor a duration (500ms, 30s, 5m, 2h, 1d)", col
                    ) from None
                tokens.append(Token("dur", text[i:end], col, seconds))
            i = end
            continue
        if ident := _IDENT.match(text, i):
            word = ident.group()
            kind = "kw" if word.lower() in KEYWORDS else "ident"
            tokens.append(Token(kind, word.lower() if kind == "kw" else word, col))
            i = ident.end()
            continue
        if ch in "\"'":
            i = _string(text, i, tokens)
            continue
        for op in _OPS:
            if text.startswith(op, i):
                tokens.append(Token("op", op, col))
                i += len(op)
                break
        else:
            raise ExprError(f"unexpected character {ch!r}", col)
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


def _string(text: str, start: int, tokens: list[Token]) -> int:
    quote = text[start]
    out: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if ch == quote:
            tokens.append(Token("str", "".join(out), start + 1))
            return i + 1
        out.append(ch)
        i += 1
    raise ExprError("this string is never closed", start + 1)


# Parser ----------------------------------------------------------------------------------------------


MAX_TOKENS = 256
"""Tokens one expression may hold: a rule is a line, and evaluation recurses once per operator."""
MAX_DEPTH = 32
"""Nesting (parentheses, calls, unary minus) one expression may reach; 5,000 parentheses used to crash."""


def parse(text: str) -> Node:
    """Parse an expression, or raise :class:`ExprError` naming the column of the first mistake."""
    if not text.strip():
        raise ExprError("the expression is empty", 1)
    tokens = tokenize(text)
    if len(tokens) > MAX_TOKENS:
        raise ExprError(f"the expression is too long (more than {MAX_TOKENS} tokens)", tokens[MAX_TOKENS].column)
    return _Parser(tokens).parse()


def describe(token: Token) -> str:
    return "the end of the expression" if token.kind == "end" else repr(token.text)


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    def deeper(self) -> None:
        """Count one level of nesting; refuse past :data:`MAX_DEPTH` with the column where it happened."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprError(f"the expression nests too deeply (more than {MAX_DEPTH} levels)", self.token.column)

    @property
    def token(self) -> Token:
        return self.tokens[self.pos]

    def take(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def at(self, kind: str, *texts: str) -> bool:
        token = self.token
        return token.kind == kind and (not texts or token.text in texts)

    def expect(self, kind: str, text: str, what: str) -> Token:
        if not self.at(kind, text):
            raise ExprError(f"expected {what}, found {describe(self.token)}", self.token.column)
        return self.take()

    def parse(self) -> Node:
        node = self.or_expr()
        if not self.at("end"):
            raise ExprError(f"unexpected {describe(self.token)}; join conditions with and / or", self.token.column)
        return node

    def or_expr(self) -> Node:
        self.deeper()
        node = self.and_expr()
        while self.at("kw", "or"):
            op = self.take()
            node = Binary("or", node, self.and_expr(), op.column)
        self.depth -= 1
        return node

    def and_expr(self) -> Node:
        node = self.comparison()
        while self.at("kw", "and", "unless"):
            op = self.take()
            node = Binary(op.text, node, self.comparison(), op.column)
        return node

    def comparison(self) -> Node:
        node = self.sum()
        if self.at("op", *COMPARISONS):
            op = self.take()
            node = Binary(op.text, node, self.sum(), op.column)
            if self.at("op", *COMPARISONS):
                raise ExprError("comparisons do not chain; join them with and", self.token.column)
        return node

    def sum(self) -> Node:
        node = self.product()
        while self.at("op", "+", "-"):
            op = self.take()
            node = Binary(op.text, node, self.product(), op.column)
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.at("op", "*", "/"):
            op = self.take()
            node = Binary(op.text, node, self.unary(), op.column)
        return node

    def unary(self) -> Node:
        if self.at("op", "-"):
            op = self.take()
            self.deeper()
            node = Neg(self.unary(), op.column)
            self.depth -= 1
            return node
        return self.primary()

    def primary(self) -> Node:
        token = self.token
        if token.kind == "num":
            self.take()
            return Number(token.value, token.column)
        if token.kind == "dur":
            raise ExprError(
                f"a duration ({token.text}) only goes in a window function, e.g. avg_over(metric, {token.text})",
                token.column,
            )
        if self.at("op", "("):
            self.take()
            node = self.or_expr()
            self.expect("op", ")", "')'")
            return node
        if token.kind == "ident":
            if self.tokens[self.pos + 1].kind == "op" and self.tokens[self.pos + 1].text == "(":
                return self.call()
            return self.selector(allow_window=False)
        if token.kind == "kw":
            raise ExprError(f"{token.text!r} needs a condition on its left", token.column)
        raise ExprError(f"expected a number, a metric or a function, found {describe(token)}", token.column)

    def selector(self, allow_window: bool) -> Selector:
        name = self.take()
        if name.kind != "ident":
            raise ExprError(f"expected a metric name, found {describe(name)}", name.column)
        if name.text in FUNCTIONS:
            raise ExprError(f"{name.text} is a function; call it as {name.text}(...)", name.column)
        matchers: list[Matcher] = []
        if self.at("op", "{"):
            self.take()
            while not self.at("op", "}"):
                matchers.append(self.matcher())
                if not self.at("op", "}"):
                    self.expect("op", ",", "',' or '}'")
            self.take()
        window = None
        if self.at("op", "["):
            bracket = self.take()
            if not allow_window:
                raise ExprError(
                    "a range such as [5m] only goes inside a window function, e.g. rate(metric[5m])",
                    bracket.column,
                )
            window = self.duration()
            self.expect("op", "]", "']'")
        return Selector(name.text, tuple(matchers), name.column, window)

    def matcher(self) -> Matcher:
        label = self.take()
        if label.kind != "ident":
            raise ExprError(f"expected a label name, found {describe(label)}", label.column)
        if not self.at("op", "=", "!=", "=~", "!~"):
            raise ExprError(f"expected =, !=, =~ or !~ after {label.text}", self.token.column)
        op = self.take().text
        value = self.take()
        if value.kind != "str":
            raise ExprError(f'label values are quoted strings, e.g. {label.text}="api"', value.column)
        pattern = None
        if op in ("=~", "!~"):
            try:
                pattern = re.compile(value.text)
            except re.error as exc:
                raise ExprError(f"bad regular expression: {exc}", value.column) from None
        return Matcher(label.text, op, value.text, pattern)

    def duration(self) -> float:
        token = self.take()
        if token.kind != "dur":
            raise ExprError(f"expected a duration such as 5m, found {describe(token)}", token.column)
        if token.value <= 0:
            raise ExprError("a window must be longer than zero", token.column)
        return token.value

    def call(self) -> Call:
        name = self.take()
        if name.text not in FUNCTIONS:
            known = ", ".join(sorted(f for f in FUNCTIONS if not f.endswith("_time")))
            raise ExprError(f"unknown function {name.text!r}; known: {known}", name.column)
        fn, kind, fixed_q = FUNCTIONS[name.text]
        self.expect("op", "(", "'('")
        q = fixed_q
        if kind is FnKind.QUANTILE:
            token = self.take()
            if token.kind != "num" or not 0.0 <= token.value <= 1.0:
                raise ExprError(
                    "the quantile comes first, between 0 and 1, e.g. quantile_over(0.95, m, 5m)", token.column
                )
            q = token.value
            self.expect("op", ",", "','")
        selector = self.selector(allow_window=kind is not FnKind.INSTANT)
        window = selector.window
        if kind is not FnKind.INSTANT and window is None:
            if not self.at("op", ","):
                raise ExprError(f"{name.text} needs a window: {name.text}(metric, 5m)", self.token.column)
            self.take()
            window = self.duration()
        self.expect("op", ")", "')'")
        return Call(fn, selector, name.column, window, q)


def main_metric(node: Node) -> str | None:
    """The first metric an expression names (left to right): the one the incident's chart shows."""
    if isinstance(node, Selector):
        return node.metric
    if isinstance(node, Call):
        return node.selector.metric
    if isinstance(node, Neg):
        return main_metric(node.operand)
    if isinstance(node, Binary):
        return main_metric(node.left) or main_metric(node.right)
    return None


def metrics(node: Node) -> set[str]:
    """Every metric an expression names (for checking rules against what the sources produce)."""
    if isinstance(node, Selector):
        return {node.metric}
    if isinstance(node, Call):
        return {node.selector.metric}
    if isinstance(node, Neg):
        return metrics(node.operand)
    if isinstance(node, Binary):
        return metrics(node.left) | metrics(node.right)
    return set()
