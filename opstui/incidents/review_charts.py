"""The review's "Metrics around the incident": text charts from the history on disk (docs/history.md).

The incident's own metric first (the one its rule watched), then the configured Engineering KPIs, each over
the 30 minutes before the incident opened to 10 minutes after it was resolved (or now): the figures an
on-call engineer looked at, kept with the review once the console is gone. Full resolution while the file
still has it (``store.retention``), else the 1-minute rollups.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from opstui.incidents.model import Incident
from opstui.metrics.history_file import HistoryTables
from opstui.metrics.sample import series_key
from opstui.metrics.textchart import chart

BEFORE = 30 * 60.0
AFTER = 10 * 60.0
MAX_CHARTS = 6


def metrics_section(
    incident: Incident, file: HistoryTables | None, metrics: Sequence[tuple[str, str]], now: float, tz: tzinfo
) -> list[str]:
    """Markdown lines (a text block of charts); ``metrics`` are (metric, label) pairs after the incident's own."""
    if file is None:
        return ["No history on disk for this incident (the console keeps it unless `store.history: false`)."]
    since = incident.opened_at - BEFORE
    until = min(now, (incident.resolved_at or now) + AFTER)
    wanted: list[tuple[str, dict[str, str] | None, str]] = []
    if incident.metric:
        wanted.append((incident.metric, dict(incident.labels) or None, incident.metric))
    wanted += [(metric, None, label) for metric, label in metrics if metric != incident.metric]
    marks = {incident.opened_at: "o"}
    if incident.acknowledged_at is not None:
        marks[incident.acknowledged_at] = "a"
    if incident.resolved_at is not None:
        marks[incident.resolved_at] = "r"
    start, end = (datetime.fromtimestamp(t, tz).strftime("%H:%M") for t in (since, until))
    block: list[str] = []
    shown = 0
    for metric, labels, label in wanted:
        if shown >= MAX_CHARTS:
            break
        times, values, full = file.between(series_key(metric, labels), since, until)
        if not times and labels:
            times, values, full = file.between(series_key(metric), since, until)
        lines = chart(times, values, since, until, marks)
        if not lines:
            continue
        shown += 1
        at_open = next((v for t, v in zip(times, values, strict=True) if t >= incident.opened_at), values[-1])
        detail = f"min {min(values):.4g}  max {max(values):.4g}  at open {at_open:.4g}"
        block += [f"{label} ({detail}{'' if full else ', 1-minute means'})", f"  {start} {lines[0]} {end}"]
        if lines[1]:
            block.append(f"        {lines[1]}")
    if not block:
        return ["The history on disk holds no points for these metrics over the incident."]
    after = "now (still open)" if incident.resolved_at is None else f"{AFTER / 60:.0f} after it was resolved"
    return [
        f"From the history on disk, {start} to {end} ({BEFORE / 60:.0f} minutes before it opened to {after}); "
        "o opened, a acknowledged, r resolved.",
        "",
        "```text",
        *block,
        "```",
    ]
