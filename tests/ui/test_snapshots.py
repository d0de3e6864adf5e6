"""What the Engineering screen looks like at 80x24 and 160x48, with frozen data and a FakeClock.

Regenerate after an intended change with ``pytest tests/ui/test_snapshots.py --snapshot-update``
and look at the SVGs in ``__snapshots__`` before committing them. Textual is pinned exactly in
pyproject.toml because its patch releases can change the rendering.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from opstui.clock import FakeClock
from opstui.config.models import Config
from opstui.core import Core
from opstui.sources.pghealth import SLOW_COLUMNS, SLOW_STATEMENTS
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


def test_engineering_database_160x48(ui_config: Config, clock: FakeClock, tmp_path: Path, snap_compare: Any) -> None:
    from tests.ui.test_engineering_panes import PACK, db_core, pack

    core = db_core(ui_config, clock, tmp_path)
    feed(core, {**HEALTHY, "error_rate": 6.2})
    pack(core, {**PACK, "pg_replication_lag_s": 0.4})
    core.monitor.set_table(SLOW_STATEMENTS, SLOW_COLUMNS, [
        ("SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC", 1200, 812.5, 975000.0),
        ("UPDATE stock SET qty = qty - $1 WHERE sku = $2", 300, 45.25, 13575.0),
        ("SELECT count(*) FROM sessions", 12, 3.1, 37.2),
    ])
    core.alerts.evaluate()
    core.alerts.errors["Queue Backlog"] = "ValueError: unknown metric function 'rat'"
    assert snap_compare(make_app(core, demo=True), terminal_size=(160, 48), run_before=settle)


def test_engineering_database_80x24(ui_config: Config, clock: FakeClock, tmp_path: Path, snap_compare: Any) -> None:
    from tests.ui.test_engineering_panes import db_core, pack

    core = db_core(ui_config, clock, tmp_path)
    feed(core)
    pack(core)
    assert snap_compare(make_app(core, demo=True), terminal_size=(80, 24), run_before=settle)
