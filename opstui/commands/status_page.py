"""``opstui status-page export``: the static public status page, from the state store (see
:mod:`opstui.statuspage.export`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from opstui.commands.common import error
from opstui.commands.incidents import EXIT_FAILED, EXIT_OK, Session, add_common, execute
from opstui.statuspage.export import FILES, gather, write


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


def run(args: argparse.Namespace) -> int:
    async def work(current: Session) -> int:
        page = await gather(current.manager.store, current.config.status_page, current.clock.now())
        try:
            path = write(page, args.format, Path(args.output), current.tz)
        except OSError as exc:
            error(f"cannot write into {args.output}: {exc.strerror or exc}")
            return EXIT_FAILED
        print(f"wrote {path} ({len(page.components)} components, {len(page.current)} current incident(s))")
        return EXIT_OK

    return execute(args, work, read_only=True)
