from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.notify.servers import Inbox

SMTP_PASSWORD = "hunter2-smtp-secret"


@pytest.fixture
async def inbox() -> AsyncIterator[Inbox]:
    server = Inbox(password=SMTP_PASSWORD)
    await server.start()
    yield server
    await server.stop()
