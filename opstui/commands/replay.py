"""``opstui replay``: the history on disk played back through the console's screens, read-only.

``--from`` is a moment (ISO 8601; without a zone, the config's ``timezone``); by default an hour before the
newest point on record. ``--speed N`` plays N times faster than real time. Keys: ``space`` pause / play,
``left`` / ``right`` one minute, ``shift+left`` / ``shift+right`` one hour. Exit statuses: 0, 1 no history
(or none at that time), 2 bad config or arguments.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from opstui.clock import zone
from opstui.commands.common import EXIT_CONFIG, error
from opstui.commands.incidents import history_args
from opstui.metrics.history_file import HistoryError

EXIT_FAILED = 1
DEFAULT_BACK = 3600.0
"""Without ``--from``: start this long before the newest point on record."""


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "replay",
        help="play the history on disk back through the console's screens (read-only)",
        description="Replay the metrics kept on disk (the last 48 h at full resolution) through the console's "
        "screens, from --from at --speed; space pauses, left/right step a minute, shift+left/right an hour. "
        "Exit 0, 1 no history, 2 bad config or arguments.",
    )
    parser.add_argument("--config", metavar="FILE", help="config file (default: the usual lookup; none is fine)")
    parser.add_argument(
        "--state", metavar="PATH", default=argparse.SUPPRESS, help="state database the history sits beside"
    )
    parser.add_argument("--demo", action="store_true", help="the history 'opstui --demo' keeps")
    parser.add_argument("--from", dest="start", metavar="TIME", help="e.g. 2026-11-30T02:00 (default: 1 h ago)")
    parser.add_argument("--speed", type=float, default=1.0, metavar="N", help="N times real time (1-1000)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 1.0 <= args.speed <= 1000.0:
        error("--speed must be between 1 and 1000")
        return EXIT_CONFIG
    found = history_args(args)
    if isinstance(found, int):
        return found
    config, where, opener = found.config, found.where, found.open
    if args.demo:
        from opstui.demo.config import demo_config

        config = demo_config("http://127.0.0.1:9").model_copy(update={"sources": []})  # the demo's screens
    try:
        file = opener()
    except HistoryError as exc:
        error(str(exc))
        return EXIT_FAILED
    try:
        span = file.span()
    finally:
        file.close()
    if span is None:
        error(f"history {where} holds no points yet (it fills while a console runs)")
        return EXIT_FAILED
    tz = zone(config.timezone)
    if args.start:
        try:
            moment = datetime.fromisoformat(args.start)
        except ValueError:
            error(f"--from {args.start!r} is not a time; write it like 2026-11-30T02:00")
            return EXIT_CONFIG
        start = (moment if moment.tzinfo else moment.replace(tzinfo=tz)).timestamp()
    else:
        start = max(span[0], span[1] - DEFAULT_BACK)
    if not span[0] - 60 <= start <= span[1]:
        first, last = (datetime.fromtimestamp(t, tz).strftime("%Y-%m-%d %H:%M") for t in span)
        error(f"the history on disk runs from {first} to {last}; --from is outside it")
        return EXIT_FAILED

    from opstui.metrics.replay import ReplayClock
    from opstui.replay import ReplayCore
    from opstui.ui.replay_app import ReplayApp

    # The incidents come from the state store the history sits beside (--state), opened read-only.
    replayed = config.model_copy(update={"sources": [], "state": found.state})
    core = ReplayCore(replayed, ReplayClock(start, args.speed), opener)
    app = ReplayApp(core)
    app.run()
    return app.return_code or 0
