"""Config models for acting during an incident: runbook actions (``actions:``) and contacts (``contacts:``).

An action is a command or an HTTP request written in the config, never taken from a runbook's text or from a
remote end: the console only ever runs what this file names. A command is an argument list run without a
shell; a single string is accepted only with ``shell: true``, so nobody gets shell quoting by accident.
Values that may be secret (``env`` and HTTP ``headers``) are :class:`~pydantic.SecretStr`: they are never
shown, and every output line has them replaced by ``***`` before a screen, the timeline or the audit sees it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from opstui.alerts.model import Severity
from opstui.config.durations import Duration
from opstui.config.models import Model

ActionTimeout = Annotated[Duration, Field(gt=0, le=3600)]
"""An action is stopped after this long; an hour at most (a longer job is not a 3 a.m. button)."""


class HttpAction(Model):
    """One HTTP request: a deploy hook, a feature flag switch, a cache purge."""

    url: str
    """``http://`` or ``https://``; write ``${VAR}`` for a token in the URL (it is redacted from the output)."""
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    headers: dict[str, SecretStr] = Field(default_factory=dict)
    """Extra headers, e.g. ``Authorization: Bearer ${DEPLOY_TOKEN}``; values are never shown."""
    body: str | None = None
    """Sent as is (a JSON document, say); with a body and no ``Content-Type`` header, JSON is assumed."""
    verify_tls: bool = True

    @field_validator("url")
    @classmethod
    def _http(cls, url: str) -> str:
        if not url.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL")
        return url


class Action(Model):
    """A runbook action: what ``!`` on an incident offers to run, with its safety rules."""

    name: str = Field(min_length=1, max_length=60)
    """What the list shows and what a dangerous action's confirmation asks you to type."""
    description: str = ""
    """One line under the name: what it does and when to use it."""
    command: list[str] | str | None = None
    """The program and its arguments, as a list (``[vercel, rollback]``): run without a shell. A single string
    is a shell command line and needs ``shell: true``."""
    shell: bool = False
    """Run ``command`` through ``/bin/sh -c`` (pipes, ``$VAR``); off by default, so arguments are never re-parsed."""
    http: HttpAction | None = None
    """An HTTP request instead of a command."""
    applies_to: list[str] = Field(default_factory=list)
    """Rule names or runbook slugs (case-insensitive) of the incidents it is offered on; empty: every incident."""
    severities: list[Severity] = Field(default_factory=list)
    """Offered only on incidents of these severities; empty: any severity."""
    confirm: bool = True
    """Ask yes / no before running. Off only for read-only checks (a health probe)."""
    dangerous: bool = False
    """Ask you to type the action's name before it runs (a rollback, a restart); implies ``confirm``."""
    timeout: ActionTimeout = 60.0
    """Stopped (SIGTERM, then SIGKILL) after this long; the timeline records that it timed out."""
    env: dict[str, SecretStr] = Field(default_factory=dict)
    """Extra environment for the command (``DEPLOY_TOKEN: ${DEPLOY_TOKEN}``); values are redacted from output."""
    cwd: str | None = None
    """Working directory of the command; unset: the console's."""

    @model_validator(mode="after")
    def _one_thing_to_run(self) -> Action:
        if (self.command is None) == (self.http is None):
            raise ValueError(f"action {self.name!r}: give exactly one of 'command' or 'http'")
        if isinstance(self.command, str) and not self.shell:
            raise ValueError(
                f"action {self.name!r}: a command written as one string needs 'shell: true'; "
                "or write it as a list of arguments ([program, arg, ...])"
            )
        if isinstance(self.command, list) and (not self.command or not self.command[0]):
            raise ValueError(f"action {self.name!r}: the command list is empty")
        if self.http is not None and (self.shell or self.env or self.cwd):
            raise ValueError(f"action {self.name!r}: 'shell', 'env' and 'cwd' are for commands, not 'http'")
        if self.dangerous and not self.confirm:
            raise ValueError(f"action {self.name!r}: a dangerous action is always confirmed; remove 'confirm: false'")
        return self


def _unique_actions(actions: list[Action]) -> list[Action]:
    seen: set[str] = set()
    for action in actions:
        key = action.name.casefold()
        if key in seen:
            raise ValueError(f"two actions are named {action.name!r}; names must be unique")
        seen.add(key)
    return actions


class Contact(Model):
    """Someone to call: a provider's support, a team, a person (seed 004's emergency contacts)."""

    provider: str
    """Who: ``Stripe Support``, ``MongoDB Atlas Support``."""
    covers: str = ""
    """What for: ``Payments``, ``Database``."""
    reach: str = ""
    """How to reach them: a phone number, a chat channel, 'open a ticket, severity 1'."""
    url: str = ""
    """The support or status page."""
    applies_to: list[str] = Field(default_factory=list)
    """Rule names or runbook slugs (case-insensitive) of the incidents it is shown on; empty: every incident."""


Actions = Annotated[list[Action], Field(default_factory=list)]


def check_actions(actions: list[Action]) -> list[Action]:
    """The list-level checks of ``actions:`` (called by the Config model's validator)."""
    return _unique_actions(actions)
