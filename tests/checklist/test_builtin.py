"""The built-in list is every recurring task of both seeds, task for task, with the seeds' cadence."""

from __future__ import annotations

import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from opstui.checklist.builtin import FIRST_48H, builtin_tasks
from opstui.checklist.model import Task
from opstui.config import load_config_text
from tests.checklist.conftest import LAUNCH

SEEDS = Path(os.environ.get("OPSTUI_SEEDS_DIR") or Path(__file__).parents[1] / "seeds")
MONITORING = SEEDS / "000_18fedfbd48864aeb.txt"
OPERATIONS = SEEDS / "004_19a426eb0823b278.txt"
SEEDS_MISSING = pytest.mark.skipif(
    not MONITORING.is_file() or not OPERATIONS.is_file(),
    reason=f"seed documents not found in {SEEDS} (set OPSTUI_SEEDS_DIR)",
)

CADENCE_WORDS = {
    "every 5 minutes": 300.0,
    "every 15 minutes": 900.0,
    "every 30 minutes": 1800.0,
    "every hour": 3600.0,
    "every 2 hours": 7200.0,
    "daily": 86400.0,
}


def plain(text: str) -> str:
    return re.sub(r"[*`]", "", text).strip()


def sections(path: Path, level: str) -> dict[str, list[str]]:
    """Heading (at ``level``, e.g. ``##``) -> its lines."""
    out: dict[str, list[str]] = {}
    current = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(level + " "):
            current = line[len(level) + 1 :].strip()
        out.setdefault(current, []).append(line)
    return out


def items(lines: list[str]) -> list[str]:
    return [plain(re.sub(r"^- (\[ \] )?", "", line)) for line in lines if line.startswith("- ")]


def seed_tasks() -> list[tuple[str, str, float]]:
    """(group, title, period) for every recurring task in the two seeds."""
    found: list[tuple[str, str, float]] = []
    monitoring = sections(MONITORING, "##")
    for item in items(monitoring["Real-Time Monitoring (First 48 Hours)"]):
        cadence, _, title = item.partition(": ")
        found.append((FIRST_48H, title, CADENCE_WORDS[cadence.lower()]))
    found += [("Weekly", t, 7 * 86400.0) for t in items(monitoring["Weekly Monitoring Tasks"])]
    found += [("Monthly", t, 30 * 86400.0) for t in items(monitoring["Monthly Monitoring Tasks"])]
    schedule = "\n".join(sections(OPERATIONS, "##")["Maintenance Schedule"])
    for group, period in (("Daily", 86400.0), ("Weekly", 7 * 86400.0), ("Monthly", 30 * 86400.0)):
        block = schedule.split(f"### {group}\n", 1)[1].split("###", 1)[0]
        found += [(group, t, period) for t in items(block.splitlines())]
    return found


def built() -> list[Task]:
    return [Task.from_config(entry, ZoneInfo("UTC"), LAUNCH) for entry in builtin_tasks()]


@SEEDS_MISSING
def test_the_seeds_parse_into_the_expected_number_of_tasks() -> None:
    tasks = seed_tasks()
    assert len(tasks) == 12 + 16 + 12 + 3 + 4 + 5


@SEEDS_MISSING
def test_builtin_list_matches_both_seeds_task_for_task() -> None:
    expected = sorted((group, title) for group, title, _ in seed_tasks())
    actual = sorted((task.group, task.title) for task in built())
    assert actual == expected


@SEEDS_MISSING
def test_builtin_cadences_are_the_seeds() -> None:
    by_title = {task.title: task for task in built()}
    for _, title, period in seed_tasks():
        task = by_title[title]
        if period == 30 * 86400.0:
            assert 28 * 86400 <= task.cadence.period <= 31 * 86400, title
        else:
            assert task.cadence.period == period, title


def test_only_the_first_48_hours_have_a_window() -> None:
    for task in built():
        assert (task.window == 48 * 3600.0) == (task.group == FIRST_48H), task.title


def test_the_example_config_shows_the_builtin_list_whole() -> None:
    """Uncommenting ``checklist:`` in config.example.yaml gives exactly the built-in list."""
    example = Path(__file__).resolve().parents[2] / "config.example.yaml"
    text = example.read_text(encoding="utf-8")
    lines = []
    for line in text[text.index("# checklist:") :].splitlines():
        if not line.startswith("#"):
            break
        lines.append(line[2:])
    assert load_config_text("\n".join(lines)).checklist == builtin_tasks()
