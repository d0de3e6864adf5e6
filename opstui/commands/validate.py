"""``opstui validate``: check a config and exit 0 (valid) or 2 (one message naming file, line, key).

It runs the console's own checks (:func:`~opstui.commands.common.startable`): what it accepts starts."""

from __future__ import annotations

import argparse
from typing import Any

from opstui.commands.common import EXIT_CONFIG, error, load, startable
from opstui.config import ConfigError


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "validate",
        help="check a config file and exit (0 valid, 2 invalid)",
        description="Check a config file: exit 0 when valid, 2 with one message when not.",
    )
    parser.add_argument("--config", metavar="FILE", help="config file (default: the usual lookup)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        config, path = load(args.config)
    except ConfigError as exc:
        error(str(exc))
        return EXIT_CONFIG
    if problem := startable(config, path):
        error(str(problem))
        return EXIT_CONFIG
    print(f"{path}: valid ({len(config.sources)} sources, {len(config.kpis)} KPIs)")
    return 0
