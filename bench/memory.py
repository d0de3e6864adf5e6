"""RSS of the metric store holding 48 h of samples at 5 s for 50 metrics (time-warped fill)."""

from __future__ import annotations

import gc
import json
import subprocess
import sys


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _child(metrics: int, hours: float, resolution: float) -> None:
    import opstui.monitor  # noqa: F401 - the console's whole core, as at start
    from opstui.clock import FakeClock
    from opstui.metrics.store import MetricStore

    gc.collect()
    start_rss = _rss_mb()
    clock = FakeClock(1_790_000_000.0)
    store = MetricStore(clock, retention=hours * 3600, resolution=resolution, max_series=metrics + 10)
    points = int(hours * 3600 / resolution)
    t0 = clock.now()
    for i in range(points):
        ts = t0 + i * resolution
        for m in range(metrics):
            store.record(f"metric_{m}", float(i % 97), ts)
    clock.set(t0 + points * resolution)
    gc.collect()
    print(
        json.dumps(
            {
                "rss_start_mb": start_rss,
                "rss_48h_mb": _rss_mb(),
                "points_per_metric": points,
                "store_mb": store.nbytes() / 2**20,
            }
        )
    )


def bench_memory(metrics: int = 50, hours: float = 48.0, resolution: float = 5.0) -> dict[str, float]:
    """Run the fill in a fresh interpreter so the figure is not polluted by other benchmarks."""
    code = f"from bench.memory import _child; _child({metrics}, {hours}, {resolution})"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


if __name__ == "__main__":
    print(bench_memory())
