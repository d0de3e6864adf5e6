"""``opstui uptime``: each health check's uptime over 24 h / 7 d / 30 d / 90 d, from the history on disk.

The seeds' target (``Uptime >= 99.9 %``, or the config's ``uptime_pct`` KPI target) is judged on ``--days``
(30 by default), not on a console's session. The history file is opened read-only, so this works beside a
running console. Exit statuses: 0 every check meets the target (or has no data), 1 one misses it or the
history cannot be read, 2 bad config or arguments.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime, tzinfo
from typing import Any

from opstui.clock import zone
from opstui.commands.common import EXIT_CONFIG, error
from opstui.commands.incidents import load_optional, state_settings
from opstui.config import ConfigError
from opstui.config.models import Config
from opstui.metrics.history_file import HistoryError
from opstui.metrics.history_open import history_opener
from opstui.metrics.kpi import KpiRule
from opstui.metrics.uptime import DAY, WINDOWS, Uptime, uptime_by_check, window_label
from opstui.status import KpiLevel

EXIT_FAILED = 1
SEED_TARGET = ">= 99.9"
"""The seeds' uptime target (and warning / critical below), used when the config has no ``uptime_pct`` KPI."""


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "uptime",
        help="uptime per health check over 24h / 7d / 30d / 90d, from the history on disk",
        description="Each health check's uptime over 24 h, 7 d, 30 d and 90 d from the history file, judged "
        "against the uptime target on --days (30). Exit 0 met, 1 missed or no history, 2 bad config.",
    )
    parser.add_argument("--config", metavar="FILE", help="config file (default: the usual lookup; none is fine)")
    parser.add_argument(
        "--state", metavar="PATH", default=argparse.SUPPRESS, help="state database the history sits beside"
    )
    parser.add_argument("--demo", action="store_true", help="the history 'opstui --demo' keeps")
    parser.add_argument("--days", type=float, default=30.0, metavar="N", help="the judged window (default 30)")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    parser.set_defaults(func=run)


def _rule(config: Config) -> KpiRule:
    for kpi in config.kpis:
        if kpi.metric == "uptime_pct":
            return KpiRule.parse(kpi.target, kpi.warning, kpi.critical)
    return KpiRule.parse(SEED_TARGET, "< 99.5", "< 99")


def run(args: argparse.Namespace) -> int:
    if not 0 < args.days <= 400:
        error("--days must be more than 0 and at most 400")
        return EXIT_CONFIG
    try:
        config = load_optional(args.config)
    except ConfigError as exc:
        error(str(exc))
        return EXIT_CONFIG
    store = config.store
    if args.demo:
        from opstui.demo.config import demo_history_path

        store = store.model_copy(update={"history_path": str(demo_history_path())})
    _, opener = history_opener(store, state_settings(config, getattr(args, "state", None)), read_only=True)
    judged = window_label(args.days)
    windows = WINDOWS if judged in dict(WINDOWS) else (*WINDOWS, (judged, args.days * DAY))
    try:
        file = opener()
    except HistoryError as exc:
        error(str(exc))
        return EXIT_FAILED
    try:
        rows = uptime_by_check(file, time.time(), tuple(sorted(windows, key=lambda w: w[1])))
    finally:
        file.close()
    rule = _rule(config)
    target = str(rule.target) if rule.target else SEED_TARGET
    verdicts = {row.source: _verdict(rule, row.percent(judged)) for row in rows}
    if args.json:
        print(json.dumps(_document(rows, [w for w, _ in windows], judged, target, verdicts), indent=2))
    else:
        windows_shown = [w for w, _ in sorted(windows, key=lambda w: w[1])]
        _print_table(rows, windows_shown, judged, target, verdicts, zone(config.timezone))
    return EXIT_FAILED if "missed" in verdicts.values() else 0


def _verdict(rule: KpiRule, percent: float | None) -> str:
    if percent is None:
        return "no data"
    return "met" if rule.level(percent) is KpiLevel.TARGET else "missed"


def _document(
    rows: list[Uptime], windows: list[str], judged: str, target: str, verdicts: dict[str, str]
) -> dict[str, Any]:
    return {
        "judged_on": judged,
        "target": f"{target} %",
        "checks": [
            {
                "source": row.source,
                "uptime_pct": {w: row.percent(w) for w in windows},
                "checks": {w: row.checks.get(w, 0) for w in windows},
                "on_record_since": None if row.since is None else datetime.fromtimestamp(row.since, UTC).isoformat(),
                "verdict": verdicts[row.source],
            }
            for row in rows
        ],
    }


def _print_table(
    rows: list[Uptime], windows: list[str], judged: str, target: str, verdicts: dict[str, str], tz: tzinfo
) -> None:
    if not rows:
        print("no health check on record in the history yet (it fills while a console runs)")
        return
    width = max(6, *(len(row.source) for row in rows))
    print(f"{'check':<{width}}  " + "  ".join(f"{w:>8}" for w in windows) + f"  {'checks ' + judged:>12}  since")
    for row in rows:
        cells = "  ".join(f"{_pct(row.percent(w)):>8}" for w in windows)
        since = "—" if row.since is None else datetime.fromtimestamp(row.since, tz).strftime("%Y-%m-%d %H:%M")
        print(f"{row.source:<{width}}  {cells}  {row.checks.get(judged, 0):>12,}  {since}")
    missed = [name for name, verdict in verdicts.items() if verdict == "missed"]
    verdict = f"missed by {', '.join(missed)}" if missed else "met"
    print(f"target {target} % over {judged}: {verdict}")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}%"
