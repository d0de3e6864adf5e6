"""The command line: the console, ``--demo``, ``check``, ``validate`` and ``demo-server``.

Every user error (a bad config, a missing file) is one line on stderr and a documented exit
status, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from opstui import __version__
from opstui.config import Config, ConfigError, find_config, load_config
from opstui.config.durations import parse_duration

EXIT_CONFIG = 2
EXIT_UNKNOWN = 3

DESCRIPTION = """\
opstui: the on-call engineer's terminal console. Live KPIs, health checks, latency
and the event tail of a service, in one keyboard-driven screen.

  opstui --demo                 the console against a built-in simulated shop, no set-up
  opstui --config opstui.yaml   the console against your service
  opstui check --json           one headless check for cron / CI (exit 0 OK, 1 WARN, 2 CRIT, 3 UNKNOWN)

The config is looked up in --config, then $OPSTUI_CONFIG, then ./opstui.yaml, then the user
config directory. config.example.yaml documents every key.
"""

KEYS = """\
keys in the console: 1 engineering  ? help  t theme  ctrl+p commands  q quit
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="opstui", description=DESCRIPTION, epilog=KEYS, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"opstui {__version__}")
    parser.add_argument("--config", metavar="FILE", help="config file (YAML); see config.example.yaml")
    parser.add_argument("--state", metavar="PATH", help="state database (default: the user data directory)")
    parser.add_argument("--theme", metavar="NAME", help="opstui-dark (default), opstui-light, opstui-colorblind")
    parser.add_argument("--demo", action="store_true", help="run against a built-in simulated shop (no config needed)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    validate = sub.add_parser("validate", help="check a config file and exit (0 valid, 2 invalid)",
                              description="Check a config file: exit 0 when valid, 2 with one message when not.")
    validate.add_argument("--config", metavar="FILE", help="config file (default: the usual lookup)")

    check = sub.add_parser(
        "check",
        help="run every source once, evaluate the KPIs, exit by the worst status",
        description="Headless one-shot check for cron and CI. Exit status (Nagios): 0 OK, 1 WARNING, "
        "2 CRITICAL, 3 UNKNOWN (a source unreachable, a bad config).",
    )
    check.add_argument("--config", metavar="FILE", help="config file (default: the usual lookup)")
    check.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    check.add_argument("--wait", metavar="DURATION", default="5s",
                       help="how long websocket sources listen (default 5s)")

    server = sub.add_parser("demo-server", help="serve the simulated shop alone, to point a real config at",
                            description="Serve the simulated shop on 127.0.0.1 until interrupted.")
    server.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "validate":
            return _validate(args.config)
        if args.command == "check":
            return _check(args.config, args.json, args.wait)
        if args.command == "demo-server":
            return _demo_server(args.port)
        return _console(args)
    except KeyboardInterrupt:
        return 130


def _error(message: str) -> None:
    print(f"opstui: {message}", file=sys.stderr)


def _load(explicit: str | None) -> tuple[Config, Path]:
    path = find_config(explicit)
    if path is None:
        raise ConfigError(
            "no config found (looked at --config, $OPSTUI_CONFIG, ./opstui.yaml and the user config dir); "
            "copy config.example.yaml to ./opstui.yaml, or try 'opstui --demo'",
            file="opstui",
        )
    return load_config(path), path


def _validate(explicit: str | None) -> int:
    try:
        config, path = _load(explicit)
    except ConfigError as exc:
        _error(str(exc))
        return EXIT_CONFIG
    print(f"{path}: valid ({len(config.sources)} sources, {len(config.kpis)} KPIs)")
    return 0


def _check(explicit: str | None, as_json: bool, wait: str) -> int:
    from opstui.check import render_json, render_table, run_check

    try:
        wait_seconds = parse_duration(wait)
    except ValueError as exc:
        _error(f"--wait: {exc}")
        return EXIT_UNKNOWN
    try:
        config, _ = _load(explicit)
    except ConfigError as exc:
        _error(str(exc))
        return EXIT_UNKNOWN
    report = asyncio.run(run_check(config, wait=wait_seconds))
    print(render_json(report) if as_json else render_table(report))
    return int(report.status)


def _demo_server(port: int) -> int:
    from opstui.demo.shop import run_demo_server

    asyncio.run(run_demo_server(port))
    return 0


def _console(args: argparse.Namespace) -> int:
    from opstui.clock import SystemClock
    from opstui.monitor import Monitor

    clock = SystemClock()
    shop = None
    if args.demo:
        from opstui.demo.background import BackgroundShop
        from opstui.demo.config import demo_config

        shop = BackgroundShop()
        base_url = shop.start()
        config = demo_config(base_url)
    else:
        try:
            config, _ = _load(args.config)
        except ConfigError as exc:
            _error(str(exc))
            return EXIT_CONFIG
    from opstui.ui.app import OpstuiApp

    monitor = Monitor(config, clock)
    app = OpstuiApp(monitor, theme=args.theme, demo=args.demo)
    try:
        app.run()
    finally:
        if shop is not None:
            shop.stop()
    return app.return_code or 0
