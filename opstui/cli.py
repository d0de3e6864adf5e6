"""The command line: the console, ``--demo`` and the subcommands of :mod:`opstui.commands`.

Every user error (a bad config, a missing file) is one line on stderr and a documented exit
status, never a traceback. Every command's text output passes through the one sanitiser
(:func:`opstui.sanitize.clean_output`); JSON outputs are escaped by ``json.dumps`` already.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence

from opstui import __version__
from opstui.commands import COMMANDS
from opstui.commands.common import EXIT_CONFIG, error, load, startable
from opstui.config import ConfigError
from opstui.sanitize import clean_output

DESCRIPTION = """\
opstui: the on-call engineer's terminal console. Live KPIs, health checks, latency
and the event tail of a service; alerts that become incidents to acknowledge, escalate
and review; the first-48-hours checklist with what is due and overdue. One keyboard-
driven screen; a team shares its incidents and ticks in PostgreSQL.

  opstui --demo                 the console against a built-in simulated shop, no set-up
  opstui --config opstui.yaml   the console against your service
  opstui check --json           one headless check for cron / CI (exit 0 OK, 1 WARN, 2 CRIT, 3 UNKNOWN)

The config is looked up in --config, then $OPSTUI_CONFIG, then ./opstui.yaml, then the user
config directory. 'opstui init' writes a config with every key, commented.
"""

MAX_SPEED = 100.0
"""The fastest ``--demo --speed``: beyond it the sources' polls (5 s of clock time) come faster than they answer."""

KEYS = """\
keys in the console: 1 engineering  2 on-call  3 executive  4 checklist  5 audit  t theme
  ? help (every key of the screen you are on)  ctrl+p commands  q quit
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="opstui", description=DESCRIPTION, epilog=KEYS, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"opstui {__version__}")
    parser.add_argument("--config", metavar="FILE", help="config file (YAML); 'opstui init' writes a commented one")
    parser.add_argument("--state", metavar="PATH", help="state database (default: the user data directory)")
    parser.add_argument("--theme", metavar="NAME", help="opstui-dark (default), opstui-light, opstui-colorblind")
    parser.add_argument("--demo", action="store_true", help="run against a built-in simulated shop (no config needed)")
    parser.add_argument(
        "--dsn",
        metavar="DSN",
        help="with --demo: the shop's PostgreSQL database, filled by "
        "'opstui demo-db' (live orders keep arriving while the console runs)",
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        metavar="N",
        help="with --demo: run the shop and the whole console on a clock N times faster (1-100; the header "
        "says xN); at 10 the first incident opens within a minute",
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="a console that only looks: the keys that act (ack, resolve, notes, ticks, silences, actions) are "
        "hidden and refused (what 'opstui serve --read-only' runs)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"opstui.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command is not None:
            with clean_output():  # no command prints a control sequence from a note, an event or a config
                return int(args.func(args))
        return _console(args)
    except KeyboardInterrupt:
        return 130


def _console(args: argparse.Namespace) -> int:
    from opstui.clock import SystemClock
    from opstui.core import Core

    if args.theme is not None and (problem := _unknown_theme(args.theme, "--theme")):
        error(problem)
        return EXIT_CONFIG
    shop = None
    live_db = None
    if args.dsn and not args.demo:
        error("--dsn goes with --demo; for your own database add a 'postgres' source to the config")
        return EXIT_CONFIG
    if args.speed != 1.0 and not args.demo:
        error("--speed goes with --demo: a real service runs on real time")
        return EXIT_CONFIG
    if not 1.0 <= args.speed <= MAX_SPEED:
        error(f"--speed must be between 1 and {MAX_SPEED:g}")
        return EXIT_CONFIG
    clock = SystemClock(speed=args.speed)  # the one clock: the shop, the sources, rules and incidents
    if args.demo:
        from opstui.demo.background import BackgroundShop
        from opstui.demo.config import demo_config

        shop = BackgroundShop(clock=clock)
        base_url = shop.start()
        config = demo_config(base_url, dsn=args.dsn)
        if args.dsn:
            from opstui.demo.database import BackgroundLiveShop

            live_db = BackgroundLiveShop(args.dsn)
            live_db.start()
    else:
        try:
            config, path = load(args.config)
        except ConfigError as exc:
            error(str(exc))
            return EXIT_CONFIG
        if args.theme is not None:  # --theme wins over the config's, and was checked above
            config = config.model_copy(update={"ui": config.ui.model_copy(update={"theme": args.theme})})
        if problem_start := startable(config, path):  # the very checks 'opstui validate' runs
            error(str(problem_start))
            return EXIT_CONFIG
    from opstui.ui.app import OpstuiApp
    from opstui.ui.theming import ThemeMemory, ui_state_file

    core = Core(config, clock, state_path=args.state)
    app = OpstuiApp(
        core,
        theme=args.theme,
        demo=args.demo,
        memory=ThemeMemory(ui_state_file()),
        speed=args.speed,
        read_only=args.read_only,
    )
    try:
        app.run()
    finally:
        if shop is not None:
            shop.stop()
        if live_db is not None:
            live_db.stop()
    return app.return_code or 0


def _unknown_theme(name: str, where: str) -> str | None:
    """Checked before the console starts, so a typo is one line and exit 2, not a fallback at 3 a.m."""
    from opstui.ui.theming import unknown_theme

    return unknown_theme(name, where)
