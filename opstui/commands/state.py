"""``opstui state migrate`` and ``opstui state copy``: set up a team's shared state and move a laptop's over.

``migrate`` brings the configured store (SQLite or PostgreSQL) to the current schema version once, under the
same lock the consoles take, so it is safe while consoles run. ``copy`` moves every record between a SQLite
file and a PostgreSQL schema (either way) into an empty target. Exit 0 done, 1 the store failed, 2 bad config
or arguments; errors are one line and never show a DSN's password.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING, Any

from opstui.commands.common import EXIT_CONFIG, error, load_or_say, with_state

if TYPE_CHECKING:
    from opstui.state.protocol import StateStore

EXIT_STATE = 1
"""The store could not be opened, migrated or copied."""


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "state",
        help="migrate the state store, or copy it between SQLite and PostgreSQL",
        description="Manage the state store (incidents, timelines, silences, outbox, checklist ticks).",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    migrate = actions.add_parser("migrate", help="bring the configured store to the current schema version")
    migrate.add_argument("--config", metavar="FILE", help="config file (default: the usual lookup)")
    migrate.set_defaults(func=run_migrate)
    copy = actions.add_parser(
        "copy",
        help="copy every record from one store into an empty other",
        description="Copy every record (incidents, events, silences, outbox, ticks) into an empty store. "
        "Example: opstui state copy --from sqlite:~/.local/share/opstui/state.db --to postgres:$OPSTUI_STATE_DSN",
    )
    copy.add_argument("--from", dest="source", required=True, metavar="sqlite:PATH|postgres:DSN")
    copy.add_argument("--to", dest="target", required=True, metavar="sqlite:PATH|postgres:DSN")
    copy.add_argument("--schema", default="opstui", help="the PostgreSQL schema at either end (default opstui)")
    copy.set_defaults(func=run_copy)


def run_migrate(args: argparse.Namespace) -> int:
    from opstui.state import StateError

    config = load_or_say(args.config)
    if config is None:
        return EXIT_CONFIG

    async def migrate(state: StateStore) -> int:
        return state.schema_version

    try:
        version = with_state(config.state, migrate)
    except StateError as exc:
        error(str(exc))
        return EXIT_STATE
    where = config.state.schema_ if config.state.backend == "postgres" else str(config.state.resolved_path())
    print(f"state store ({config.state.backend} {where}) is at schema version {version}")
    return 0


def run_copy(args: argparse.Namespace) -> int:
    from opstui.clock import SystemClock
    from opstui.state import StateError
    from opstui.state.copy import Endpoint, copy_state

    try:
        source = Endpoint.parse(_expand(args.source), args.schema)
        target = Endpoint.parse(_expand(args.target), args.schema)
    except ValueError as exc:
        error(f"state copy: {exc}")
        return EXIT_CONFIG
    try:
        copied = asyncio.run(copy_state(source, target, SystemClock()))
    except StateError as exc:
        error(str(exc))
        return EXIT_STATE
    counts = ", ".join(f"{count} {table}" for table, count in copied.items())
    print(f"copied {source.describe()} -> {target.describe()}: {counts}")
    return 0


def _expand(endpoint: str) -> str:
    """``sqlite:~/state.db`` works as a shell would expand it."""
    import os

    kind, _, rest = endpoint.partition(":")
    return f"sqlite:{os.path.expanduser(rest)}" if kind == "sqlite" else endpoint
