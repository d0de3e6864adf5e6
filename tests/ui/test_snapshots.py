"""What the Engineering screen looks like at 80x24 and 160x48, with frozen data and a FakeClock.

Regenerate after an intended change with ``pytest tests/ui/test_snapshots.py --snapshot-update``
and look at the SVGs in ``__snapshots__`` before committing them. Textual is pinned exactly in
pyproject.toml because its patch releases can change the rendering.
"""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from opstui.core import Core
from tests.ui.conftest import HEALTHY, feed, make_app


async def settle(pilot: Pilot[Any]) -> None:
    """Draw once from the quiet core (its loops do not run, so nothing changes after this)."""
    await pilot.pause()
    pilot.app.tick()  # type: ignore[attr-defined]
    await pilot.pause()


def test_engineering_80x24(quiet_core: Core, snap_compare: Any) -> None:
    feed(quiet_core, {**HEALTHY, "error_rate": 6.2, "latency_p95": 950.0})
    assert snap_compare(make_app(quiet_core, demo=True), terminal_size=(80, 24), run_before=settle)


def test_engineering_160x48(quiet_core: Core, snap_compare: Any) -> None:
    feed(quiet_core, {**HEALTHY, "error_rate": 6.2, "latency_p95": 950.0})
    quiet_core.unacknowledged = 1
    quiet_core.banner = "P1 High Error Rate: error rate 6.2% > 5% for 5m"
    assert snap_compare(make_app(quiet_core, demo=True), terminal_size=(160, 48), run_before=settle)


def test_engineering_colorblind_120x36(quiet_core: Core, snap_compare: Any) -> None:
    feed(quiet_core)
    assert snap_compare(make_app(quiet_core, theme="opstui-colorblind"), terminal_size=(120, 36), run_before=settle)
