"""The ingest benchmark runs and reports its figures (the throughput itself is measured, not asserted)."""

from __future__ import annotations

from bench.ingest import bench_ingest


def test_bench_ingest_reports_every_figure() -> None:
    figures = bench_ingest(events=4_000)
    assert figures["events"] == 4_000
    rates = ("parse_events_per_s", "observe_events_per_s", "ingest_events_per_s")
    for name in (*rates, "stats_ms", "stats_max_ms"):
        assert figures[name] > 0
