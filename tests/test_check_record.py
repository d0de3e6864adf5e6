"""``opstui check --record`` keeps uptime when no console runs, and ``opstui uptime`` counts what it recorded.

Real parts: a real HTTP server on 127.0.0.1 whose ``api`` endpoint is up, then answers 503; ``opstui check
--record`` as two real processes at once in each period, into SQLite and into PostgreSQL; ``opstui uptime``
reading it all back. The windows are judged on a fake clock where the command runs in this process.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import NamedTuple

import asyncpg
import pytest

from opstui.cli import main
from opstui.clock import FakeClock
from opstui.commands.uptime import with_recorded
from opstui.config import Config, load_config_text
from opstui.config.incidents import StateSettings
from opstui.metrics.uptime import DAY, WINDOWS, Uptime
from opstui.state import open_state
from opstui.state.check_results import CheckResult

ROOT = Path(__file__).resolve().parents[1]
PG_DSN = os.environ.get("OPSTUI_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


class Endpoints:
    """``/web`` always answers 200; ``/api`` answers 200 while ``api_up``, else 503."""

    def __init__(self) -> None:
        self.api_up = True
        endpoints = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the standard library's name
                status = 200 if self.path == "/web" or (self.path == "/api" and endpoints.api_up) else 503
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoints() -> Iterator[Endpoints]:
    served = Endpoints()
    yield served
    served.stop()


def config_text(url: str, state: str) -> str:
    return f"""
sources:
  - {{name: web, type: http, url: "{url}/web"}}
  - {{name: api, type: http, url: "{url}/api"}}
{state}
status_page:
  components:
    - {{name: Website, sources: [web]}}
    - {{name: API, sources: [api, web]}}
    - {{name: Email Delivery, rules: [Email Delivery Issues]}}
"""


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The config's ``state:`` block: a SQLite file, or a PostgreSQL schema of the test's own (dropped after)."""
    if request.param == "sqlite":
        yield f"state: {{path: '{tmp_path / 'state.db'}'}}"
        return

    async def admin(statement: str) -> None:
        conn = await asyncpg.connect(PG_DSN, timeout=3)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    try:
        asyncio.run(admin("SELECT 1"))
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        if os.environ.get("OPSTUI_REQUIRE_PG") == "1":
            pytest.fail(f"PostgreSQL required but unreachable at {PG_DSN}: {error}")
        pytest.skip(f"PostgreSQL unreachable at {PG_DSN}: {error}")
    schema = f"opstui_test_{uuid.uuid4().hex[:12]}"
    try:
        yield f"state: {{backend: postgres, dsn: '{PG_DSN}', schema: {schema}}}"
    finally:
        asyncio.run(admin(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


def record_twice_at_once(config: Path) -> None:
    """Two ``opstui check --record`` processes started together (two hosts' cron jobs in the same minute)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "opstui", "check", "--config", str(config), "--record", "--wait", "0s"]
    processes = [
        subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert "not recorded" not in err, err
        assert process.returncode in (0, 2), err  # OK, or CRITICAL while api answers 503


def test_two_processes_record_and_uptime_counts_both(
    endpoints: Endpoints, store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "opstui.yaml"
    config.write_text(config_text(endpoints.url, store))
    record_twice_at_once(config)  # both up
    endpoints.api_up = False
    record_twice_at_once(config)  # api down (503), web up

    assert main(["uptime", "--config", str(config), "--json"]) == 1  # api at 50 % misses 99.9
    doc = json.loads(capsys.readouterr().out)
    checks = {c["source"]: c for c in doc["checks"]}
    assert set(checks) == {"api", "web"}
    assert checks["web"]["uptime_pct"]["24h"] == 100.0 and checks["web"]["verdict"] == "met"
    assert checks["api"]["uptime_pct"]["24h"] == 50.0 and checks["api"]["verdict"] == "missed"
    assert checks["api"]["checks"]["24h"] == checks["api"]["recorded"]["24h"] == 4
    components = {c["source"]: c for c in doc["components"]}
    assert set(components) == {"Website", "API"}, "a component without sources has no recorded uptime"
    assert components["Website"]["uptime_pct"]["30d"] == 100.0 and components["Website"]["checks"]["30d"] == 4
    assert components["API"]["uptime_pct"]["30d"] == 50.0 and components["API"]["checks"]["30d"] == 4

    assert main(["uptime", "--config", str(config)]) == 1
    table = capsys.readouterr().out
    assert "8 of the 8 checks over 30d recorded by 'opstui check --record'" in table
    assert "target >= 99.9 % over 30d: missed by api" in table
    assert "target >= 99.9 % over 30d: missed by API" in table

    if store.startswith("state: {path"):
        with sqlite3.connect(tmp_path / "state.db") as db:
            runs = db.execute(
                "SELECT COUNT(DISTINCT run), COUNT(*), COUNT(DISTINCT host) FROM check_results"
            ).fetchone()
        assert runs == (4, 8, 1), "four runs of two sources, from this host"


class Recorded(NamedTuple):
    """A store with recorded runs, its config, and a console's history of today for api."""

    clock: FakeClock
    settings: StateSettings
    config: Config
    history: Uptime


@pytest.fixture
async def recorded(tmp_path: Path) -> Recorded:
    """Runs 2 days, 6 hours and 1 hour ago (api down in the first two), one 30 days and a minute ago (web down)
    and one past the retention; and a console's 10 checks of api today, 2 bad."""
    clock = FakeClock(1_790_000_000.0)
    settings = StateSettings(path=str(tmp_path / "state.db"))
    now = clock.now()
    state = await open_state(settings, clock)
    try:
        for run, ago, api_up in (("r1", 2 * DAY, False), ("r2", 6 * 3600, False), ("r3", 3600, True)):
            await state.record_checks(
                [
                    CheckResult(run, now - ago, "web", "http", "up", True, 12.0, "", "cron-a"),
                    CheckResult(run, now - ago, "api", "http", "up" if api_up else "down", api_up, 9.0, "", "cron-b"),
                    CheckResult(run, now - ago, "events", "websocket", "up", True, None, "", "cron-a"),
                ]
            )
        # A run older than the retention (400 days) before the newest is pruned when the next is recorded.
        await state.record_checks([CheckResult("r0", now - 401 * DAY, "api", "http", "up", True, 1.0, "", "x")])
        await state.record_checks([CheckResult("r4", now - 30 * DAY - 60, "web", "http", "down", False, 1.0, "", "x")])
    finally:
        await state.close()
    history = Uptime("api")
    history.add("24h", 8.0, 10, now - 20 * 3600, recorded=False)
    config = load_config_text(config_text("http://127.0.0.1:9", f"state: {{path: '{settings.path}'}}"))
    return Recorded(clock, settings, config, history)


async def test_recorded_and_history_checks_per_window_on_a_fake_clock(recorded: Recorded) -> None:
    """The recorded runs added to a console's history."""
    clock, settings, config, history = recorded
    now = clock.now()
    rows, components = await with_recorded(settings, config, now, WINDOWS, [history], clock=clock)
    by_name = {row.source: row for row in rows}
    assert set(by_name) == {"api", "web"}, "only health checks (http) count"
    api, web = by_name["api"], by_name["web"]
    assert (api.good["24h"], api.checks["24h"], api.recorded["24h"]) == (8.0 + 1, 10 + 2, 2)
    assert api.percent("24h") == pytest.approx(100.0 * 9 / 12)
    assert (api.good["7d"], api.checks["7d"]) == (1.0, 3)
    assert api.since == now - 2 * DAY
    assert web.percent("30d") == 100.0 and web.checks["30d"] == 3
    assert web.checks["90d"] == 4 and web.percent("90d") == 75.0
    assert "r0" not in {row.source for row in rows}
    assert api.checks["90d"] == 3, "the 401-day-old run was pruned"
    website, api_component = components
    assert (api_component.source, api_component.good["7d"], api_component.checks["7d"]) == ("API", 1.0, 3)
    assert (website.source, website.good["90d"], website.checks["90d"]) == ("Website", 3.0, 4)


async def test_recorded_runs_inside_maintenance_are_left_out_of_checks_and_components(recorded: Recorded) -> None:
    """The api source under maintenance around the run 6 hours ago: that run counts for neither api nor API."""
    clock, settings, config, history = recorded
    now = clock.now()
    planned = {"api": [(now - 6 * 3600 - 60, now - 6 * 3600 + 60)]}
    rows, components = await with_recorded(settings, config, now, WINDOWS, [history], clock=clock, excluded=planned)
    api, web = rows
    assert (api.source, api.good["24h"], api.checks["24h"], api.recorded["24h"]) == ("api", 8.0 + 1, 10 + 1, 1)
    assert (api.good["7d"], api.checks["7d"]) == (1.0, 2)
    assert api.excluded == {window: 120.0 for window, _ in WINDOWS}
    assert (web.checks["24h"], web.excluded) == (2, {}), "web was not under maintenance"
    website, api_component = components
    assert (api_component.good["7d"], api_component.checks["7d"], api_component.excluded["7d"]) == (1.0, 2, 120.0)
    assert (website.good["90d"], website.checks["90d"], website.excluded) == (3.0, 4, {})


def test_a_store_that_cannot_be_written_is_one_line_and_exit_3(
    endpoints: Endpoints, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The check ran, but cron must hear that its results were not kept: a directory where the file should be."""
    (tmp_path / "state.db").mkdir()
    config = tmp_path / "opstui.yaml"
    config.write_text(config_text(endpoints.url, f"state: {{path: '{tmp_path / 'state.db'}'}}"))
    assert main(["check", "--config", str(config), "--record", "--wait", "0s"]) == 3
    captured = capsys.readouterr()
    assert "opstui check: OK" in captured.out, "the check itself is still printed"
    assert captured.err.count("\n") == 1 and "--record: the results were not recorded" in captured.err
