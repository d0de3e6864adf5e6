"""The static status page: components, current incidents with their updates, the past incidents, uptime.

``opstui status-page export --format html|json|md -o DIR`` writes ``index.html``, ``status.json`` or
``status.md`` into DIR, self-contained (no script, no external style or font), for any web server or object
store. It is read from the state store alone, so it runs from cron beside a console or on another machine of
a team. What is public:

- every component with its status, derived from the open incidents of its rules (the live sources and KPIs
  are the console's, not the export's), and its uptime over ``status_page.history_days`` (the share of that
  time without an open P0 or P1 incident of its rules, its sources' planned maintenance left out of both);
- the incidents that have had at least one update (``u`` in the console): an incident nobody has written a
  public word about stays internal. Current ones first, then the past ones of the last ``history_days``.

Every text is written by people or alerts: the HTML escapes it, the Markdown and HTML pass it through the one
sanitiser, and the JSON is escaped by ``json.dumps``.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, Literal

from opstui.alerts.model import Severity
from opstui.config.status_page import Component, StatusPageSettings
from opstui.files import write_atomically
from opstui.incidents.maintenance import Maintenance, Span, merge_spans
from opstui.incidents.model import Incident
from opstui.metrics.uptime import clip
from opstui.sanitize import clean
from opstui.state.protocol import StateStore
from opstui.statuspage.derive import ComponentState, derive, incident_counts_for
from opstui.statuspage.model import IncidentUpdate, updates_of

Format = Literal["html", "json", "md"]
FILES: dict[str, str] = {"html": "index.html", "json": "status.json", "md": "status.md"}
SCAN = 2000
"""Most incidents one export reads (newest first); a page covers days, not every incident ever."""


@dataclass(frozen=True, slots=True)
class PageIncident:
    incident: Incident
    updates: tuple[IncidentUpdate, ...]

    @property
    def status(self) -> str:
        return self.updates[-1].status.value

    @property
    def components(self) -> tuple[str, ...]:
        names: dict[str, None] = {}
        for update in self.updates:
            names.update(dict.fromkeys(update.components))
        return tuple(names)


@dataclass(frozen=True, slots=True)
class StatusPage:
    """Everything the page shows, gathered once."""

    title: str
    generated_at: float
    history_days: int
    components: tuple[ComponentState, ...]
    descriptions: dict[str, str]
    uptime: dict[str, float]
    """Component -> percent of the history window without an open P0/P1 incident of its rules."""
    current: tuple[PageIncident, ...]
    past: tuple[PageIncident, ...]


async def gather(
    state: StateStore, settings: StatusPageSettings, now: float, maintenance: Maintenance | None = None
) -> StatusPage:
    """Read the incidents and their updates from the state store and derive the page; a component's uptime
    leaves out the time its sources spent in ``maintenance`` windows."""
    since = now - settings.history_days * 86400.0
    planned: dict[str, list[Span]] = {}
    if maintenance:
        by_source = maintenance.spans_by_source(since, now, {s for c in settings.components for s in c.sources})
        planned = {
            c.name: merge_spans(s for name in c.sources for s in by_source.get(name, ())) for c in settings.components
        }
    incidents = [i for i in await state.recent_incidents(SCAN) if i.opened_at >= since or i.is_open]
    shown: list[PageIncident] = []
    for incident in incidents:
        updates = updates_of(await state.events(incident.id))
        if updates:
            shown.append(PageIncident(incident, tuple(updates)))
    return StatusPage(
        title=settings.title,
        generated_at=now,
        history_days=settings.history_days,
        components=tuple(
            derive(
                settings.components,
                [i for i in incidents if i.is_open],
                overrides=await state.component_overrides(now),
                now=now,
            )
        ),
        descriptions={c.name: c.description for c in settings.components},
        uptime={c.name: uptime(c, incidents, since, now, planned.get(c.name, ())) for c in settings.components},
        current=tuple(p for p in shown if p.incident.is_open),
        past=tuple(p for p in shown if not p.incident.is_open),
    )


def uptime(
    component: Component, incidents: Sequence[Incident], since: float, now: float, planned: Sequence[Span] = ()
) -> float:
    """Percent of ``[since, now]`` with no open P0/P1 incident of the component's rules (overlaps counted once),
    the ``planned`` maintenance of its sources left out of both the time and the downtime, as Statuspage counts
    it."""
    down = merge_spans(
        (max(since, i.opened_at), min(now, i.resolved_at if i.resolved_at is not None else now))
        for i in incidents
        if i.severity in (Severity.P0, Severity.P1) and incident_counts_for(component, i)
    )
    left_out = clip(merge_spans(planned), since, now)
    downtime = _length(down) - sum(_length(clip(down, start, end)) for start, end in left_out)
    window = max(1.0, now - since - _length(left_out))
    return round(100.0 * (1.0 - downtime / window), 3)


def _length(spans: Sequence[Span]) -> float:
    return sum(end - start for start, end in spans)


def render(page: StatusPage, fmt: Format, tz: tzinfo = UTC) -> str:
    if fmt == "json":
        return json.dumps(as_json(page), indent=2, ensure_ascii=False) + "\n"
    if fmt == "md":
        return clean(as_markdown(page, tz), multiline=True)
    return as_html(page, tz)


def write(page: StatusPage, fmt: Format, directory: Path, tz: tzinfo = UTC) -> Path:
    """Write the page into ``directory`` atomically (temp file + rename); returns the file written."""
    path = directory / FILES[fmt]
    write_atomically(path, render(page, fmt, tz))
    return path


def _iso(at: float | None) -> str | None:
    return None if at is None else datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")


def _update_json(update: IncidentUpdate) -> dict[str, Any]:
    return {
        "at": _iso(update.at),
        "status": update.status.value.lower(),
        "title": update.title,
        "message": update.message,
        "components": list(update.components),
    }


def _incident_json(item: PageIncident) -> dict[str, Any]:
    incident = item.incident
    return {
        "id": incident.id,
        "title": item.updates[-1].title,
        "severity": incident.severity.value,
        "status": item.status.lower(),
        "started_at": _iso(incident.opened_at),
        "resolved_at": _iso(incident.resolved_at),
        "components": list(item.components),
        "updates": [_update_json(u) for u in reversed(item.updates)],
    }


def as_json(page: StatusPage) -> dict[str, Any]:
    """The page as one JSON document (newest update first within an incident, as status pages show them)."""
    return {
        "page": {"title": page.title, "generated_at": _iso(page.generated_at), "history_days": page.history_days},
        "components": [
            {
                "name": c.name,
                "description": page.descriptions.get(c.name, ""),
                "status": c.status.value.replace(" ", "_"),
                "uptime_percent": page.uptime[c.name],
                # An operator's status: the page says why (never who); null while derived.
                "override": None
                if c.override is None
                else {
                    "reason": c.override.reason,
                    "until": None if c.override.until is None else _iso(c.override.until),
                },
            }
            for c in page.components
        ],
        "incidents": [_incident_json(p) for p in page.current],
        "history": [_incident_json(p) for p in page.past],
    }


def _when(at: float, tz: tzinfo) -> str:
    return datetime.fromtimestamp(at, tz).strftime("%Y-%m-%d %H:%M %Z")


def as_markdown(page: StatusPage, tz: tzinfo) -> str:
    lines = [f"# {page.title}", "", f"Updated {_when(page.generated_at, tz)}", "", "## Components", ""]
    lines += ["| Component | Status | Uptime |", "| --- | --- | --- |"]
    lines += [
        f"| {c.name} | {c.status.value}{'' if c.override is None else f' ({c.override.reason})'} "
        f"| {page.uptime[c.name]:.2f}% |"
        for c in page.components
    ]
    for heading, items in (
        ("Current incidents", page.current),
        (f"Past incidents ({page.history_days} days)", page.past),
    ):
        lines += ["", f"## {heading}", ""]
        if not items:
            lines.append("None.")
        for item in items:
            lines += [f"### {item.updates[-1].title}", ""]
            lines.append(f"Affected services: {', '.join(item.components) or '-'}  ")
            lines.append(f"Started: {_when(item.incident.opened_at, tz)}  ")
            lines += [f"Status: {item.status}", ""]
            for update in reversed(item.updates):
                lines.append(
                    f"- **{update.status.value}** ({_when(update.at, tz)}): {' '.join(update.message.split())}"
                )
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


_STYLE = """
body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
table{border-collapse:collapse;width:100%}td,th{padding:.4rem .6rem;border-bottom:1px solid #d0d7de;text-align:left}
.operational{color:#1a7f37}.degraded_performance,.under_maintenance{color:#9a6700}
.partial_outage{color:#bc4c00}.major_outage{color:#cf222e}.update{margin:.5rem 0}.meta{color:#57606a}
"""


def as_html(page: StatusPage, tz: tzinfo) -> str:
    def e(text: str) -> str:
        return html.escape(clean(text, multiline=True), quote=True)

    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(page.title)}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        f"<h1>{e(page.title)}</h1>",
        f'<p class="meta">Updated {e(_when(page.generated_at, tz))}</p>',
        "<h2>Components</h2>",
        "<table>",
        "<thead><tr><th>Component</th><th>Status</th><th>Uptime</th></tr></thead>",
        "<tbody>",
    ]
    for c in page.components:
        css = c.status.value.replace(" ", "_")
        note = "" if c.override is None else f'<br><span class="meta">{e(c.override.reason)}</span>'
        out.append(
            f'<tr><td>{e(c.name)}</td><td class="{css}">{e(c.status.value)}{note}</td>'
            f"<td>{page.uptime[c.name]:.2f}%</td></tr>"
        )
    out += ["</tbody>", "</table>"]
    for heading, items in (
        ("Current incidents", page.current),
        (f"Past incidents ({page.history_days} days)", page.past),
    ):
        out.append(f"<h2>{e(heading)}</h2>")
        if not items:
            out.append("<p>None.</p>")
        for item in items:
            out += [
                '<section class="incident">',
                f"<h3>{e(item.updates[-1].title)}</h3>",
                f'<p class="meta">Affected services: {e(", ".join(item.components) or "-")}<br>'
                f"Started: {e(_when(item.incident.opened_at, tz))}<br>Status: {e(item.status)}</p>",
            ]
            for update in reversed(item.updates):
                message = "<br>".join(e(line) for line in update.message.splitlines())
                out.append(
                    f'<div class="update"><strong>{e(update.status.value)}</strong> '
                    f'<span class="meta">{e(_when(update.at, tz))}</span><br>{message}</div>'
                )
            out.append("</section>")
    out += ["</body>", "</html>", ""]
    return "\n".join(out)
