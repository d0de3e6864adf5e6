"""``opstui report ID``: the seeds' post-incident review, drafted from the incident's timeline.

The console's detail view writes the same document (key ``p``) to
:func:`opstui.incidents.review.review_path`.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from opstui.commands.common import print_or_write
from opstui.commands.incidents import EXIT_FAILED, EXIT_OK, Session, add_common, execute, state_settings
from opstui.incidents.model import Incident
from opstui.incidents.review import render_review
from opstui.incidents.review_charts import metrics_section
from opstui.metrics.history_file import HistoryError, HistoryTables
from opstui.metrics.history_open import history_opener


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "report",
        help="write the post-incident review of an incident as Markdown",
        description="Fill the post-incident review template (date, duration, severity, timeline, notes as "
        "root cause and resolution, action items) from incident ID. Exit 0, 1 no such incident, 2 bad config.",
    )
    parser.add_argument("id", type=int, metavar="ID", help="the incident number, as 'opstui incidents' shows it")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    add_common(parser)
    parser.set_defaults(func=run)


def _charts(incident: Incident, current: Session, state_path: str | None) -> list[str]:
    """The review's text charts from the history file beside the state store (read-only); a missing or
    damaged file is said in the section, never an error of the report."""
    config = current.config
    _, opener = history_opener(config.store, state_settings(config, state_path), read_only=True)
    try:
        file: HistoryTables | None = opener()
    except HistoryError:
        file = None
    kpis = [(kpi.metric, kpi.label or kpi.metric) for kpi in config.kpis if kpi.screen == "engineering"]
    try:
        return metrics_section(incident, file, kpis, current.clock.now(), current.tz)
    finally:
        if file is not None:
            file.close()


def run(args: argparse.Namespace) -> int:
    async def work(current: Session) -> int:
        manager = current.manager
        incident = await current.incident(args.id)
        # On a thread: a shared history in PostgreSQL runs its own event loop there (opstui.metrics.history_pg).
        charts = await asyncio.to_thread(_charts, incident, current, getattr(args, "state", None))
        markdown = render_review(incident, await manager.timeline(args.id), current.tz, charts)
        return EXIT_OK if print_or_write(markdown, args.output, f"the review of #{incident.id}") else EXIT_FAILED

    return execute(args, work, read_only=True)  # a review only reads the store
