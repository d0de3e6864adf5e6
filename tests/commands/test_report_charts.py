"""``opstui report ID`` carries text charts of the incident's metrics from the history on disk."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from opstui.alerts.model import AlertState, AlertTransition, Severity
from opstui.cli import main
from opstui.clock import FakeClock, SystemClock
from opstui.config.incidents import IncidentSettings
from opstui.incidents.manager import IncidentManager
from opstui.metrics.history import History
from opstui.metrics.store import MetricStore
from opstui.metrics.textchart import chart, columns
from opstui.state import SqliteState


def test_a_chart_is_the_mean_of_each_slice_scaled_to_the_span() -> None:
    times = [float(t) for t in range(0, 60)]
    values = [0.0] * 30 + [10.0] * 30
    assert columns(times, values, 0.0, 60.0, 6) == [0.0, 0.0, 0.0, 10.0, 10.0, 10.0]
    bars, ruler = chart(times, values, 0.0, 60.0, {30.0: "o", 59.0: "r"}, width=6)
    assert bars == "▁▁▁███" and ruler == "   o r"
    assert chart([], [], 0.0, 60.0) == []


def open_incident(db: Path, at: float) -> int:
    async def work() -> int:
        clock = SystemClock()
        async with SqliteState(db, clock) as state:
            manager = IncidentManager(state, clock, IncidentSettings(), operator="console")
            await manager.on_transitions(
                [
                    AlertTransition(
                        rule="High Error Rate",
                        fingerprint="High Error Rate|",
                        state=AlertState.FIRING,
                        severity=Severity.P1,
                        at=at,
                        summary="Error rate 9.9% for 5 minutes",
                        metric="error_rate",
                    )
                ]
            )
            latest = await state.latest_incident("High Error Rate|")
            assert latest is not None
            return latest.id

    return asyncio.run(work())


async def write_error_rate(path: Path, end: float) -> None:
    """40 minutes of error_rate ending at ``end``: 0.3 % then 10 % for the last 12 minutes."""
    clock = FakeClock(end - 40 * 60)
    store = MetricStore(clock)
    history = History(path, store, clock, rollup_retention=90 * 86400.0)
    await history.open()
    while clock.now() < end:
        clock.advance(5.0)
        store.record("error_rate", 10.0 if end - clock.now() < 12 * 60 else 0.3)
    await history.close()


def test_report_embeds_the_metrics_around_the_incident(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "state.db"
    now = time.time()
    incident_id = open_incident(db, now - 7 * 60)
    asyncio.run(write_error_rate(tmp_path / "state.history.db", now))
    (tmp_path / "opstui.yaml").write_text("operator: dana\n")
    assert main(["report", str(incident_id), "--config", str(tmp_path / "opstui.yaml"), "--state", str(db)]) == 0
    review = capsys.readouterr().out
    section = review.split("### Metrics around the incident", 1)[1].split("### Root Cause", 1)[0]
    assert "error_rate (min 0.3  max 10  at open 10)" in section
    bars = next(line for line in section.splitlines() if line.startswith("  ") and "▁" in line)
    assert "▁▁▁" in bars and bars.rstrip().split(" ")[-2].endswith("███")  # calm, then the spike up to now
    assert "o" in section.split(bars, 1)[1].splitlines()[1]  # the opening marked under the bars


def test_report_without_history_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "state.db"
    incident_id = open_incident(db, time.time() - 60)
    (tmp_path / "opstui.yaml").write_text("operator: dana\n")
    assert main(["report", str(incident_id), "--config", str(tmp_path / "opstui.yaml"), "--state", str(db)]) == 0
    assert "No history on disk for this incident" in capsys.readouterr().out
