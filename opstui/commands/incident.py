"""``opstui incident open|severity|escalate|unack|reassign|merge``: an incident opened by hand, a severity changed,
the next step paged now, an acknowledgement taken back, an incident given to a person, two incidents merged.

Recorded exactly as the console's ``c``, ``v``, ``E``, ``U`` and ``R`` keys do (the same manager, operator and
host), paged and escalated like an incident an alert opened. Exit statuses: 0 done, 1 refused (no title, no such
incident, already resolved, already escalated meanwhile) or the state store unavailable, 2 bad config.
"""

from __future__ import annotations

import argparse
from typing import Any

from opstui.alerts.model import Severity
from opstui.commands.incidents import EXIT_OK, Session, add_common, execute
from opstui.config.routing import known_people
from opstui.incidents.manager import IncidentError

SEVERITIES = [s.value for s in Severity]


def register(sub: Any) -> None:
    incident = sub.add_parser(
        "incident",
        help="open an incident by hand, or change an incident's severity",
        description="Open an incident by hand (a problem users report that no rule sees) or change the severity "
        "of an open one. Exit 0 done, 1 refused (it says why), 2 bad config.",
    )
    actions = incident.add_subparsers(dest="action", metavar="ACTION", required=True)
    opened = actions.add_parser("open", help="open an incident: paged and escalated like the others")
    opened.add_argument("--title", required=True, metavar="TEXT", help="what is wrong, in a line")
    opened.add_argument("--severity", required=True, choices=SEVERITIES, help="P0 (page now) ... P3")
    opened.add_argument("--summary", default="", metavar="TEXT", help="more about it (on the timeline and pages)")
    opened.add_argument("--runbook", metavar="SLUG", help="the runbook it shows, e.g. payment-failures")
    add_common(opened)
    opened.set_defaults(func=run_open)

    severity = actions.add_parser("severity", help="change an open incident's severity (its response time follows)")
    severity.add_argument("id", type=int, metavar="ID", help="the incident number, as 'opstui incidents' shows it")
    severity.add_argument("severity", choices=SEVERITIES, metavar="SEVERITY", help="P0, P1, P2 or P3")
    add_common(severity)
    severity.set_defaults(func=run_severity)

    escalate = actions.add_parser("escalate", help="page the next step of an incident's escalation path now")
    escalate.add_argument("id", type=int, metavar="ID", help="the incident number, as 'opstui incidents' shows it")
    add_common(escalate)
    escalate.set_defaults(func=run_escalate)

    unack = actions.add_parser("unack", help="take an acknowledgement back: triggered again, paged again")
    unack.add_argument("id", type=int, metavar="ID", help="the incident number")
    add_common(unack)
    unack.set_defaults(func=run_unack)

    reassign = actions.add_parser("reassign", help="give an open incident to a person, who is paged now")
    reassign.add_argument("id", type=int, metavar="ID", help="the incident number")
    reassign.add_argument("--to", required=True, metavar="NAME", help="the person (as the rotation or people: name)")
    add_common(reassign)
    reassign.set_defaults(func=run_reassign)

    merge = actions.add_parser(
        "merge", help="merge an open incident into another (closed as merged; its timeline and alert join the other)"
    )
    merge.add_argument("id", type=int, metavar="ID", help="the incident to merge (it is closed, pointing at INTO_ID)")
    merge.add_argument("into", type=int, metavar="INTO_ID", help="the open incident it joins")
    add_common(merge)
    merge.set_defaults(func=run_merge)


def run_open(args: argparse.Namespace) -> int:
    async def work(current: Session) -> int:
        made = await current.manager.open_manual(
            args.title, Severity(args.severity), summary=args.summary, runbook=args.runbook
        )
        print(f"#{made.id} {made.severity.value} opened by {current.manager.operator}: {made.title}")
        return EXIT_OK

    return execute(args, work)


def run_severity(args: argparse.Namespace) -> int:
    async def work(current: Session) -> int:
        before = await current.incident(args.id)
        changed = await current.manager.change_severity(args.id, Severity(args.severity))
        if changed.severity is before.severity:
            print(f"#{changed.id} is already {changed.severity.value}")
        else:
            print(f"#{changed.id} {before.severity.value} -> {changed.severity.value}: {changed.title}")
        return EXIT_OK

    return execute(args, work)


def run_escalate(args: argparse.Namespace) -> int:
    async def work(current: Session) -> int:
        before = await current.incident(args.id)
        await current.manager.escalate_now(args.id, seen_level=before.escalation_level)
        last = (await current.manager.timeline(args.id))[-1]
        print(f"#{args.id} {last.text}")
        return EXIT_OK

    return execute(args, work)


def run_unack(args: argparse.Namespace) -> int:
    async def work(current: Session) -> int:
        await current.manager.unacknowledge(args.id)
        last = (await current.manager.timeline(args.id))[-1]
        print(f"#{args.id} {last.text}")
        return EXIT_OK

    return execute(args, work)


def run_reassign(args: argparse.Namespace) -> int:
    async def work(current: Session) -> int:
        before = await current.incident(args.id)
        known = known_people(current.config)
        if known and args.to not in known:
            raise IncidentError(f"{args.to!r} is not a person of the rotation or people: ({', '.join(sorted(known))})")
        await current.manager.reassign(args.id, args.to, seen_revision=before.revision)
        last = (await current.manager.timeline(args.id))[-1]
        print(f"#{args.id} {last.text}")
        return EXIT_OK

    return execute(args, work)


def run_merge(args: argparse.Namespace) -> int:
    async def work(current: Session) -> int:
        merged, target = await current.manager.merge(args.id, args.into)
        print(
            f"#{merged.id} merged into #{target.id} by {merged.resolved_by}: "
            f"#{target.id} {target.severity.value} {target.title}"
        )
        return EXIT_OK

    return execute(args, work)
