"""The scrape benchmark runs and reports its figures (the speed itself is measured, not asserted)."""

from __future__ import annotations

from bench.scrape import bench_scrape, make_page
from opstui.sources.exposition import parse_page


def test_bench_scrape_reports_every_figure() -> None:
    figures = bench_scrape(series=2_000, rounds=1)
    assert figures["series"] >= 2_000
    assert figures["bare_ms"] > 0
    assert figures["scrape_ms"] > 0


def test_the_cut_page_keeps_exactly_the_wanted_series() -> None:
    page = parse_page(make_page(2_000), False, {"http_requests_total", "jobs_pending"})
    assert len(page.samples["http_requests_total"]) == 600
    assert page.samples["jobs_pending"] == {(): 7.0}
    assert page.types == {"http_requests_total": "counter", "jobs_pending": "gauge"}


def test_bench_promql_reports_every_figure() -> None:
    from bench.promql import bench_promql

    figures = bench_promql(queries=3, rounds=2)
    assert figures["queries"] == 3
    assert figures["ms_per_refresh"] > 0
    assert figures["cpu_ms_per_refresh"] >= 0
