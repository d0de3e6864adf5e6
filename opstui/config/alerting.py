"""Config for alert rules: what to watch (an expression), for how long, how bad it is, what to do.

An expression is parsed when the config is loaded, so a typo is a config error naming the rule, the
key path (``alerts[2].expr``) and the column, at start-up: never a rule that silently never fires.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field, ValidationInfo, field_validator

from opstui.alerts.model import Severity
from opstui.config.bell import BellSettings
from opstui.config.durations import Duration
from opstui.config.models import Model

PLACEHOLDER = re.compile(r"\{\{\s*(\$?[A-Za-z_][A-Za-z0-9_.]*)\s*\}\}")
"""``{{ value }}``, ``{{ labels.source }}`` (and PromQL's ``{{ $value }}``, ``{{ $labels.source }}``)."""
_PLACEHOLDER_NAMES = ("value", "rule", "severity")


class AlertRule(Model):
    """One alerting rule: while ``expr`` holds for ``for``, the alert fires and opens an incident."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, populate_by_name=True)

    name: str = Field(min_length=1)
    """Unique; the incident's title, and what a snooze silences."""
    expr: str
    """The condition, e.g. ``error_rate > 5`` or ``count_over(payment_failed, 5m) > 10`` (docs/alert-rules.md)."""
    for_: Duration = Field(default=0.0, alias="for")
    """How long the condition must hold before the alert fires (pending until then); 0 fires at once."""
    keep_firing_for: Duration = 0.0
    """Keep firing this long after the condition stops holding, so a flicker does not resolve it."""
    severity: Severity = Severity.P2
    """P0 (page now, 15 min response) ... P3 (24 h); sets the incident's response time."""
    runbook: str | None = None
    """Slug of the runbook the incident shows, e.g. ``high-error-rate``."""
    summary: str = ""
    """One line for the incident and notifications; ``{{ value }}`` and ``{{ labels.x }}`` are filled in."""
    labels: dict[str, str] = Field(default_factory=dict)
    """Extra labels put on every alert of this rule (e.g. ``team: payments``)."""

    @field_validator("expr")
    @classmethod
    def _parses(cls, expr: str, info: ValidationInfo) -> str:
        # Imported here: opstui.alerts.expr reads opstui.config.durations, whose package imports this module.
        from opstui.alerts.expr import ExprError, parse

        try:
            parse(expr)
        except ExprError as exc:
            name = info.data.get("name", "?")
            raise ValueError(f"rule {name!r}: bad expression at column {exc.column}: {exc.message}") from None
        return expr

    @field_validator("summary")
    @classmethod
    def _known_placeholders(cls, summary: str) -> str:
        for match in PLACEHOLDER.finditer(summary):
            name = match.group(1).removeprefix("$")
            if name not in _PLACEHOLDER_NAMES and not name.startswith("labels."):
                raise ValueError(
                    f"unknown placeholder {{{{ {name} }}}}; use {{{{ value }}}}, {{{{ rule }}}}, "
                    f"{{{{ severity }}}} or {{{{ labels.NAME }}}}"
                )
        return summary


def render_summary(template: str, value: float | None, labels: dict[str, str], rule: str, severity: str) -> str:
    """Fill a summary template; a label the alert lacks renders empty, as in Prometheus."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1).removeprefix("$")
        if name == "value":
            return format_value(value)
        if name == "rule":
            return rule
        if name == "severity":
            return severity
        return labels.get(name.removeprefix("labels."), "")

    return PLACEHOLDER.sub(fill, template)


def format_value(value: float | None) -> str:
    """``7.25``, ``2150``, ``0.003``: short, with no trailing zeros."""
    if value is None:
        return "?"
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    if abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.2f}".rstrip("0").rstrip(".") if abs(value) >= 0.01 else f"{value:.3g}"


def _unique_names(rules: list[AlertRule] | None) -> list[AlertRule] | None:
    seen: set[str] = set()
    for rule in rules or ():
        if rule.name in seen:
            raise ValueError(f"two alert rules are named {rule.name!r}; names must be unique")
        seen.add(rule.name)
    return rules


AlertRules = Annotated[list[AlertRule] | None, AfterValidator(_unique_names)]
"""The ``alerts:`` list; unset (null) means the built-in rules from the seeds."""


class InhibitRule(Model):
    """While an alert matching ``source`` fires, alerts matching ``target`` with the same ``equal`` labels open no
    incident (Alertmanager's inhibit rules): Service Down makes High Error Rate on the same service noise."""

    source: str
    """Matchers of the inhibiting alert, e.g. ``alertname="Service Down"`` (=, !=, =~, !~; alertname is the rule)."""
    target: str
    """Matchers of the alerts it inhibits, e.g. ``alertname=~"High Error Rate|Slow Response Time"``."""
    equal: list[str] = Field(default_factory=list)
    """Labels that must have the same value on both (e.g. ``[service]``); empty: any source inhibits any target."""

    @field_validator("source", "target")
    @classmethod
    def _matchers(cls, text: str) -> str:
        # The runtime's own parser (validate = runtime), imported here: a pure function, nothing is started.
        from opstui.incidents.matchers import valid_matchers

        return valid_matchers(text)


class AlertingSettings(Model):
    """How often rules are evaluated and how old a metric's latest point may be."""

    interval: Duration = Field(default=5.0, gt=0)
    """Time between two evaluations of every rule (and of escalation and auto-resolve)."""
    lookback: Duration = Field(default=300.0, gt=0)
    """A series whose newest point is older than this counts as absent (Prometheus' 5 minutes)."""
    resolved_retention: Duration = 900.0
    """How long a resolved alert stays listed before it is forgotten."""
    source_down_after: Duration | None = Field(default=300.0, gt=0)
    """A source (other than an ``http`` check, which the Service Down rule watches) down, unreachable or
    stale this long opens its own incident (the built-in P1 rule ``Source Down``): the console is blind
    there. Null: never. Added to your ``alerts:`` too, unless one of them is named ``Source Down``."""
    inhibit: list[InhibitRule] = Field(default_factory=list)
    """Inhibit rules: a firing alert that makes others noise (docs/oncall-routing.md, "Inhibition")."""
    bell: BellSettings = Field(default_factory=BellSettings)
    """The terminal bell per severity for unacknowledged incidents (P0 every 30 s, P1 once, P2/P3 never) and how
    long the mute key silences it (docs/oncall-routing.md, "The bell")."""
