"""``opstui uptime``: each health check's uptime over 24 h / 7 d / 30 d / 90 d, from the history on disk and
the results ``opstui check --record`` stored in the state store (cron or a systemd timer, any host).

The seeds' target (``Uptime >= 99.9 %``, or the config's ``uptime_pct`` KPI target) is judged on ``--days``
(30 by default), not on a console's session. Planned maintenance is not downtime: the time a source spends in
one of the config's ``maintenance`` windows that takes it down is left out of its figures (and out of its
components'), and the output says how many minutes were. The history file is opened read-only, so this works beside a
running console. Exit statuses: 0 every check meets the target (or has no data), 1 one misses it or the
history cannot be read, 2 bad config or arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from datetime import UTC, datetime, tzinfo
from typing import Any

from opstui.clock import Clock, zone
from opstui.commands.common import error
from opstui.commands.incidents import history_args
from opstui.config.incidents import StateSettings
from opstui.config.models import Config
from opstui.metrics.history_file import HistoryError
from opstui.metrics.kpi import KpiRule
from opstui.metrics.uptime import DAY, WINDOWS, Excluded, Uptime, clip, uptime_by_check, window_label
from opstui.state.check_results import RecordedTotal
from opstui.state.protocol import StateError
from opstui.status import KpiLevel

EXIT_FAILED = 1
SEED_TARGET = ">= 99.9"
"""The seeds' uptime target (and warning / critical below), used when the config has no ``uptime_pct`` KPI."""


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "uptime",
        help="uptime per health check and component over 24h / 7d / 30d / 90d (history and 'check --record')",
        description="Each health check's uptime over 24 h, 7 d, 30 d and 90 d from the history file and the "
        "results 'opstui check --record' stored, and each status-page component's over the recorded runs, "
        "judged against the uptime target on --days (30). Exit 0 met, 1 missed or no data, 2 bad config.",
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
    found = history_args(args)
    if isinstance(found, int):
        return found
    config, settings, opener = found.config, found.state, found.open
    judged = window_label(args.days)
    windows = WINDOWS if judged in dict(WINDOWS) else (*WINDOWS, (judged, args.days * DAY))
    windows = tuple(sorted(windows, key=lambda w: w[1]))
    now = time.time()
    excluded = maintenance_spans(config, now, windows)
    rows: list[Uptime] = []
    history_problem = None
    try:
        file = opener()
    except HistoryError as exc:
        history_problem = str(exc)
    else:
        try:
            rows = uptime_by_check(file, now, windows, excluded)
        finally:
            file.close()
    components: list[Uptime] = []
    if not args.demo and _has_store(settings):
        try:
            rows, components = asyncio.run(with_recorded(settings, config, now, windows, rows, excluded=excluded))
        except StateError as exc:
            error(f"the recorded checks cannot be read: {exc}")
            return EXIT_FAILED
    if history_problem is not None and not any(row.checks for row in rows + components):
        error(history_problem)
        return EXIT_FAILED
    rule = _rule(config)
    target = str(rule.target) if rule.target else SEED_TARGET
    verdicts = {row.source: _verdict(rule, row.percent(judged)) for row in rows}
    component_verdicts = {row.source: _verdict(rule, row.percent(judged)) for row in components}
    labels = [w for w, _ in windows]
    if args.json:
        doc = _document(rows, labels, judged, target, verdicts)
        doc["components"] = _document(components, labels, judged, target, component_verdicts)["checks"]
        print(json.dumps(doc, indent=2))
    else:
        _print_table(rows, labels, judged, target, verdicts, zone(config.timezone))
        if components:
            print()
            _print_table(components, labels, judged, target, component_verdicts, zone(config.timezone), "component")
    missed = "missed" in verdicts.values() or "missed" in component_verdicts.values()
    return EXIT_FAILED if missed else 0


def maintenance_spans(config: Config, now: float, windows: tuple[tuple[str, float], ...]) -> Excluded:
    """Per source of the config, when a maintenance window took it down over the longest of ``windows``."""
    from opstui.incidents.maintenance import Maintenance

    longest = max(seconds for _, seconds in windows)
    names = [source.name for source in config.sources]
    return Maintenance(config.maintenance, config.timezone).spans_by_source(now - longest, now, names)


def _has_store(settings: StateSettings) -> bool:
    """A store to read recorded checks from: PostgreSQL, or a SQLite file that exists (none is created)."""
    return settings.backend == "postgres" or settings.resolved_path().exists()


async def with_recorded(
    settings: StateSettings,
    config: Config,
    now: float,
    windows: tuple[tuple[str, float], ...],
    rows: list[Uptime],
    clock: Clock | None = None,
    *,
    excluded: Excluded | None = None,
) -> tuple[list[Uptime], list[Uptime]]:
    """The history's rows with the results ``opstui check --record`` stored added in, whoever recorded them,
    and each status-page component's uptime over the recorded runs (up in a run when all its sources were);
    the results inside ``excluded`` (planned maintenance, per source; a component's is any of its sources')
    left out."""
    from opstui.clock import SystemClock
    from opstui.incidents.maintenance import merge_spans
    from opstui.state import open_state

    excluded = excluded or {}
    by_source = {row.source: row for row in rows}
    parts = [c for c in config.status_page.components if c.sources]
    components = [Uptime(c.name) for c in parts]
    state = await open_state(settings, clock or SystemClock(), read_only=True)
    inside: dict[tuple[float, float], dict[str, RecordedTotal]] = {}
    """Per maintenance span, the recorded results in it by source (read once, whichever windows cover it)."""
    try:
        for label, seconds in windows:
            since = now - seconds
            for total in await state.check_totals(since):
                row = by_source.setdefault(total.name, Uptime(total.name))
                row.add(label, float(total.good), total.count, total.first, recorded=True)
                spans = clip(excluded.get(total.name, ()), since, now)
                for span in spans:
                    if span not in inside:
                        inside[span] = {t.name: t for t in await state.check_totals(span[0], until=span[1])}
                    if (left := inside[span].get(total.name)) is not None:
                        row.leave_out(label, float(left.good), left.count, recorded=True)
                if spans:
                    row.excluded[label] = sum(end - start for start, end in spans)
            for row, component in zip(components, parts, strict=True):
                runs = await state.component_totals(component.name, component.sources, since)
                row.add(label, float(runs.good), runs.count, runs.first, recorded=True)
                down = merge_spans(span for source in component.sources for span in excluded.get(source, ()))
                spans = clip(down, since, now)
                for start, end in spans:
                    left = await state.component_totals(component.name, component.sources, start, end)
                    row.leave_out(label, float(left.good), left.count, recorded=True)
                if spans:
                    row.excluded[label] = sum(end - start for start, end in spans)
    finally:
        await state.close()
    return [by_source[name] for name in sorted(by_source)], [row for row in components if row.checks]


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
                "recorded": {w: row.recorded.get(w, 0) for w in windows},
                "maintenance_excluded_min": {w: round(row.excluded.get(w, 0.0) / 60.0, 1) for w in windows},
                "on_record_since": None if row.since is None else datetime.fromtimestamp(row.since, UTC).isoformat(),
                "verdict": verdicts[row.source],
            }
            for row in rows
        ],
    }


def _print_table(
    rows: list[Uptime],
    windows: list[str],
    judged: str,
    target: str,
    verdicts: dict[str, str],
    tz: tzinfo,
    heading: str = "check",
) -> None:
    if not rows:
        print("no health check on record yet (the history fills while a console runs; 'check --record' too)")
        return
    width = max(6, len(heading), *(len(row.source) for row in rows))
    counted = "checks" if heading == "check" else "runs"
    print(f"{heading:<{width}}  " + "  ".join(f"{w:>8}" for w in windows) + f"  {counted + ' ' + judged:>12}  since")
    for row in rows:
        cells = "  ".join(f"{_pct(row.percent(w)):>8}" for w in windows)
        since = "—" if row.since is None else datetime.fromtimestamp(row.since, tz).strftime("%Y-%m-%d %H:%M")
        print(f"{row.source:<{width}}  {cells}  {row.checks.get(judged, 0):>12,}  {since}")
    for line in excluded_lines(rows, judged):
        print(line)
    missed = [name for name, verdict in verdicts.items() if verdict == "missed"]
    verdict = f"missed by {', '.join(missed)}" if missed else "met"
    recorded = sum(row.recorded.get(judged, 0) for row in rows)
    if heading != "check":
        print(f"a {heading} is up in a run of 'opstui check --record' when every one of its sources is")
    elif recorded:
        total = sum(row.checks.get(judged, 0) for row in rows)
        print(f"{recorded:,} of the {total:,} checks over {judged} recorded by 'opstui check --record'")
    print(f"target {target} % over {judged}: {verdict}")


def excluded_lines(rows: list[Uptime], judged: str) -> list[str]:
    """``120 min of maintenance excluded over 30d for api, db``: one line per amount (usually one)."""
    by_minutes: dict[str, list[str]] = {}
    for row in rows:
        if seconds := row.excluded.get(judged, 0.0):
            by_minutes.setdefault(f"{seconds / 60.0:,.0f}", []).append(row.source)
    return [
        f"{minutes} min of maintenance excluded over {judged} for {', '.join(names)}"
        for minutes, names in by_minutes.items()
    ]


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}%"
