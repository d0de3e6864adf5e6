"""People and how each one is paged: their own Slack handle, email, webhook or SMS gateway, and phone.

A page for a person (the rotation's primary, a policy's named person) goes to that person's methods only, chosen
by the incident's severity (``rules``: P0 to every method at once, P2 by email only), not to every notifier.
Slack and email go through the configured Slack and email notifiers (their webhook, their SMTP server) with the
person's handle or address; the webhook is the person's own URL (a pager, an SMS gateway), POSTed the page as
JSON with the person's ``phone`` in it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from opstui.alerts.model import Severity
from opstui.config.models import Model
from opstui.config.notify import HttpUrl

Method = Literal["slack", "email", "webhook"]
METHODS: tuple[Method, ...] = ("slack", "email", "webhook")


class Person(Model):
    """One person who can be paged, and the rules for how."""

    name: str = Field(min_length=1, pattern=r"^[^/\s]+$")
    """As the rotation, the policies and ``--to`` name them (one word)."""
    slack: str | None = None
    """A Slack handle (``@ana``) or channel (``#payments-oncall``), through the Slack notifier (``slack_via``)."""
    email: str | None = None
    """An address, through the email notifier's SMTP server (``email_via``)."""
    webhook: HttpUrl | None = None
    """A URL the page is POSTed to as JSON (a pager, an SMS gateway); only its host is ever shown."""
    phone: str | None = None
    """A phone number: in the webhook's payload (for an SMS gateway) and shown in the console."""
    rules: dict[Severity, list[Method] | Literal["all"]] = Field(default_factory=dict)
    """Which methods per severity (``P0: all``, ``P2: [email]``); a severity left out: every method at once."""
    slack_via: str | None = None
    """The Slack notifier whose webhook carries this person's pages; unset: the first ``type: slack`` one."""
    email_via: str | None = None
    """The email notifier whose SMTP server sends this person's pages; unset: the first ``type: email`` one."""

    @field_validator("email")
    @classmethod
    def _address(cls, email: str | None) -> str | None:
        if email is not None and "@" not in email:
            raise ValueError(f"{email!r} is not an email address")
        return email

    @model_validator(mode="after")
    def _reachable(self) -> Person:
        if not self.methods():
            raise ValueError(f"{self.name} has no way to be paged: give slack, email or webhook")
        for severity, chosen in self.rules.items():
            for method in () if chosen == "all" else chosen:
                if method not in self.methods():
                    raise ValueError(f"rules.{severity.value}: {self.name} has no {method} to page through")
        return self

    def methods(self) -> tuple[Method, ...]:
        """The methods this person has, in a fixed order."""
        values = {"slack": self.slack, "email": self.email, "webhook": self.webhook}
        return tuple(m for m in METHODS if values[m] is not None)

    def methods_for(self, severity: Severity) -> tuple[Method, ...]:
        """How a page of ``severity`` reaches this person (every method unless ``rules`` says otherwise)."""
        chosen = self.rules.get(severity, "all")
        return self.methods() if chosen == "all" else tuple(m for m in self.methods() if m in chosen)


def _unique(people: list[Person]) -> list[Person]:
    seen: set[str] = set()
    for person in people:
        if person.name in seen:
            raise ValueError(f"two people are named {person.name!r}; names must be unique")
        seen.add(person.name)
    return people


People = Annotated[list[Person], AfterValidator(_unique)]
"""The ``people:`` list of the config file, names unique."""
