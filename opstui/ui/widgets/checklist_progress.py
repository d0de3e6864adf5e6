"""Progress per checklist group for the current period, and the 48-hour record per group in one line."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, ProgressBar, Static
from textual.widgets._progress_bar import Bar

from opstui.checklist.model import GroupProgress, Outcome, TimelineEntry
from opstui.ui.plain import plain


class GroupBar(Vertical):
    """One group: ``Weekly 3/20`` over a bar; ``First 48 hours: complete`` once its window has closed."""

    def __init__(self, group: str, progress: GroupProgress | None = None) -> None:
        super().__init__(classes="group-bar")
        self.group = group
        self._pending = progress
        """Shown once mounted: a bar is created and filled in the same redraw."""

    def compose(self) -> ComposeResult:
        yield Label(plain(self.group), classes="group-label")
        yield ProgressBar(total=1, show_eta=False, show_percentage=False)

    def on_mount(self) -> None:
        if self._pending is not None:
            self.show(self._pending)

    def on_resize(self) -> None:
        # Textual's Bar rounds its percentage to half cells of the width it has *when the value is set*; a value
        # set before layout keeps the rounding of the old width. Set it again once the new width is known, so the
        # same progress always draws the same cells (the snapshot at 80x24 depends on it).
        self.call_after_refresh(self._round_to_width)

    def _round_to_width(self) -> None:
        if not self.is_attached:
            return
        bar = self.query_one(ProgressBar)
        for inner in bar.query(Bar):
            inner.percentage = bar.percentage

    def show(self, progress: GroupProgress) -> None:
        if not self.is_mounted:
            self._pending = progress
            return
        label = self.query_one(Label)
        if progress.complete:
            text = f"{progress.group} ✓ complete"
        else:
            text = f"{progress.group} {progress.done}/{progress.total}"
            text += f" ✖{progress.overdue}" if progress.overdue else ""
        label.update(text)
        # Bars share the row in proportion to their labels, so "First 48 hours 3/12" is not cut at 80 columns.
        self.styles.width = f"{max(10, len(text)) + 2}fr"
        label.tooltip = progress.label + (f", {progress.overdue} overdue" if progress.overdue else "")
        self.set_class(progress.complete, "-complete")
        self.set_class(progress.overdue > 0 and not progress.complete, "-overdue")
        bar = self.query_one(ProgressBar)
        if progress.complete or progress.total == 0:
            bar.update(total=1, progress=1 if progress.complete else 0)
        else:
            bar.update(total=progress.total, progress=progress.done)


class ChecklistProgress(Horizontal):
    """A bar per group, side by side (groups are few: the built-in list has four)."""

    def show(self, groups: Sequence[GroupProgress]) -> None:
        bars = {bar.group: bar for bar in self.query(GroupBar)}
        if list(bars) != [g.group for g in groups]:
            self.remove_children()
            self.mount_all([GroupBar(g.group, g) for g in groups])
            return
        for group in groups:
            bars[group.group].show(group)


def timeline_text(entries: Sequence[TimelineEntry], group_of: Mapping[str, str] | None = None) -> str:
    """``last 48h  First 48 hours ✓120 ▲5 ✖3 · Daily ✓2 · Weekly —`` (what the handover cares about).

    Per group when ``group_of`` (task id -> group, in screen order) is given; one total otherwise.
    Zero counts are left out so the line fits 80 columns; a group with nothing due yet shows ``—``.
    """
    if not group_of:
        return "last 48h  " + _counts(Counter(entry.outcome for entry in entries))
    by_group: dict[str, Counter[Outcome]] = {group: Counter() for group in group_of.values()}
    for entry in entries:
        group = group_of.get(entry.task_id)
        if group is not None:
            by_group[group][entry.outcome] += 1
    return "last 48h  " + " · ".join(f"{group} {_counts(counts)}" for group, counts in by_group.items())


def _counts(counts: Counter[Outcome]) -> str:
    shown = [f"{glyph}{counts[outcome]}" for outcome, glyph in OUTCOME_GLYPHS if counts[outcome]]
    return " ".join(shown) or "—"


OUTCOME_GLYPHS = (
    (Outcome.ON_TIME, "✓"),
    (Outcome.LATE, "▲"),
    (Outcome.MISSED, "✖"),
    (Outcome.SKIPPED, "↷"),
    (Outcome.OPEN, "○"),
)
"""The same shapes as the timeline strip's legend (``checklist_timeline``)."""


class TimelineLine(Static):
    """The 48-hour record per group, as counts; the strip above shows the selected task, the export all."""
