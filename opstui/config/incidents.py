"""Config for incidents, escalation, the state store and who the operator is.

The defaults are the seed's Incident Response Playbook: response times of 15 minutes (P0), 1 hour
(P1), 4 hours (P2) and 24 hours (P3), and the escalation path primary -> secondary -> engineering
manager with 15 minutes of silence before each step.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated, Literal

from platformdirs import user_data_dir
from pydantic import BeforeValidator, ConfigDict, Field, field_validator, model_validator

from opstui.alerts.model import Severity
from opstui.config.durations import Duration, PositiveDuration
from opstui.config.models import Model
from opstui.config.policies import EscalationPolicy

DEFAULT_SLA: dict[Severity, float] = {
    Severity.P0: 15 * 60.0,
    Severity.P1: 3600.0,
    Severity.P2: 4 * 3600.0,
    Severity.P3: 24 * 3600.0,
}
"""The seed's response times: an incident must be acknowledged within these."""

DEFAULT_ACK_TIMEOUT: dict[Severity, float | None] = {
    Severity.P0: 30 * 60.0,
    Severity.P1: 3600.0,
    Severity.P2: None,
    Severity.P3: None,
}
"""An acknowledged P0 not resolved within 30 minutes (P1: an hour) is triggered again and pages again."""

DEFAULT_REMIND_EVERY: dict[Severity, float | None] = dict.fromkeys(Severity)
"""Reminders are off unless configured: escalation already pages someone new every ``escalation.after``."""


def _off_or_duration(value: object) -> object:
    # YAML 1.1 reads a bare ``off`` as False; ``off``, ``false`` and ``null`` all mean "never" here.
    if value is None or value is False or (isinstance(value, str) and value.strip().lower() in ("off", "never")):
        return None
    return value


OptionalDuration = Annotated[PositiveDuration | None, BeforeValidator(_off_or_duration)]
"""A positive duration, or ``off`` (also ``null``): the thing it times does not happen."""


class StateSettings(Model):
    """Where incidents, silences, the notification outbox and checklist ticks are kept."""

    # ``schema`` is a BaseModel attribute, so the field is ``schema_`` with the config key as its alias.
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, populate_by_name=True)

    backend: Literal["sqlite", "postgres"] = "sqlite"
    """``sqlite``: one file on this host. ``postgres``: one schema shared by the team (docs/team-mode.md)."""
    path: str | None = None
    """The SQLite file. Unset: ``state.db`` in the user data dir (``~/.local/share/opstui`` on Linux)."""
    dsn: str | None = None
    """PostgreSQL only: ``postgresql://user:password@host:5432/db``; use ``${OPSTUI_STATE_DSN}``, never shown."""
    schema_: str = Field(default="opstui", alias="schema", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    """PostgreSQL only: the schema holding the team's tables (created by ``opstui state migrate``)."""
    timeout: PositiveDuration = 5.0
    """A state call slower than this fails with a clear error instead of freezing the console."""

    @field_validator("dsn")
    @classmethod
    def _dsn_works(cls, dsn: str | None) -> str | None:
        from opstui.config.dsn import postgres_url

        return None if dsn is None else postgres_url(dsn)

    @model_validator(mode="after")
    def _postgres_needs_a_dsn(self) -> StateSettings:
        if self.backend == "postgres" and not self.dsn:
            raise ValueError("backend postgres needs a dsn (e.g. dsn: ${OPSTUI_STATE_DSN})")
        return self

    def resolved_path(self) -> Path:
        """The database file this config points at, with ``~`` expanded."""
        if self.path:
            return Path(self.path).expanduser()
        return Path(user_data_dir("opstui")) / "state.db"


class IncidentSettings(Model):
    """How alerts become incidents and when an incident counts as late."""

    sla: dict[Severity, Duration] = Field(default_factory=lambda: dict(DEFAULT_SLA))
    """Response time (time to acknowledge) per severity; severities left out keep the seed's value."""
    auto_resolve_after: Duration | None = 600.0
    """An incident resolves itself after its alert has been quiet (cleared) this long; null to never."""
    reopen_within: Duration = 1800.0
    """An alert that fires again this soon after its incident resolved reopens it (flapping)."""
    page_max_age: PositiveDuration = 86400.0
    """A page (notification) still not delivered this long after it was queued is marked failed and stays
    listed with its reason; until then it is retried (after its first ten tries, every 5 minutes)."""

    ack_timeout: dict[Severity, OptionalDuration] = Field(default_factory=lambda: dict(DEFAULT_ACK_TIMEOUT))
    """An acknowledged incident not resolved within this is triggered again and pages again (PagerDuty's
    acknowledgement timeout), per severity; ``off`` for never. Default: P0 30m, P1 1h, P2 and P3 off."""
    remind_every: dict[Severity, OptionalDuration] = Field(default_factory=lambda: dict(DEFAULT_REMIND_EVERY))
    """While an incident is triggered (nobody has acknowledged it) and its alert keeps firing, page again this
    often, per severity; ``off`` for never (the default for every severity)."""

    max_silence: PositiveDuration = 7 * 86400.0
    """The longest a silence or snooze may last (a forgotten 1000-day snooze hides real outages); default 7d."""

    @field_validator("sla")
    @classmethod
    def _complete_sla(cls, sla: dict[Severity, float]) -> dict[Severity, float]:
        # A config that only tightens P0 must not leave P1-P3 without a deadline.
        return {**DEFAULT_SLA, **sla}

    @field_validator("ack_timeout")
    @classmethod
    def _complete_ack_timeout(cls, timeouts: dict[Severity, float | None]) -> dict[Severity, float | None]:
        return {**DEFAULT_ACK_TIMEOUT, **timeouts}

    @field_validator("remind_every")
    @classmethod
    def _complete_remind_every(cls, every: dict[Severity, float | None]) -> dict[Severity, float | None]:
        return {**DEFAULT_REMIND_EVERY, **every}


class EscalationSettings(Model):
    """Who is paged next when nobody acknowledges (the seed's Escalation Path)."""

    after: Duration = 900.0
    """Unacknowledged for this long moves the incident one step along the path, and again each time."""
    path: list[str] = Field(default_factory=lambda: ["primary", "secondary", "manager"], min_length=1)
    """Escalation targets in order; the first is paged when the incident opens."""
    repeat: int = Field(default=0, ge=0, le=20)
    """After the last target, start again from the first this many more times (0: stop at the last)."""
    policies: list[EscalationPolicy] = Field(default_factory=list)
    """Paths of their own for some severities or services (docs/oncall-routing.md); the first that matches an
    incident decides its path, and an incident none matches follows ``path`` above."""

    @property
    def levels(self) -> int:
        """How many steps the whole chain has, rounds included."""
        return len(self.path) * (self.repeat + 1)

    def target(self, level: int) -> str:
        """Who escalation step ``level`` pages (the path again from its start on each repeated round)."""
        return self.path[level % len(self.path)]


def operator_name(configured: str | None) -> str:
    """Who is recorded on acknowledgements, notes and ticks: the config's ``operator`` or the login name."""
    if configured:
        return configured
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        # No login name in some containers; an anonymous actor is still better than no record.
        return "unknown"
