"""The history benchmark runs and reports its figures (the costs themselves are measured, not asserted)."""

from __future__ import annotations

from bench.history import bench_history, bench_route_latency


def test_bench_history_reports_every_figure() -> None:
    figures = bench_history(metrics=2, flushes=3)
    assert figures["loaded_points"] == 2 * 34_560
    for name in ("read_ms", "floor_read_ms", "flush_cpu_ms", "floor_flush_cpu_ms", "points_mb_per_series_day"):
        assert figures[name] > 0


def test_bench_route_latency_reports_every_figure() -> None:
    figures = bench_route_latency(routes=3, days=1, per_second=3.0)
    assert figures["routes"] == 3
    for name in ("route_kb_per_route_day", "route_blob_kb_per_route_hour", "route_flush_cpu_ms"):
        assert figures[name] > 0
