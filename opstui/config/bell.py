"""Config for the terminal bell (``alerting.bell``): how loudly each severity asks for a human.

The console rings the terminal's bell for an incident nobody has acknowledged; how often depends on its
severity::

    alerting:
      bell:
        P0: {repeat: 30s}   # every 30 s until someone acknowledges it
        P1: once            # once when it opens (and again if it is triggered again)
        P2: none
        P3: none
        mute_for: 1h        # what the mute key (M) silences the bell for

The times are read from the console's clock (the injected one), so a fake clock drives the tests.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from opstui.alerts.model import Severity
from opstui.config.durations import PositiveDuration, format_duration
from opstui.config.models import Model

BellMode = Literal["none", "once", "repeat"]


class BellRule(Model):
    """One severity's bell: never, once, or every ``repeat`` until acknowledged."""

    mode: BellMode = "none"
    repeat: PositiveDuration | None = None
    """Seconds between two bells while the incident stays unacknowledged (``repeat`` mode only)."""

    @model_validator(mode="after")
    def _repeat_needs_an_interval(self) -> BellRule:
        if (self.mode == "repeat") != (self.repeat is not None):
            raise ValueError("write none, once, or {repeat: 30s}")
        return self

    def describe(self) -> str:
        """``none``, ``once`` or ``every 30s``."""
        return f"every {format_duration(self.repeat)}" if self.repeat is not None else self.mode


def _rule(value: object) -> object:
    """``none`` / ``off`` / ``false`` / ``null``, ``once``, or ``{repeat: 30s}`` (also ``repeat: 30s`` as text)."""
    if value is None or value is False:
        return {"mode": "none"}
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("none", "off", "never"):
            return {"mode": "none"}
        if text == "once":
            return {"mode": "once"}
        if text.startswith("repeat"):
            return {"mode": "repeat", "repeat": text.removeprefix("repeat").strip(" :") or None}
        raise ValueError(f"{value!r}: write none, once, or {{repeat: 30s}}")
    if isinstance(value, dict) and "mode" not in value:
        return {"mode": "repeat" if "repeat" in value else "none", **value}
    return value


Rule = Annotated[BellRule, BeforeValidator(_rule)]


class BellSettings(Model):
    """The bell per severity (default: P0 every 30 s until acknowledged, P1 once, P2 and P3 never)."""

    P0: Rule = Field(default_factory=lambda: BellRule(mode="repeat", repeat=30.0))
    """A P0 rings every ``repeat`` until acknowledged (default every 30 s)."""
    P1: Rule = Field(default_factory=lambda: BellRule(mode="once"))
    """A P1 rings once when it is triggered (default)."""
    P2: Rule = Field(default_factory=BellRule)
    """A P2 is silent by default (it is in the list and the header count)."""
    P3: Rule = Field(default_factory=BellRule)
    """A P3 is silent by default."""
    mute_for: PositiveDuration = 3600.0
    """How long the mute key (``M``, any screen) silences the bell; the header shows the mute and its end."""

    def rule(self, severity: Severity) -> BellRule:
        """The bell of one severity."""
        rule: BellRule = getattr(self, Severity(severity).value)
        return rule
