"""What the Engineering screen looks like at 80x24 and 160x48, with frozen data and a FakeClock.

Regenerate after an intended change with ``pytest tests/ui/test_snapshots.py --snapshot-update``
and look at the SVGs in ``__snapshots__`` before committing them. Textual is pinned exactly in
pyproject.toml because its patch releases can change the rendering.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from opstui.alerts.model import AlertState, AlertTransition, Severity
from opstui.checklist.board import Checklist, MonitorValues
from opstui.clock import FakeClock
from opstui.config.models import Config
from opstui.core import Core
from opstui.incidents.manager import IncidentManager
from opstui.sources.pghealth import SLOW_COLUMNS, SLOW_STATEMENTS
from opstui.state import open_state
from tests.ui.conftest import HEALTHY, feed, make_app


async def open_state_quietly(core: Core) -> None:
    """What ``Core.start`` does for the state store (incidents, checklist), without starting its loops.

    The operator and host are fixed so the snapshot does not depend on who runs it, or where.
    """
    core.operator = "alice"
    core.state = await open_state(core.state_settings, core.clock)
    core.incidents = IncidentManager(
        core.state,
        core.clock,
        core.config.incidents,
        core.operator,
        host="console-1",
        escalation=core.config.escalation,
    )
    live = MonitorValues(core.monitor, core.clock)
    core.checklist = Checklist.from_config(
        core.config,
        clock=core.clock,
        state=core.state,
        operator=core.operator,
        launch_at=core.monitor.launch_at,
        live=live,
        host="console-1",
    )
    await core.refresh_checklist()


async def settle_workers(pilot: Pilot[Any]) -> None:
    """Redraw, then let the screen's state-store workers finish and the screen repaint (twice: a load can
    start another)."""
    pilot.app.tick()  # type: ignore[attr-defined]
    for _ in range(2):
        for _ in range(5):
            try:
                await pilot.app.workers.wait_for_complete()
                break
            except WorkerCancelled:
                continue  # an exclusive load replaced by a newer one (a tick and a state change at once)
        await pilot.pause()


def firing(rule: str, severity: Severity, at: float, summary: str) -> AlertTransition:
    return AlertTransition(
        rule=rule,
        fingerprint=f"{rule}|",
        state=AlertState.FIRING,
        severity=severity,
        at=at,
        value=6.2,
        summary=summary,
        runbook="high-error-rate",
        metric="error_rate",
    )


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
    core.monitor.set_table(
        SLOW_STATEMENTS,
        SLOW_COLUMNS,
        [
            ("SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC", 1200, 812.5, 975000.0),
            ("UPDATE stock SET qty = qty - $1 WHERE sku = $2", 300, 45.25, 13575.0),
            ("SELECT count(*) FROM sessions", 12, 3.1, 37.2),
        ],
    )
    core.alerts.evaluate()
    core.alerts.errors["Queue Backlog"] = "ValueError: unknown metric function 'rat'"
    assert snap_compare(make_app(core, demo=True), terminal_size=(160, 48), run_before=settle)


def test_engineering_database_80x24(ui_config: Config, clock: FakeClock, tmp_path: Path, snap_compare: Any) -> None:
    from tests.ui.test_engineering_panes import db_core, pack

    core = db_core(ui_config, clock, tmp_path)
    feed(core)
    pack(core)
    assert snap_compare(make_app(core, demo=True), terminal_size=(80, 24), run_before=settle)


def test_checklist_80x24(quiet_core: Core, snap_compare: Any) -> None:
    feed(quiet_core)

    async def run_before(pilot: Pilot[Any]) -> None:
        await open_state_quietly(quiet_core)
        await pilot.press("4")
        await settle_workers(pilot)

    assert snap_compare(make_app(quiet_core), terminal_size=(80, 24), run_before=run_before)


def test_oncall_two_incidents_one_acknowledged_120x36(quiet_core: Core, clock: FakeClock, snap_compare: Any) -> None:
    feed(quiet_core, {**HEALTHY, "error_rate": 6.2})

    async def run_before(pilot: Pilot[Any]) -> None:
        await open_state_quietly(quiet_core)
        incidents = quiet_core.incidents
        assert incidents is not None and quiet_core.state is not None
        now = clock.now()
        await incidents.on_transitions(
            [
                firing("Payment System Down", Severity.P0, now - 600, "Payment success 88.0% and 14 failed in 5m"),
                firing("High Error Rate", Severity.P1, now - 240, "Error rate 6.2% > 5% for 5m"),
            ]
        )
        payment = await quiet_core.state.latest_incident("Payment System Down|")
        assert payment is not None
        await incidents.acknowledge(payment.id)
        quiet_core.unacknowledged = 1
        quiet_core.note_change()
        await pilot.press("2")
        await settle_workers(pilot)

    assert snap_compare(make_app(quiet_core), terminal_size=(120, 36), run_before=run_before)
