"""The Engineering screen shows what the core recorded: tile values and levels, health checks, events."""

from __future__ import annotations

from textual.widgets import Static

from opstui.clock import FakeClock
from opstui.core import Core
from opstui.monitor import LogEntry
from opstui.sources.base import SourceState, SourceStatus
from opstui.sources.events import DeployEvent, ErrorEvent
from opstui.ui.screens.engineering import EngineeringScreen
from opstui.ui.widgets.event_tail import EventTail, newest_first
from opstui.ui.widgets.health_table import HealthTable
from opstui.ui.widgets.kpi_tile import KpiTile
from opstui.ui.widgets.latency_chart import LatencyChart
from opstui.ui.widgets.line_chart import downsample
from opstui.ui.widgets.spark_bars import SparkBars
from tests.ui.conftest import HEALTHY, feed, make_app


def tail_text(app: object) -> str:
    """The event tail's rows as text, one line a row (cells joined by spaces)."""
    table = app.screen.query_one(EventTail).table  # type: ignore[attr-defined]
    return "\n".join(" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count))


def tile(app: object, metric: str) -> KpiTile:
    return app.screen.query_one(f"#kpi-{metric}", KpiTile)  # type: ignore[attr-defined, no-any-return]


async def test_tiles_show_values_and_levels(core: Core) -> None:
    feed(core, {**HEALTHY, "error_rate": 6.2, "latency_p95": 950.0, "queue_length": 120.0})
    app = make_app(core)
    async with app.run_test(size=(160, 48)) as pilot:
        app.tick()
        await pilot.pause()
        assert isinstance(app.screen, EngineeringScreen)
        error_rate = tile(app, "error_rate")
        assert error_rate.has_class("-critical")
        assert str(error_rate.query_one(".kpi-value", Static).content) == "✖ 6.20 %"
        assert error_rate.border_title == "Error rate"
        assert error_rate.border_subtitle == "target < 0.5"
        assert len(error_rate.query_one(SparkBars).data) > 10
        assert tile(app, "latency_p95").has_class("-warning")
        assert tile(app, "queue_length").has_class("-off-target")
        assert tile(app, "payment_success_rate").has_class("-target")
        assert str(tile(app, "payment_success_rate").query_one(".kpi-value", Static).content) == "● 99.10 %"


async def test_tile_without_data_says_so(core: Core) -> None:
    app = make_app(core)
    async with app.run_test(size=(120, 36)) as pilot:
        app.tick()
        await pilot.pause()
        db = tile(app, "db_cpu")
        assert db.has_class("-no-data")
        assert str(db.query_one(".kpi-value", Static).content) == "· —"


async def test_tile_level_follows_new_values(core: Core, clock: FakeClock) -> None:
    feed(core)
    app = make_app(core)
    async with app.run_test(size=(120, 36)) as pilot:
        app.tick()
        await pilot.pause()
        assert tile(app, "error_rate").has_class("-target")
        clock.advance(5)
        core.monitor.record("error_rate", 2.5, clock.now())
        app.tick()
        await pilot.pause()
        assert tile(app, "error_rate").has_class("-warning")
        assert not tile(app, "error_rate").has_class("-target")


async def test_health_table_shows_down_source_and_reason(core: Core, clock: FakeClock) -> None:
    # Without the history, uptime is this session's (tests/ui/test_uptime_days.py: over 30 days from the history).
    core.config = core.config.model_copy(update={"store": core.config.store.model_copy(update={"history": False})})
    feed(core)
    app = make_app(core)
    async with app.run_test(size=(160, 48)) as pilot:
        app.tick()
        await pilot.pause()
        table = app.screen.query_one(HealthTable)
        assert table.row_count == 3
        row = [str(cell) for cell in table.get_row("payments")]
        assert "down" in row[1]
        assert row[2] == "40s"  # down since its last success, 40 s ago
        assert row[7] == "HTTP 503 (expected 200)"
        assert row[5] == "95.6%"
        assert [str(c) for c in table.get_row("api")][2] == "—"  # up: not down
        assert [str(c) for c in table.get_row("api")][6] == "63"
        # Down since grows with the clock, though every retry resets the age of the last check.
        clock.advance(80)
        now = clock.now()
        core.monitor.status_changed(
            SourceStatus(
                "payments",
                "http",
                "x",
                SourceState.UNREACHABLE,
                reason="timeout after 2s",
                since=now - 1,
                last_check=now - 1,
                last_ok=now - 120,
                checks=92,
                ok_checks=86,
            )
        )
        app.tick()
        await pilot.pause()
        row = [str(cell) for cell in table.get_row("payments")]
        assert (row[2], row[4], row[7]) == ("2m", "1s", "timeout after 2s")
        clock.advance(120)
        app.tick()
        await pilot.pause()
        assert [str(cell) for cell in table.get_row("payments")][2] == "4m"
        # It comes back: the row is updated in place, not re-added.
        now = clock.now()
        core.monitor.status_changed(
            SourceStatus(
                "payments", "http", "x", SourceState.UP, last_check=now, latency_ms=90.0, checks=91, ok_checks=87
            )
        )
        app.tick()
        await pilot.pause()
        row = [str(cell) for cell in table.get_row("payments")]
        assert "up" in row[1] and row[7] == "" and row[2] == "—"
        assert table.row_count == 3
        assert "unreachable -> up" in tail_text(app)


async def test_event_tail_shows_deploys_and_errors(core: Core) -> None:
    feed(core)
    app = make_app(core)
    async with app.run_test(size=(120, 36)) as pilot:
        app.tick()
        await pilot.pause()
        text = tail_text(app)
        assert "deployed v1.4.2" in text
        assert "payment gateway 502" in text


async def test_chart_hidden_on_small_terminal(core: Core) -> None:
    feed(core)
    app = make_app(core)
    async with app.run_test(size=(80, 24)) as pilot:
        app.tick()
        await pilot.pause()
        assert not app.screen.query_one(LatencyChart).display or app.screen.query_one(LatencyChart).size.width == 0
        # All seven tiles are still there, in rows of four.
        assert len(app.screen.query(KpiTile)) == 7


def test_downsample_keeps_spikes_and_bounds_points() -> None:
    xs = [float(i) for i in range(1000)]
    ys = [1.0] * 1000
    ys[517] = 99.0
    out_x, out_y = downsample(xs, ys, 50)
    assert len(out_x) == 50 and len(out_y) == 50
    assert max(out_y) == 99.0
    assert out_x[-1] == 999.0
    assert downsample(xs[:10], ys[:10], 50) == (xs[:10], ys[:10])


def test_event_tail_orders_by_time_newest_first() -> None:
    late_deploy = LogEntry(1000.0, "deploy", "deploy", "deployed v2")
    arrived = [
        LogEntry(1002.0, "error", "app", "a"),
        LogEntry(1002.0, "error", "app", "b"),
        late_deploy,
        LogEntry(998.0, "info", "api", "up"),
    ]
    assert [e.message for e in newest_first(arrived, 10)] == ["b", "a", "deployed v2", "up"]
    assert [e.message for e in newest_first(arrived, 2)] == ["b", "a"]
    assert newest_first([], 5) == []


async def test_event_tail_shows_newest_first_and_says_so(core: Core, clock: FakeClock) -> None:
    feed(core)
    now = clock.now()
    core.monitor.ingest([ErrorEvent(now - 20, "error", "late line"), DeployEvent(now - 30, "v1.4.3")])
    app = make_app(core)
    async with app.run_test(size=(120, 36)) as pilot:
        app.tick()
        await pilot.pause()
        tail = app.screen.query_one(EventTail)
        lines = tail_text(app).splitlines()
        assert "late line" in lines[0] and "v1.4.3" in lines[1] and "payment gateway 502" in lines[2]
        assert "newest first" in str(tail.border_title)
