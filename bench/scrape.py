"""Cost of one scrape of a large ``/metrics`` page: parse and fold 10,000 series, beside the bare parser.

A ``scrape`` source parses the whole page with ``prometheus_client``'s parser on the event loop that also
draws the screen, then folds the few series its ``metrics:`` ask for. The bare parser over the same page is
the floor opstui cannot go below; the fold's own cost is the difference.
"""

from __future__ import annotations

import time

from opstui.sources.exposition import Folder, parse_expression, parse_page

_METRICS = {
    "requests_per_s": "rate(http_requests_total)",
    "error_rate": 'ratio(http_requests_total{code=~"5.."}, http_requests_total)',
    "latency_p95": "quantile(0.95, http_request_duration_seconds)",
    "queue": "jobs_pending",
}
_BOUNDS = ("0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf")


def make_page(series: int = 10_000, tick: int = 1) -> str:
    """A text-format page of ``series`` series: request counters by route and code, a histogram by route
    (12 buckets each), a gauge, and filler gauges up to the count, as a large service exposes."""
    lines = ["# TYPE http_requests_total counter"]
    routes = [f"/api/r{n}" for n in range(200)]
    for i, route in enumerate(routes):
        for code in ("200", "404", "500"):
            lines.append(
                f'http_requests_total{{route="{route}",code="{code}"}} {(i + 1) * tick * (3 if code == "200" else 1)}'
            )
    lines.append("# TYPE http_request_duration_seconds histogram")
    for i, route in enumerate(routes):
        for j, bound in enumerate(_BOUNDS):
            lines.append(
                f'http_request_duration_seconds_bucket{{route="{route}",le="{bound}"}} {(j + 1) * (i + 1) * tick}'
            )
        lines.append(f'http_request_duration_seconds_sum{{route="{route}"}} {i * tick}')
        lines.append(f'http_request_duration_seconds_count{{route="{route}"}} {len(_BOUNDS) * (i + 1) * tick}')
    lines.append("# TYPE jobs_pending gauge")
    lines.append("jobs_pending 7")
    lines.append("# TYPE process_filler gauge")
    lines.extend(f'process_filler{{n="{n}"}} {n}' for n in range(max(0, series - (len(lines) - 4))))
    return "\n".join(lines) + "\n"


def bench_scrape(series: int = 10_000, rounds: int = 10) -> dict[str, float]:
    """Milliseconds per page: the bare parser, and opstui's parse + fold of four expressions."""
    from prometheus_client.parser import text_string_to_metric_families

    pages = [make_page(series, tick) for tick in range(1, rounds + 2)]
    folders = [Folder(parse_expression(text)) for text in _METRICS.values()]
    wanted: set[str] = set().union(*(f.expression.sample_names() for f in folders))
    began = time.perf_counter()
    for page in pages[1:]:
        for family in text_string_to_metric_families(page):
            for _ in family.samples:
                pass
    bare = (time.perf_counter() - began) / rounds
    for folder in folders:
        folder.fold(parse_page(pages[0], False, wanted), 0.0)
    began = time.perf_counter()
    for tick, page in enumerate(pages[1:], start=1):
        parsed = parse_page(page, False, wanted)
        for folder in folders:
            values, problem = folder.fold(parsed, float(tick))
            if problem or not values:
                raise RuntimeError(f"{folder.expression}: {problem or 'no value'}")  # a fold that does nothing flatters
    ours = (time.perf_counter() - began) / rounds
    return {"series": float(pages[0].count("\n") - 5), "bare_ms": bare * 1000, "scrape_ms": ours * 1000}


def rows(quick: bool = False, dsn: str | None = None) -> list[tuple[str, str, str]]:
    """The figures for ``bench/run.py``."""
    figures = bench_scrape(rounds=3 if quick else 10)
    how = f"{figures['series']:,.0f}-series text page, 4 expressions (rate, ratio, quantile, gauge)"
    return [
        ("scrape: parse + fold one page", f"{figures['scrape_ms']:.0f} ms", how),
        ("scrape: the bare prometheus_client parser", f"{figures['bare_ms']:.0f} ms", "same page, the floor"),
    ]


if __name__ == "__main__":
    print(bench_scrape())
