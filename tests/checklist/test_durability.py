"""A tick shown as done survives ``kill -9``: it is committed before ``tick`` returns."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from opstui.clock import FakeClock
from opstui.state import SqliteState
from opstui.state.protocol import TickKind

REPO = Path(__file__).resolve().parents[2]
LAUNCH = 1_790_000_000.0

# The child ticks through the core, exactly as the screen's space key does, says so only after the call has
# returned, then idles until it is killed: it never closes the store or stops the core.
CHILD = """
import asyncio, sys
from opstui.clock import FakeClock
from opstui.config.models import Config
from opstui.core import Core

async def main() -> None:
    launch = float(sys.argv[2])
    clock = FakeClock(launch + 360)
    config = Config.model_validate({
        "operator": "dana", "alerts": [], "launch_at": launch,
        "checklist": [{"title": "Check the health endpoint", "every": "5m"}],
    })
    core = Core(config, clock, state_path=sys.argv[1])
    await core.start()
    await core.checklist.tick("check-the-health-endpoint", value="api up")
    print("TICKED", flush=True)
    await asyncio.get_running_loop().create_future()

asyncio.run(main())
"""


async def test_tick_survives_kill_9(tmp_path: Path) -> None:
    db_path = tmp_path / "state.db"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD, str(db_path), str(LAUNCH), stdout=asyncio.subprocess.PIPE, cwd=REPO, env=env
    )
    assert child.stdout is not None
    try:
        line = await asyncio.wait_for(child.stdout.readline(), timeout=60)
    finally:
        child.send_signal(signal.SIGKILL)
        await child.wait()
    assert line.strip() == b"TICKED"
    assert child.returncode == -signal.SIGKILL

    async with SqliteState(db_path, FakeClock(LAUNCH + 400)) as reopened:
        tick = await reopened.last_tick("check-the-health-endpoint")
    assert tick is not None
    assert (tick.kind, tick.actor, tick.value, tick.at) == (TickKind.DONE, "dana", "api up", LAUNCH + 360)
