"""The checklist as a handover document (the seeds' "handoff notes at end of shift"): Markdown or CSV.

One row per task: its status now, when it is (or was) due, its last tick (done or skipped: who,
when, from which host, what was seen, on time or late) and how its occurrences of the last 48 hours
went. Nothing secret is in a tick, so nothing needs redacting; times are in the configured zone.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from opstui.checklist.board import Checklist
from opstui.checklist.model import Outcome, TaskView
from opstui.config.durations import format_duration
from opstui.sanitize import clean
from opstui.state.protocol import Tick, TickKind

FORMATS = ("md", "csv")
CSV_COLUMNS = (
    "id",
    "title",
    "group",
    "cadence",
    "status",
    "due_at",
    "overdue_by",
    "last_kind",
    "last_at",
    "last_by",
    "last_host",
    "last_on_time",
    "last_value",
    "last_note",
    "on_time_48h",
    "late_48h",
    "missed_48h",
    "skipped_48h",
)


@dataclass(frozen=True, slots=True)
class ExportRow:
    view: TaskView
    last: Tick | None
    outcomes: Counter[Outcome]

    @property
    def on_time(self) -> str:
        """Whether the last tick came before the deadline of the period it counts for."""
        if self.last is None or self.last.kind is not TickKind.DONE:
            return ""
        return "on time" if self.last.at <= self.last.period_start + self.view.task.grace else "late"


async def collect(checklist: Checklist) -> list[ExportRow]:
    """Refresh the checklist, then fetch the last tick of tasks with none in the recent window."""
    await checklist.refresh()
    outcomes: dict[str, Counter[Outcome]] = {}
    for entry in checklist.timeline():
        outcomes.setdefault(entry.task_id, Counter())[entry.outcome] += 1
    rows = []
    for view in checklist.views:
        last = view.last
        if last is None:
            older = await checklist.state.last_tick(view.task.id)
            last = older if older is not None and older.kind in (TickKind.DONE, TickKind.SKIP) else None
        rows.append(ExportRow(view, last, outcomes.get(view.task.id, Counter())))
    return rows


def _when(ts: float | None, zone: ZoneInfo) -> str:
    return "" if ts is None else datetime.fromtimestamp(ts, zone).strftime("%Y-%m-%d %H:%M %Z")


def _fields(row: ExportRow, zone: ZoneInfo) -> dict[str, str]:
    view, last = row.view, row.last
    return {
        "id": view.task.id,
        "title": view.task.title,
        "group": view.task.group,
        "cadence": view.task.cadence_text,
        "status": view.status.value,
        "due_at": _when(view.due_at, zone),
        "overdue_by": format_duration(view.overdue_by) if view.overdue_by else "",
        "last_kind": "" if last is None else last.kind.value,
        "last_at": "" if last is None else _when(last.at, zone),
        "last_by": "" if last is None else last.actor,
        "last_host": "" if last is None else last.host,
        "last_on_time": row.on_time,
        "last_value": (last.value or "") if last else "",
        "last_note": (last.note or "") if last else "",
        "on_time_48h": str(row.outcomes[Outcome.ON_TIME]),
        "late_48h": str(row.outcomes[Outcome.LATE]),
        "missed_48h": str(row.outcomes[Outcome.MISSED]),
        "skipped_48h": str(row.outcomes[Outcome.SKIPPED]),
    }


def render_csv(rows: list[ExportRow], zone: ZoneInfo) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(_fields(row, zone))
    return out.getvalue()


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_md(rows: list[ExportRow], checklist: Checklist, title: str = "Checklist handover") -> str:
    zone = checklist.zone
    now = checklist.clock.now()
    lines = [
        f"# {title}",
        "",
        f"{_when(now, zone)}, by {checklist.operator} on {checklist.host}; launch {_when(checklist.launch_at, zone)}.",
        "",
        "## Progress",
        "",
    ]
    for group in checklist.progress():
        overdue = f", {group.overdue} overdue" if group.overdue and not group.complete else ""
        lines.append(f"- {group.label}{overdue}")
    lines += [
        "",
        "## Tasks",
        "",
        "| Status | Task | Group | Cadence | Due | Last tick | By | On time | Seen | Note | 48h on time/late/missed |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        f = _fields(row, zone)
        status = f["status"].replace("_", " ") + (f" by {f['overdue_by']}" if f["overdue_by"] else "")
        last = f"{f['last_kind']} {f['last_at']}".strip()
        by = f"{f['last_by']}@{f['last_host']}" if f["last_by"] else ""
        counts = f"{f['on_time_48h']}/{f['late_48h']}/{f['missed_48h']}"
        cells = (
            status,
            f["title"],
            f["group"],
            f["cadence"],
            f["due_at"],
            last,
            by,
            f["last_on_time"],
            f["last_value"],
            f["last_note"],
            counts,
        )
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


async def export(checklist: Checklist, fmt: str) -> str:
    """The whole document in ``fmt`` (``md`` or ``csv``)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use md or csv")
    rows = await collect(checklist)
    # A note or a host name may carry control sequences; the document is read in a terminal (cat, less).
    text = render_md(rows, checklist) if fmt == "md" else render_csv(rows, checklist.zone)
    return clean(text, multiline=True)
