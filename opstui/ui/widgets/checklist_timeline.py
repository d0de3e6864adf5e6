"""The selected task's 48 hours as a strip: one cell per period (or per bin of periods), on time / late /
missed / skipped / due now / upcoming, with the time axis and a legend.

The strip is plain data first (:func:`task_strip` -> :class:`TaskStrip`), drawn second, so tests read
what the pane says without reading pixels. During the first 48 hours the axis is T+0 .. T+48h (the
launch window, with what is still to come); after that it is the last 48 hours, ``48h ago`` .. ``now``.
A 5-minute task has 576 occurrences in 48 hours and the pane has about 80 cells: each cell then covers
a round stretch (40m at 80 columns, 20m at 160) and shows the worst of its occurrences, and the pane
says so, so one missed check is never averaged away.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from opstui.checklist.evaluate import window_end
from opstui.checklist.model import Outcome, Task, TimelineEntry
from opstui.sanitize import clean

SPAN = 48 * 3600.0
BIN_STEPS = (60.0, 120.0, 300.0, 600.0, 900.0, 1200.0, 1800.0, 2400.0, 3600.0, 7200.0, 10800.0, 14400.0)
"""Round cell durations: the smallest that fits 48 hours into the pane wins."""


class Mark(StrEnum):
    """What one cell of the strip shows; the order of :data:`WORST_FIRST` decides a shared cell."""

    MISSED = "missed"
    LATE = "late"
    OPEN = "open"
    SKIPPED = "skipped"
    ON_TIME = "on_time"
    UPCOMING = "upcoming"
    EMPTY = "empty"
    """No occurrence falls in this cell (a daily task's strip is mostly empty)."""


WORST_FIRST = tuple(Mark)
_FROM_OUTCOME = {
    Outcome.MISSED: Mark.MISSED,
    Outcome.LATE: Mark.LATE,
    Outcome.OPEN: Mark.OPEN,
    Outcome.SKIPPED: Mark.SKIPPED,
    Outcome.ON_TIME: Mark.ON_TIME,
}
GLYPH = {
    Mark.ON_TIME: "✓",
    Mark.LATE: "▲",
    Mark.MISSED: "✖",
    Mark.SKIPPED: "↷",
    Mark.OPEN: "○",
    Mark.UPCOMING: "·",
    Mark.EMPTY: "─",
}
"""A shape per outcome, so the strip reads without colour (NO_COLOR, colour blindness)."""
STYLE = {
    Mark.ON_TIME: "$status-ok",
    Mark.LATE: "$status-warn",
    Mark.MISSED: "bold $status-crit",
    Mark.SKIPPED: "$status-nodata",
    Mark.OPEN: "bold $status-warn",
    Mark.UPCOMING: "$text-muted",
    Mark.EMPTY: "$text-disabled",
}
LEGEND = (
    (Mark.ON_TIME, "on time"),
    (Mark.LATE, "late"),
    (Mark.MISSED, "missed"),
    (Mark.SKIPPED, "skipped"),
    (Mark.OPEN, "due"),
    (Mark.UPCOMING, "to come"),
)


@dataclass(frozen=True, slots=True)
class TaskStrip:
    """One task's strip: ``marks[i]`` covers ``start + i * bin`` .. ``start + (i + 1) * bin``."""

    task_id: str
    start: float
    bin: float
    marks: tuple[Mark, ...]
    since_launch: bool
    """True: the axis is T+0 .. T+48h from launch; False: the last 48 hours up to now."""
    now_index: int
    """The cell holding ``now``."""
    counts: Counter[Outcome] = field(default_factory=Counter)
    """Past occurrences by outcome (not binned: every one counts)."""
    most_per_cell: int = 1
    """Most occurrences sharing one cell; above 1 the worst of them is shown."""

    @property
    def binned(self) -> bool:
        return self.most_per_cell > 1


def bin_for(width: int, span: float = SPAN) -> float:
    """The smallest round cell duration that fits ``span`` into ``width`` cells."""
    for step in BIN_STEPS:
        if math.ceil(span / step) <= width:
            return step
    return span / max(1, width)


def task_strip(task: Task, entries: Sequence[TimelineEntry], launch_at: float, now: float, width: int) -> TaskStrip:
    """The strip for ``task`` from the checklist's timeline ``entries`` (any tasks'; others are ignored)."""
    since_launch = now - launch_at < SPAN
    step = bin_for(width if since_launch else width - 1)
    # After the first 48 hours the cells stay aligned on launch, so an occurrence keeps its cell as the
    # window slides (one extra cell holds the part of the oldest one still inside the window).
    start = launch_at if since_launch else launch_at + math.floor((now - SPAN - launch_at) / step) * step
    cells = math.ceil(SPAN / step) + (0 if since_launch else 1)
    end = start + cells * step
    buckets: list[list[Mark]] = [[] for _ in range(cells)]
    counts: Counter[Outcome] = Counter()

    def put(at: float, mark: Mark) -> None:
        index = int((at - start) // step)
        if 0 <= index < cells:
            buckets[index].append(mark)

    for entry in entries:
        if entry.task_id == task.id:
            counts[entry.outcome] += 1
            put(entry.due_at, _FROM_OUTCOME[entry.outcome])
    closes = window_end(task, launch_at)
    due = task.cadence.next_after(now)
    while due is not None and due < end and (closes is None or due < closes):
        put(due, Mark.UPCOMING)
        due = task.cadence.next_after(due)
    marks = tuple(min(bucket, key=WORST_FIRST.index) if bucket else Mark.EMPTY for bucket in buckets)
    return TaskStrip(
        task.id,
        start,
        step,
        marks,
        since_launch,
        max(0, min(cells - 1, int((now - start) // step))),
        counts,
        max((len(b) for b in buckets), default=1) or 1,
    )


def hours(seconds: float) -> str:
    return f"{seconds / 3600:.0f}h" if seconds >= 3600 else f"{seconds / 60:.0f}m"


def axis_text(strip: TaskStrip) -> str:
    """Labels under the strip every 12 hours (24 on a narrow pane): ``T+0 … T+48h`` or ``48h ago … now``."""
    cells = len(strip.marks)
    every = 12 * 3600.0 if cells >= 40 else 24 * 3600.0
    count = int(SPAN // every)
    line = [" "] * cells
    for k in range(count + 1):
        offset = k * every
        if strip.since_launch:
            col, text = round(offset / strip.bin), f"T+{hours(offset)}" if k else "T+0"
        else:
            left = SPAN - offset
            col = strip.now_index - round(left / strip.bin)
            text = "now" if k == count else f"{hours(left)} ago" if k == 0 else f"-{hours(left)}"
        # The first label starts at its cell, the last ends at its cell, the others centre on theirs.
        first = col if k == 0 else col - len(text) + 1 if k == count else col - len(text) // 2
        first = max(0, min(first, cells - len(text)))
        line[first : first + len(text)] = list(text)
    return "".join(line).rstrip()


def strip_content(strip: TaskStrip) -> Content:
    """The cells, coloured by theme variables; the cell holding now is underlined."""
    parts: list[tuple[str, str]] = []
    for index, mark in enumerate(strip.marks):
        style = STYLE[mark] + (" underline" if index == strip.now_index and strip.since_launch else "")
        parts.append((GLYPH[mark], style))
    return Content.assemble(*parts)


def legend_content(strip: TaskStrip | None) -> Content:
    parts: list[tuple[str, str] | str] = []
    for mark, word in LEGEND:
        parts.extend([(GLYPH[mark], STYLE[mark]), f" {word} "])
    if strip is not None:
        parts.append(f" 1 cell = {hours(strip.bin)}" + (", worst wins" if strip.binned else ""))
    return Content.assemble(*parts)


def title_content(task: Task, strip: TaskStrip) -> Content:
    """``since launch ✓120 ▲2 ✖1 · every 5m · Check /api/health``: the record first, the title last, so a
    narrow pane cuts the title (the table row has it) rather than the figures."""
    counts = strip.counts
    parts: list[tuple[str, str] | str] = ["since launch " if strip.since_launch else "last 48h "]
    for outcome, mark in (
        (Outcome.ON_TIME, Mark.ON_TIME),
        (Outcome.LATE, Mark.LATE),
        (Outcome.MISSED, Mark.MISSED),
        (Outcome.SKIPPED, Mark.SKIPPED),
    ):
        if counts[outcome] or outcome is not Outcome.SKIPPED:
            parts.extend([(f"{GLYPH[mark]}{counts[outcome]}", STYLE[mark]), " "])
    parts.extend([clean(f"· {task.cadence_text} · "), (clean(task.title), "bold")])
    return Content.assemble(*parts)


class TaskTimeline(Vertical):
    """The selected task's strip (follows the table's cursor): title, strip, axis, legend."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's own name
        super().__init__(id=id)
        self.strip: TaskStrip | None = None
        """What is drawn now: tests read this, not the screen."""
        self.task_id: str | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="timeline-title", markup=False)
        yield Static("", id="timeline-strip", markup=False)
        yield Static("", id="timeline-axis", markup=False)
        yield Static("", id="timeline-legend", markup=False)

    @property
    def cells_width(self) -> int:
        """Cells the strip can use: the pane's width less padding and room for the last axis label."""
        width = self.content_region.width or self.size.width or 80
        return max(24, width - 2)

    def show(self, task: Task | None, entries: Sequence[TimelineEntry], launch_at: float, now: float) -> None:
        title = self.query_one("#timeline-title", Static)
        if task is None:
            self.strip, self.task_id = None, None
            title.update("no task selected")
            for name in ("strip", "axis", "legend"):
                self.query_one(f"#timeline-{name}", Static).update("")
            return
        strip = task_strip(task, entries, launch_at, now, self.cells_width)
        if strip == self.strip and task.id == self.task_id:
            return
        self.strip, self.task_id = strip, task.id
        title.update(title_content(task, strip))
        self.query_one("#timeline-strip", Static).update(strip_content(strip))
        self.query_one("#timeline-axis", Static).update(axis_text(strip))
        self.query_one("#timeline-legend", Static).update(legend_content(strip))
