"""``opstui status-page export``: the static public status page, from the state store (see
:mod:`opstui.statuspage.export`); ``override`` and ``clear``: an operator's status for a component, with why
(see :mod:`opstui.statuspage.overrides`)."""

from __future__ import annotations

import argparse
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from opstui.commands.common import error
from opstui.commands.incidents import EXIT_FAILED, EXIT_OK, Session, add_common, execute
from opstui.config.durations import parse_duration
from opstui.incidents.errors import IncidentError
from opstui.incidents.maintenance import Maintenance
from opstui.statuspage.export import FILES, gather, write
from opstui.statuspage.overrides import clear_override, parse_status, set_override, status_words


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "status-page",
        help="the public status page: export it as static HTML, JSON or Markdown",
        description="Status page commands. 'export' writes the page (components, current incidents with their "
        "updates, the past incidents, uptime per component) into a directory.",
    )
    inner = parser.add_subparsers(dest="status_page_command", metavar="COMMAND", required=True)
    export = inner.add_parser(
        "export",
        help="write the status page into a directory",
        description="Write index.html, status.json or status.md into DIR: self-contained, for any web server or "
        "object store. Only incidents with at least one update (u in the console) are listed. Exit 0, 1 the "
        "state store or DIR failed, 2 a bad config.",
    )
    export.add_argument("--format", choices=sorted(FILES), default="html", help="html (default), json or md")
    export.add_argument("-o", "--output", metavar="DIR", required=True, help="the directory to write into")
    add_common(export)
    export.set_defaults(func=run)

    override = inner.add_parser(
        "override",
        help="set a component's status by hand, with a reason (shown on the page and in the console)",
        description="Override one component's derived status until cleared or until --until. Exit 0 set, 1 no "
        "such component, no reason or the state store failed, 2 a bad config.",
    )
    override.add_argument("component", metavar="COMPONENT", help="a component's name, e.g. 'Payment Processing'")
    override.add_argument("status", metavar="STATUS", choices=status_words(), help=", ".join(status_words()))
    override.add_argument("--reason", required=True, metavar="TEXT", help="why (required), shown with it")
    override.add_argument(
        "--until",
        metavar="WHEN",
        help="a duration (2h) or a time (2026-12-03T23:30, the config's zone); unset: until cleared",
    )
    add_common(override)
    override.set_defaults(func=run_override)

    clear = inner.add_parser(
        "clear",
        help="clear a component's override: back to its derived status",
        description="End one component's override now. Exit 0 cleared, 1 it had none or no such component.",
    )
    clear.add_argument("component", metavar="COMPONENT", help="a component's name")
    add_common(clear)
    clear.set_defaults(func=run_clear)


def run(args: argparse.Namespace) -> int:
    async def work(current: Session) -> int:
        config = current.config
        page = await gather(
            current.manager.store,
            config.status_page,
            current.clock.now(),
            Maintenance(config.maintenance, config.timezone),
        )
        try:
            path = write(page, args.format, Path(args.output), current.tz)
        except OSError as exc:
            error(f"cannot write into {args.output}: {exc.strerror or exc}")
            return EXIT_FAILED
        print(f"wrote {path} ({len(page.components)} components, {len(page.current)} current incident(s))")
        return EXIT_OK

    return execute(args, work, read_only=True)


def until_time(text: str, now: float, tz: tzinfo) -> float:
    """``2h`` from now, or a time (``2026-12-03T23:30``; without a zone, ``tz``)."""
    try:
        return now + parse_duration(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise IncidentError(f"--until {text!r}: write a duration (2h) or a time (2026-12-03T23:30)") from None
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)).timestamp()


def run_override(args: argparse.Namespace) -> int:
    async def work(current: Session) -> int:
        manager, now = current.manager, current.clock.now()
        until = None if args.until is None else until_time(args.until, now, current.tz)
        made = await set_override(
            manager.store,
            current.config.status_page.components,
            args.component,
            parse_status(args.status),
            args.reason,
            by=manager.operator,
            host=manager.host,
            now=now,
            until=until,
        )
        ends = "" if made.until is None else f" until {datetime.fromtimestamp(made.until, current.tz):%Y-%m-%d %H:%M}"
        print(f"{made.component}: {made.status}{ends} (override by {made.set_by}: {made.reason})")
        return EXIT_OK

    return execute(args, work)


def run_clear(args: argparse.Namespace) -> int:
    async def work(current: Session) -> int:
        manager = current.manager
        name = await clear_override(
            manager.store,
            current.config.status_page.components,
            args.component,
            by=manager.operator,
            now=current.clock.now(),
        )
        print(f"{name}: override cleared, back to its derived status")
        return EXIT_OK

    return execute(args, work)
