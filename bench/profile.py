"""Where one refresh's time goes: the cost of each kind of widget's repaint, the tick, and the top functions.

    python -m bench.profile             # 40 refreshes of the Engineering screen at 160x48, every pane changing
    python -m bench.profile --top 15

The same worst case as ``bench.ui``'s "one refresh" (new points for every tile, new source states, a new deploy
event each time), in a fresh interpreter. It prints CPU milliseconds per refresh for the tick (the screen reading
the core) and for each widget class's repaint (``render_lines``), then the functions with the most own
time under ``cProfile`` (which inflates pure-Python code, so read those as shares, not as times). This is the
profile docs/performance.md quotes before and after a change.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from bench.ui import _REFRESH

_CHILD = (
    _REFRESH.replace(
        "N = int(",
        """from collections import defaultdict
import cProfile, pstats, io
from textual.widget import Widget
COST = defaultdict(float)
_render_lines = Widget.render_lines
def _timed(self, crop):
    t = time.process_time()
    try:
        return _render_lines(self, crop)
    finally:
        if MEASURE[0]:
            COST[type(self).__name__] += time.process_time() - t
Widget.render_lines = _timed
TICK = [0.0]
MEASURE = [True]  # the first half of the refreshes is timed without the profiler; the second half is profiled
PROFILE = cProfile.Profile()
TOP = int(__import__("sys").argv[2])
N = int(""",
        1,
    )
    .replace(
        "            app.tick()\n",
        "            MEASURE[0] = i < N // 2\n"
        "            c0 = time.process_time()\n"
        "            if not MEASURE[0]: PROFILE.enable()\n"
        "            app.tick()\n"
        "            TICK[0] += (time.process_time() - c0) if MEASURE[0] else 0.0\n",
    )
    .replace(
        "            await pilot.pause()\n            took",
        "            await pilot.pause()\n            PROFILE.disable()\n            took",
    )
    .replace(
        '        print(json.dumps({"refresh_ms"',
        """        print(f"tick (the screen reads the core): {1000 * TICK[0] / (N // 2):.2f} ms CPU per refresh")
        for name, cost in sorted(COST.items(), key=lambda kv: -kv[1])[:12]:
            print(f"repaint {name}: {1000 * cost / (N // 2):.2f} ms CPU per refresh")
        out = io.StringIO()
        pstats.Stats(PROFILE, stream=out).sort_stats("tottime").print_stats(TOP * 3)
        rows = [r for r in out.getvalue().splitlines() if "/" in r and "{" not in r]
        keep = [r for r in rows if "selectors.py" not in r and "epoll" not in r][:TOP]
        print("top functions by own time under cProfile (ncalls tottime percall cumtime percall where):")
        print("\\n".join(keep))
        print(json.dumps({"refresh_ms\"""",
    )
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.profile", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--refreshes", type=int, default=40)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args(argv)
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(args.refreshes), str(args.top)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if out.returncode != 0:
        print(out.stderr[-2000:], file=sys.stderr)
        return 1
    site = str(__import__("pathlib").Path(sys.prefix))
    print(out.stdout.replace(site, "…"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
