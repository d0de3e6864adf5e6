"""``opstui init [PATH]``: write the commented example config and say what to edit next.

A user who installed with ``pipx`` or ``uv tool`` has no clone to copy ``config.example.yaml`` from, so
the wheel carries it (found through :mod:`opstui.shipped`) and this command writes it out. An existing
file is never overwritten without ``--force``: it may hold an evening's work.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from opstui.commands.common import error
from opstui.shipped import example_config

DEFAULT_PATH = "opstui.yaml"
"""Where ``init`` writes without a PATH: the file the config lookup finds in the current directory."""

EXIT_NOT_WRITTEN = 1
"""The file exists (without ``--force``) or cannot be written."""


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "init",
        help="write the commented example config (default ./opstui.yaml)",
        description="Write the example config, every key commented, to PATH (default ./opstui.yaml; a "
        "folder gets opstui.yaml inside), then say what to edit next. Exit 0 written, 1 the file exists "
        "(see --force) or cannot be written.",
    )
    parser.add_argument("path", nargs="?", default=DEFAULT_PATH, metavar="PATH", help="where to write it")
    parser.add_argument("--force", action="store_true", help="overwrite PATH if it exists")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    target = Path(args.path).expanduser()
    if target.is_dir():
        target = target / DEFAULT_PATH
    text = example_config().read_text(encoding="utf-8")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # "x" refuses an existing file in the same step as the open, so nothing is overwritten by a race.
        with target.open("w" if args.force else "x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError:
        error(f"{target} exists; edit it, pass --force to replace it, or name another PATH")
        return EXIT_NOT_WRITTEN
    except OSError as exc:
        error(f"cannot write {target}: {exc.strerror or exc}")
        return EXIT_NOT_WRITTEN
    print(next_steps(target))
    return 0


def next_steps(target: Path) -> str:
    """What to edit, in the order a first config needs it, and the two commands that follow."""
    found_anyway = target.resolve() == (Path.cwd() / DEFAULT_PATH).resolve()
    config = "" if found_anyway else f" --config {target}"
    return (
        f"wrote {target}: the example config, every key commented. Next:\n"
        "  1. sources: the URLs of your health checks, JSON metrics and event stream (or set SHOP_URL and\n"
        "     SHOP_WS; 'opstui demo-server' is a shop to point them at while you try it)\n"
        "  2. environment, timezone and launch_at at the top; kpis and alerts: your thresholds\n"
        "  3. state: sqlite on this host (the default), or postgres for a team (docs/team-mode.md)\n"
        f"  4. opstui validate{config}   (names the file, line and key of the first problem)\n"
        f"  5. opstui{config}"
    )
