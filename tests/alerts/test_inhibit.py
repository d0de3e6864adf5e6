"""Inhibition on a fake clock, through a real core and SQLite state: while Service Down fires for a service,
High Error Rate on the same service opens no incident (and says inhibited); on another service it does; when
Service Down stops and the error rate is still high, the incident opens then."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from opstui.clock import FakeClock
from opstui.config import ConfigError
from opstui.config.models import Config
from opstui.core import Core
from opstui.ui.widgets.alerts_line import alert_line
from tests.alerts.conftest import START

CONFIG = {
    "alerts": [
        {"name": "Service Down", "expr": "check_up == 0", "severity": "P0"},
        {"name": "High Error Rate", "expr": "error_rate > 5", "severity": "P1"},
    ],
    "alerting": {
        "interval": "30d",  # turns are driven by evaluate_once()
        "inhibit": [
            {
                "source": 'alertname="Service Down"',
                "target": 'alertname=~"High Error Rate|Slow Response Time"',
                "equal": ["source"],
            }
        ],
    },
    "operator": "alice",
}


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    started = Core(Config.model_validate(CONFIG), FakeClock(START), state_path=str(tmp_path / "state.db"))
    await started.start()
    yield started
    await started.stop()


def record(core: Core, offset: float, metric: str, source: str, value: float) -> None:
    assert isinstance(core.clock, FakeClock)
    core.clock.set(START + offset)
    core.monitor.record(metric, value, core.clock.now(), {"source": source})


async def titles(core: Core) -> list[str]:
    assert core.incidents is not None
    return sorted(i.title for i in await core.incidents.open_incidents())


async def test_inhibited_while_the_source_fires_and_opened_when_it_stops(core: Core) -> None:
    record(core, 0, "check_up", "api", 0.0)
    record(core, 0, "check_up", "web", 1.0)
    record(core, 0, "error_rate", "api", 9.0)
    record(core, 0, "error_rate", "web", 9.0)
    await core.evaluate_once()
    assert await titles(core) == [
        "High Error Rate (source=web)",  # another service: not inhibited
        "Service Down (source=api)",
    ]
    held = 'High Error Rate{source="api"}'
    assert core.inhibited == {held: 'Service Down{source="api"}'}
    states = {(row.rule, dict(row.labels).get("source")): row.state.value for row in core.alerts.overview()}
    assert states[("High Error Rate", "api")] == "firing"  # the engine's state; the view says inhibited
    line = alert_line(core.alerts.alerts(), {}, (), core.inhibited)
    assert "1 inhibited (" + held + ")" in str(line)

    # Still inhibited a turn later: nothing new opens.
    record(core, 30, "check_up", "api", 0.0)
    record(core, 30, "error_rate", "api", 9.5)
    await core.evaluate_once()
    assert len(await titles(core)) == 2

    # api is back up, its error rate still high: the inhibition ends and the incident opens.
    record(core, 60, "check_up", "api", 1.0)
    record(core, 60, "error_rate", "api", 9.5)
    await core.evaluate_once()
    assert core.inhibited == {}
    assert "High Error Rate (source=api)" in await titles(core)


def test_inhibit_rules_are_checked_at_load() -> None:
    bad = {**CONFIG, "alerting": {"inhibit": [{"source": 'alertname=~"("', "target": 'alertname="X"'}]}}
    with pytest.raises((ConfigError, ValueError), match="bad regex"):
        Config.model_validate(bad)
