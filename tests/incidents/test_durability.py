"""Nothing the operator does is lost: an acknowledgement shown as done survives ``kill -9``."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from opstui.alerts.model import AlertState
from opstui.clock import FakeClock
from opstui.incidents.manager import IncidentManager
from opstui.incidents.model import IncidentState
from opstui.state import SqliteState
from tests.incidents.conftest import START, alert

REPO = Path(__file__).resolve().parents[2]

# The child acknowledges, says so only after the call has returned, then idles until it is killed:
# it never closes the store, so nothing but the commit itself can have made the write durable.
CHILD = """
import asyncio, sys
from opstui.clock import FakeClock
from opstui.config.incidents import IncidentSettings
from opstui.incidents.manager import IncidentManager
from opstui.state import SqliteState

async def main() -> None:
    state = SqliteState(sys.argv[1], FakeClock(float(sys.argv[3])))
    await state.open()
    manager = IncidentManager(state, FakeClock(float(sys.argv[3])), IncidentSettings(), "carol", "child-host")
    await manager.acknowledge(int(sys.argv[2]))
    print("ACKED", flush=True)
    await asyncio.get_running_loop().create_future()

asyncio.run(main())
"""


async def test_ack_survives_kill_9(
    db_path: Path, clock: FakeClock, manager: IncidentManager, state: SqliteState
) -> None:
    await manager.on_transitions([alert(AlertState.FIRING, START)])
    (incident,) = await manager.open_incidents()
    await state.close()

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CHILD,
        str(db_path),
        str(incident.id),
        str(START + 90),
        stdout=asyncio.subprocess.PIPE,
        cwd=REPO,
        env=env,
    )
    assert child.stdout is not None
    try:
        line = await asyncio.wait_for(child.stdout.readline(), timeout=30)
    finally:
        child.send_signal(signal.SIGKILL)
        await child.wait()
    assert line.strip() == b"ACKED"
    assert child.returncode == -signal.SIGKILL

    async with SqliteState(db_path, clock) as reopened:
        stored = await reopened.get_incident(incident.id)
        timeline = await reopened.events(incident.id)
    assert stored is not None
    assert (stored.state, stored.acknowledged_by, stored.acknowledged_at) == (
        IncidentState.ACKNOWLEDGED,
        "carol",
        START + 90,
    )
    assert (timeline[-1].actor, timeline[-1].host) == ("carol", "child-host")
