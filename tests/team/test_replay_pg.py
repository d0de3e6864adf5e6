"""The replay of the incidents (tests/ui/test_replay_incidents.py) on a PostgreSQL state store: the incidents and
their timelines are read from PostgreSQL, and the metrics from the team's shared history in the same database."""

from __future__ import annotations

from opstui.clock import FakeClock
from opstui.config.incidents import StateSettings
from opstui.core import Core
from opstui.demo.config import demo_config
from opstui.metrics.history_open import shared
from tests.ui.test_replay_incidents import replay_scenario


async def test_p_replays_incidents_from_postgresql(pg_dsn: str, schema: str, clock: FakeClock) -> None:
    demo = demo_config("http://127.0.0.1:9")
    config = demo.model_copy(
        update={
            "environment": "test",
            "sources": [],
            "state": StateSettings(backend="postgres", dsn=pg_dsn, schema=schema, timeout=5.0),
            "store": demo.store.model_copy(update={"history_path": None}),  # the team's history, in PostgreSQL
        }
    )
    assert shared(config.store, config.state)
    core = Core(config, clock)
    await replay_scenario(core, clock)
