"""The history benchmark runs and reports its figures (the costs themselves are measured, not asserted)."""

from __future__ import annotations

from bench.history import bench_history


def test_bench_history_reports_every_figure() -> None:
    figures = bench_history(metrics=2, flushes=3)
    assert figures["loaded_points"] == 2 * 34_560
    for name in ("read_ms", "floor_read_ms", "flush_cpu_ms", "floor_flush_cpu_ms", "points_mb_per_series_day"):
        assert figures[name] > 0
