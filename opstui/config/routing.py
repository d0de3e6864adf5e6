"""Checks across the routing sections: every name a policy pages exists, every person can be reached.

Each section is valid on its own before this runs; a mistake here (``who: bne``, a person's Slack handle with no
Slack notifier to send through) is still reported with the key path of the value at fault, so the loader can name
its line as it does for any other error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from opstui.config.notify import EmailNotifier, SlackNotifier
from opstui.config.policies import ROLES

if TYPE_CHECKING:
    from opstui.config.models import Config


def known_people(config: Config) -> set[str]:
    """Everyone a page may name: the rotation's people and manager, and the ``people:`` section."""
    names = {person.name for person in config.people}
    if config.rotation is not None:
        names.update(config.rotation.people)
        if config.rotation.manager:
            names.add(config.rotation.manager)
    return names


def check_routing(config: Config) -> None:
    """Raise a :class:`ValidationError` located at the first value that names something that does not exist."""
    people = known_people(config)
    for p, policy in enumerate(config.escalation.policies):
        for n, level in enumerate(policy.levels):
            if level.who not in ROLES and level.who not in people:
                known = ", ".join([*ROLES, *sorted(people)])
                _fail(
                    ("escalation", "policies", p, "levels", n, "who"),
                    f"{level.who!r} is neither a role nor a person of the rotation or people: ({known})",
                    level.who,
                )
    slacks = [n.name for n in config.notifiers if isinstance(n, SlackNotifier)]
    emails = [n.name for n in config.notifiers if isinstance(n, EmailNotifier)]
    for i, person in enumerate(config.people):
        for method, via, names, kind in (
            ("slack", person.slack_via, slacks, "slack"),
            ("email", person.email_via, emails, "email"),
        ):
            if via is not None and via not in names:
                _fail(("people", i, f"{method}_via"), f"there is no notifier of type {kind} named {via!r}", via)
            if getattr(person, method) is not None and not names:
                # Located at the person: the loader drops ``slack`` and ``email`` from a path (notifier type tags).
                message = f"{method} needs a notifier of type {kind} to send through (none in notifiers)"
                _fail(("people", i), message, method)


def _fail(loc: tuple[str | int, ...], message: str, value: object) -> None:
    error = InitErrorDetails(type=PydanticCustomError("routing", message), loc=loc, input=value)
    raise ValidationError.from_exception_data("Config", [error])
