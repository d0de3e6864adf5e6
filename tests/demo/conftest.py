"""Fixtures for the demo shop tests: a shop on a free port, driven by a FakeClock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from opstui.clock import FakeClock
from opstui.demo.shop import DemoShop
from tests.demo.helpers import WAIT


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def shop(clock: FakeClock) -> AsyncIterator[DemoShop]:
    shop = DemoShop(port=0, clock=clock, seed=7)
    await shop.start()
    try:
        yield shop
    finally:
        async with asyncio.timeout(WAIT):
            await shop.stop()
