"""The Engineering screen's database pane and alerts line, from a monitor and rule engine fed by hand."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Static

from opstui.clock import FakeClock
from opstui.config.models import Config, PostgresSource
from opstui.core import Core
from opstui.sources.pghealth import NOTE_NOT_INSTALLED, SLOW_COLUMNS, SLOW_STATEMENTS
from opstui.ui.widgets.alerts_line import AlertsLine
from opstui.ui.widgets.database_pane import DatabasePane, figures, seconds, size
from tests.ui.conftest import HEALTHY, QuietCore, feed, make_app

PG_HEALTH = {"name": "shopdb", "type": "postgres", "dsn": "postgresql://app@127.0.0.1:1/shop", "health": True}

PACK = {
    "pg_connections": 42.0,
    "pg_max_connections": 100.0,
    "pg_connections_pct": 42.0,
    "pg_longest_query_s": 200.0,
    "pg_longest_transaction_s": 3.4,
    "pg_waiting_locks": 2.0,
    "pg_cache_hit_ratio": 99.87,
    "pg_database_size_bytes": 1.5 * 1024**3,
}


def db_core(ui_config: Config, clock: FakeClock, tmp_path: Path) -> Core:
    """A quiet core whose config has a postgres source with the health pack (never started: no database)."""
    config = ui_config.model_copy(update={"sources": [PostgresSource.model_validate(PG_HEALTH)]})
    return QuietCore(config, clock, state_path=str(tmp_path / "state.db"))


def pack(core: Core, values: dict[str, float] | None = None) -> None:
    now = core.clock.now()
    for metric, value in (values or PACK).items():
        core.monitor.record(metric, value, now)


def text_of(app: object, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).content)  # type: ignore[attr-defined]


async def test_database_pane_shows_the_health_pack_and_slowest_statements(
    ui_config: Config, clock: FakeClock, tmp_path: Path
) -> None:
    core = db_core(ui_config, clock, tmp_path)
    feed(core)
    pack(core)
    core.monitor.set_table(
        SLOW_STATEMENTS,
        SLOW_COLUMNS,
        [
            ("SELECT * FROM orders WHERE customer_id = $1", 1200, 812.5, 975000.0),
            ("UPDATE stock SET qty = qty - $1 WHERE sku = $2", 300, 45.25, 13575.0),
        ],
    )
    app = make_app(core)
    async with app.run_test(size=(160, 48)) as pilot:
        app.tick()
        await pilot.pause()
        pane = app.screen.query_one(DatabasePane)
        assert not pane.has_class("-compact")
        shown = text_of(app, "#db-figures")
        for part in (
            "connections 42/100 42%",
            "longest query 3m 20s",
            "longest tx 3.4 s",
            "waiting locks 2",
            "cache hit 99.87 %",
            "size 1.5 GB",
        ):
            assert part in shown
        assert "replication lag" not in shown  # no replicas, nothing to say
        statements = pane.query_one("#db-statements", DataTable)
        assert statements.display and statements.row_count == 2
        assert [str(c) for c in statements.get_row_at(0)] == [
            "812.5",
            "1,200",
            "975,000.0",
            "SELECT * FROM orders WHERE customer_id = $1",
        ]
        assert not pane.query_one("#db-note", Static).display


async def test_database_pane_says_why_statements_are_missing(
    ui_config: Config, clock: FakeClock, tmp_path: Path
) -> None:
    core = db_core(ui_config, clock, tmp_path)
    pack(core, {**PACK, "pg_replication_lag_s": 0.4})
    core.monitor.set_table(SLOW_STATEMENTS, SLOW_COLUMNS, [], note=NOTE_NOT_INSTALLED)
    core.monitor.set_metric_error("pg_waiting_locks", "timeout after 5s")
    app = make_app(core)
    async with app.run_test(size=(160, 48)) as pilot:
        app.tick()
        await pilot.pause()
        pane = app.screen.query_one(DatabasePane)
        assert text_of(app, "#db-note") == NOTE_NOT_INSTALLED
        assert not pane.query_one("#db-statements", DataTable).display
        shown = text_of(app, "#db-figures")
        assert "replication lag 0.4 s" in shown
        assert "waiting locks 2!" in shown  # stale: the last read failed
        assert "timeout after 5s" in str(pane.query_one("#db-figures", Static).tooltip)


async def test_database_pane_is_one_line_at_80x24(ui_config: Config, clock: FakeClock, tmp_path: Path) -> None:
    core = db_core(ui_config, clock, tmp_path)
    feed(core)
    pack(core)
    app = make_app(core)
    async with app.run_test(size=(80, 24)) as pilot:
        app.tick()
        await pilot.pause()
        pane = app.screen.query_one(DatabasePane)
        assert pane.has_class("-compact") and pane.size.height == 1
        assert text_of(app, "#db-figures").startswith("DB conn 42/100 42%  query 3m 20s  tx 3.4 s")
        assert not pane.query_one("#db-statements", DataTable).display
        await pilot.resize_terminal(160, 48)
        await pilot.pause()
        assert not pane.has_class("-compact") and pane.size.height > 5


async def test_no_database_pane_without_a_health_source(core: Core) -> None:
    app = make_app(core)
    async with app.run_test(size=(160, 48)) as pilot:
        app.tick()
        await pilot.pause()
        assert not app.screen.query(DatabasePane)


async def test_alerts_line_counts_firing_and_pending(core: Core, clock: FakeClock) -> None:
    feed(core, {**HEALTHY, "error_rate": 6.2})
    core.alerts.evaluate()  # High Error Rate (for 5m) and Elevated Error Rate (for 15m) start pending
    app = make_app(core)
    async with app.run_test(size=(120, 36)) as pilot:
        app.tick()
        await pilot.pause()
        line = app.screen.query_one(AlertsLine)
        assert str(line.content) == "alerts: 2 pending (Elevated Error Rate, High Error Rate)"
        assert not line.has_class("-firing")
        clock.advance(300)
        core.monitor.record("error_rate", 6.4, clock.now())
        core.alerts.evaluate()
        app.tick()
        await pilot.pause()
        assert str(line.content) == "alerts: 1 firing (High Error Rate) · 1 pending (Elevated Error Rate)"
        assert line.has_class("-firing")


async def test_alerts_line_marks_silenced_alerts(core: Core, clock: FakeClock) -> None:
    feed(core, {**HEALTHY, "error_rate": 6.2})
    core.alerts.evaluate()
    app = make_app(core)
    async with app.run_test(size=(120, 36)) as pilot:
        assert core.incidents is not None
        clock.advance(300)
        core.monitor.record("error_rate", 6.4, clock.now())
        await core.incidents.silence('alertname="High Error Rate"', "rollback in progress", duration=3600)
        await core.evaluate_once()  # High Error Rate fires, silenced: no incident, and the line says so
        app.tick()
        await pilot.pause()
        line = app.screen.query_one(AlertsLine)
        assert str(line.content) == "alerts: 1 pending (Elevated Error Rate) · 1 silenced (High Error Rate)"
        assert not line.has_class("-firing")
        assert "firing (silenced): High Error Rate" in str(line.tooltip)
        assert await core.incidents.open_incidents() == []


async def test_a_broken_rule_is_shown_as_a_warning(core: Core) -> None:
    app = make_app(core)
    async with app.run_test(size=(80, 24)) as pilot:
        app.tick()
        await pilot.pause()
        line = app.screen.query_one(AlertsLine)
        assert str(line.content) == "alerts: none firing or pending"
        core.alerts.errors["Queue Backlog"] = "ValueError: unknown function 'rat'"
        app.tick()
        await pilot.pause()
        assert line.has_class("-rule-error")
        assert "⚠ rule 'Queue Backlog' failed: ValueError: unknown function 'rat'" in str(line.content)
        assert "Queue Backlog" in str(line.tooltip)


def test_figures_format_long_durations_and_sizes() -> None:
    assert [seconds(v) for v in (0.42, 12.0, 200.0, 7500.0)] == ["0.4 s", "12 s", "3m 20s", "2h 05m"]
    assert [size(v) for v in (512.0, 812 * 1024**2, 1.5 * 1024**3)] == ["512 B", "812 MB", "1.5 GB"]
    assert [f.text for f in figures({}, {})][:2] == ["—", "—"]


async def test_a_failed_statements_read_is_shown_and_the_pane_stacks_when_narrow(
    ui_config: Config, clock: FakeClock, tmp_path: Path
) -> None:
    core = db_core(ui_config, clock, tmp_path)
    pack(core)
    core.monitor.set_table(SLOW_STATEMENTS, SLOW_COLUMNS, [("SELECT 1", 1, 0.1, 0.1)])
    core.monitor.set_metric_error(SLOW_STATEMENTS, "timeout after 5s")
    app = make_app(core)
    async with app.run_test(size=(100, 40)) as pilot:
        app.tick()
        await pilot.pause()
        pane = app.screen.query_one(DatabasePane)
        note = pane.query_one("#db-note", Static)
        assert str(note.content) == "slowest statements: timeout after 5s" and note.has_class("-error")
        assert pane.query_one("#db-statements", DataTable).row_count == 1  # the last good rows stay
        tail = app.screen.query_one("#event-tail")
        assert pane.region.y > tail.region.y and pane.region.width == tail.region.width  # under the events


async def test_database_figures_older_than_the_sources_stale_after_are_marked_stale(
    ui_config: Config, clock: FakeClock, tmp_path: Path
) -> None:
    core = db_core(ui_config, clock, tmp_path)
    database = core.monitor.sink_for(30.0)  # as the postgres source records: its series go stale after 30 s
    for metric, value in PACK.items():
        database.record(metric, value, clock.now())
    app = make_app(core)
    async with app.run_test(size=(160, 48)) as pilot:
        app.tick()
        await pilot.pause()
        assert "connections 42/100 42%  " in text_of(app, "#db-figures")
        clock.advance(31.0)  # the database went away: no new round for longer than stale_after
        app.tick()
        await pilot.pause()
        shown = text_of(app, "#db-figures")
        assert "connections 42/100 42%!" in shown and "cache hit 99.87 %!" in shown
        tooltip = str(app.screen.query_one("#db-figures", Static).tooltip)
        assert "pg_connections: stale: no new value for 31s" in tooltip
