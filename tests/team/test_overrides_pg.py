"""Team mode for status page overrides: one console's override reaches the other through the change feed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from opstui.clock import FakeClock
from opstui.config.status_page import StatusPageSettings
from opstui.state.postgres import PostgresState
from opstui.statuspage.derive import derive
from opstui.statuspage.model import ComponentStatus
from opstui.statuspage.overrides import clear_override, set_override
from tests.team.conftest import FEED_DEADLINE
from tests.team.test_shared_state import next_change

MakeState = Callable[..., PostgresState]
COMPONENTS = StatusPageSettings().components


async def test_an_override_set_on_one_console_is_seen_on_the_other(make_state: MakeState, clock: FakeClock) -> None:
    async with make_state() as ana_state, make_state() as ben_state:
        feed = await ben_state.subscribe()
        watching = asyncio.ensure_future(next_change(feed, "component_override"))
        made = await set_override(
            ana_state,
            COMPONENTS,
            "API",
            ComponentStatus.PARTIAL_OUTAGE,
            "AWS eu-west-1 degraded",
            by="ana",
            host="ana-laptop",
            now=clock.now(),
            until=clock.now() + 3600,
        )
        change = await asyncio.wait_for(watching, FEED_DEADLINE)
        assert change.ref == made.id
        (seen,) = await ben_state.component_overrides(clock.now())
        assert (seen.component, seen.status, seen.reason, seen.set_by, seen.until) == (
            "API",
            "partial outage",
            "AWS eu-west-1 degraded",
            "ana",
            clock.now() + 3600,
        )
        api = next(s for s in derive(COMPONENTS, [], overrides=[seen], now=clock.now()) if s.name == "API")
        assert api.status is ComponentStatus.PARTIAL_OUTAGE
        clock.advance(60)
        assert await clear_override(ben_state, COMPONENTS, "api", by="ben", now=clock.now()) == "API"
        assert await ana_state.component_overrides(clock.now()) == []
        await feed.aclose()  # type: ignore[attr-defined]
