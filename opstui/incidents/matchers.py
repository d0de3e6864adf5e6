"""Alertmanager's label matchers, for opstui's own silences: ``alertname="High Error Rate", service=~"api|web"``.

A matcher is a label name, an operator (``=``, ``!=``, ``=~``, ``!~``) and a value; a silence applies to an alert
when every one of its matchers holds. ``alertname`` is the rule's name, as in Alertmanager; a label the alert
does not have counts as the empty string. Regular expressions are anchored (the whole value must match), as
Alertmanager's are. Like Alertmanager, a silence needs at least one matcher that the empty string does not
satisfy, so no silence can cover every alert by accident.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

ALERTNAME = "alertname"
"""The label that holds the rule's name."""
MAX_MATCHERS = 20
MAX_TEXT = 1000


class Op(StrEnum):
    EQUAL = "="
    NOT_EQUAL = "!="
    REGEX = "=~"
    NOT_REGEX = "!~"


class MatcherError(ValueError):
    """A matcher text that cannot be used; the message says which part and why, in one line."""


@dataclass(frozen=True, slots=True)
class Matcher:
    name: str
    op: Op
    value: str

    def __post_init__(self) -> None:
        if self.op in (Op.REGEX, Op.NOT_REGEX):
            try:
                re.compile(self.value)
            except re.error as error:
                raise MatcherError(f"{self.name}{self.op.value}{json.dumps(self.value)}: bad regex ({error})") from None

    def holds(self, labels: Mapping[str, str]) -> bool:
        value = labels.get(self.name, "")
        if self.op is Op.EQUAL:
            return value == self.value
        if self.op is Op.NOT_EQUAL:
            return value != self.value
        found = re.fullmatch(self.value, value) is not None
        return found if self.op is Op.REGEX else not found

    def __str__(self) -> str:
        return f"{self.name}{self.op.value}{json.dumps(self.value, ensure_ascii=False)}"


_NAME = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*")


def parse_matchers(text: str) -> tuple[Matcher, ...]:
    """``alertname="X", service=~"api|web"`` (braces optional, values quoted or bare) as matchers.

    Raises :class:`MatcherError` with the offending part.
    """
    body = text.strip()
    if len(body) > MAX_TEXT:
        raise MatcherError(f"matchers are at most {MAX_TEXT} characters")
    if body.startswith("{") and body.endswith("}"):
        body = body[1:-1]
    matchers: list[Matcher] = []
    pos = 0
    while pos < len(body):
        if not body[pos:].strip():
            break
        head = _NAME.match(body, pos)
        if head is None:
            raise MatcherError(f"expected name=value, name!=value, name=~regex or name!~regex at {body[pos:][:30]!r}")
        name, op = head.group(1), Op(head.group(2))
        pos = head.end()
        if pos < len(body) and body[pos] == '"':
            value, pos = _quoted(body, pos)
        else:
            end = body.find(",", pos)
            end = len(body) if end < 0 else end
            value, pos = body[pos:end].strip(), end
        matchers.append(Matcher(name, op, value))
        rest = body[pos:].lstrip()
        if rest and not rest.startswith(","):
            raise MatcherError(f"expected a comma before {rest[:30]!r}")
        pos = len(body) - len(rest) + (1 if rest else 0)
    return checked(matchers)


def _quoted(body: str, pos: int) -> tuple[str, int]:
    """The quoted string at ``pos`` (a backslash escapes the next character) and the position after it."""
    out: list[str] = []
    i = pos + 1
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            out.append(body[i + 1])
            i += 2
            continue
        if char == '"':
            return "".join(out), i + 1
        out.append(char)
        i += 1
    raise MatcherError(f"unterminated quote in {body[pos:][:30]!r}")


def valid_matchers(text: str) -> str:
    """``text`` when it parses as matchers, else :class:`ValueError` saying why: what the config's validators
    call, so what ``validate`` accepts is what the runtime parses."""
    try:
        parse_matchers(text)
    except MatcherError as exc:
        raise ValueError(str(exc)) from None
    return text


def checked(matchers: Sequence[Matcher]) -> tuple[Matcher, ...]:
    """The matchers, if a silence may use them: some, not too many, and not all satisfied by nothing."""
    if not matchers:
        raise MatcherError('a silence needs at least one matcher, e.g. alertname="High Error Rate"')
    if len(matchers) > MAX_MATCHERS:
        raise MatcherError(f"at most {MAX_MATCHERS} matchers")
    if all(m.holds({}) for m in matchers):
        raise MatcherError("these matchers would silence every alert; add one that names something")
    return tuple(matchers)


def alert_labels(rule: str, labels: Iterable[tuple[str, str]]) -> dict[str, str]:
    """What a matcher sees of an alert: its labels plus ``alertname``."""
    return {**dict(labels), ALERTNAME: rule}


def matchers_text(matchers: Sequence[Matcher]) -> str:
    """``alertname="X", service="api"``: how a silence's matchers are shown and stored for reading."""
    return ", ".join(str(m) for m in matchers)


def to_json(matchers: Sequence[Matcher]) -> str:
    return json.dumps([[m.name, m.op.value, m.value] for m in matchers])


def from_json(text: str | None) -> tuple[Matcher, ...]:
    """The stored form back; a row from before version 5 has none (its ``matcher`` is a rule or fingerprint)."""
    if not text:
        return ()
    return tuple(Matcher(str(name), Op(op), str(value)) for name, op, value in json.loads(text))
