"""Grouped errors: the same error with other numbers and ids is one group; different errors are not."""

from __future__ import annotations

from opstui.metrics.errors import MAX_GROUPS, ErrorGroups

NOW = 1_790_000_000.0


def test_the_same_error_with_other_ids_is_one_group_with_its_count_and_times() -> None:
    groups = ErrorGroups()
    for i in range(30):
        groups.add(NOW + i, "error", "app", f"timeout after {3000 + i} ms (order {i:08x}-aaaa-bbbb-cccc-{i:012x})")
    groups.add(NOW + 5, "error", "app", "OrderTotalMismatch in POST /api/orders")
    groups.add(NOW + 6, "critical", "app", "timeout after 1 ms (order 00000000-aaaa-bbbb-cccc-000000000000)")
    groups.add(NOW + 7, "error", "api", "timeout after 1 ms (order 00000000-aaaa-bbbb-cccc-000000000000)")
    listed = groups.groups()
    assert [(g.source, g.level, g.count) for g in listed] == [
        ("app", "error", 30),
        ("api", "error", 1),
        ("app", "critical", 1),
        ("app", "error", 1),
    ]
    timeout = listed[0]
    assert (timeout.first, timeout.last) == (NOW, NOW + 29)
    assert timeout.latest == "timeout after 3029 ms (order 0000001d-aaaa-bbbb-cccc-00000000001d)"
    assert timeout.shape == "timeout after # ms (order #)"


def test_late_lines_keep_first_last_and_latest_right() -> None:
    groups = ErrorGroups()
    groups.add(NOW, "error", "app", "boom 1")
    groups.add(NOW - 100, "error", "app", "boom 2")  # arrived late
    [group] = groups.groups()
    assert (group.first, group.last, group.latest, group.count) == (NOW - 100, NOW, "boom 1", 2)


def test_per_minute_trend_and_new_mark() -> None:
    groups = ErrorGroups()
    start = NOW // 60 * 60
    for minute, times in ((0, 3), (2, 1), (4, 5)):
        for _ in range(times):
            group = groups.add(start + 60 * minute + 1, "error", "app", "disk full on /dev/sda1")
    now = start + 4 * 60 + 30
    assert group.trend(now, 5) == [3, 0, 1, 0, 5]
    assert group.recent(now) == 9
    assert group.is_new(now) and not group.is_new(start + 600)
    assert group.recent(start + 40 * 60) == 0  # nothing in the last 15 minutes any more


def test_groups_are_bounded_and_the_stalest_goes_first() -> None:
    groups = ErrorGroups()
    for i in range(MAX_GROUPS + 25):
        groups.add(NOW + i, "error", f"source-{i}", "x")  # distinct sources: distinct groups
    assert len(groups) == MAX_GROUPS
    assert groups.groups()[-1].source == "source-25"


def test_deploys_are_never_grouped() -> None:
    groups = ErrorGroups()
    groups.add(NOW, "deploy", "deploy", "deployed v1.4.2")
    groups.add(NOW + 1, "deploy", "deploy", "deployed v1.4.3")
    assert len(groups) == 2
