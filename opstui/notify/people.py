"""Paging a person through their own methods, not every notifier.

Each method of each person in ``people:`` becomes a notifier of its own, named ``ana/email``, ``ana/slack``,
``ana/webhook``: the webhook is the person's URL; Slack and email are the configured Slack and email notifiers
(``slack_via``, ``email_via``, else the first of each type) with the person's handle or address. The outbox
addresses rows to these names like to any notifier, so a person's pages are retried, ordered, superseded and
listed (``opstui notifications``) as every other page is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from opstui.alerts.model import Severity
from opstui.config.notify import EmailNotifier, NotifierConfig, SlackNotifier, WebhookNotifier
from opstui.config.people import Method, Person

_Via = TypeVar("_Via", SlackNotifier, EmailNotifier)

PERSONAL_EVENTS = frozenset(
    {"triggered", "escalated", "reminder", "ack_timeout", "reopened", "unacknowledged", "reassigned"}
)
"""Events that page the one person named in ``target``; the others (acknowledged, resolved, a severity change)
tell the team's notifiers, as before people had methods of their own."""


def channel_name(person: str, method: Method) -> str:
    """The outbox channel of one person's method: ``ana/email``."""
    return f"{person}/{method}"


def person_notifiers(people: Sequence[Person], notifiers: Sequence[NotifierConfig]) -> list[NotifierConfig]:
    """One notifier per method of each person (the config was checked: a Slack handle has a Slack notifier)."""
    result: list[NotifierConfig] = []
    for person in people:
        for method in person.methods():
            name = channel_name(person.name, method)
            if method == "webhook":
                assert person.webhook is not None
                result.append(WebhookNotifier(type="webhook", name=name, url=person.webhook))
            elif method == "slack":
                slack = _via(notifiers, SlackNotifier, person.slack_via)
                result.append(slack.model_copy(update={"name": name, "channel": person.slack}))
            else:
                email = _via(notifiers, EmailNotifier, person.email_via)
                result.append(email.model_copy(update={"name": name, "to": [person.email]}))
    return result


def _via(notifiers: Sequence[NotifierConfig], kind: type[_Via], name: str | None) -> _Via:
    found = [n for n in notifiers if isinstance(n, kind) and (name is None or n.name == name)]
    return found[0]


def personal_route(payload: Mapping[str, Any], people: Sequence[Person]) -> list[tuple[str, dict[str, Any]]]:
    """``(channel, payload)`` for each method the paged person has for this severity; [] if this is not a page
    for a person of ``people`` (the team's notifiers take it then, so no page is ever lost for want of a rule)."""
    if str(payload.get("event")) not in PERSONAL_EVENTS:
        return []
    person = next((p for p in people if p.name == payload.get("target")), None)
    if person is None:
        return []
    try:
        severity = Severity(str(payload.get("severity")))
    except ValueError:
        return []
    extra = {"person": person.name, "phone": person.phone}
    return [(channel_name(person.name, m), {**payload, **extra}) for m in person.methods_for(severity)]
