"""The change feed: every write to the shared state has a sequence number, and consoles follow it.

Triggers (migration 2) append ``(seq, kind, ref)`` to the ``changes`` table for every insert or update of an
incident, a timeline event, a silence or a checklist tick; on PostgreSQL they also ``NOTIFY opstui_<schema>``
with ``kind:ref:seq``. A follower (:func:`follow`) remembers the last sequence number it has handed out and,
each time it is woken, reads everything after it. So the notice is only a wake-up call: a notice lost with a
dropped connection costs nothing, because the next read after the reconnection starts from the last seq seen.

On PostgreSQL the wake-up is LISTEN on a dedicated connection (:class:`ListenWakeup`), with a slow safety-net
read in case a notice is lost while the connection still looks healthy; on SQLite it is a poll of the table
on the injected clock (:class:`PollWakeup`), which is what a single file allows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from opstui.clock import Clock

log = logging.getLogger(__name__)

BATCH = 500
"""Most changes read per query: a follower far behind catches up in bounded steps."""
CHANGES_KEPT = 100_000
"""The ``changes`` table keeps the newest this many rows (pruned at open): a console further behind than
that reloads everything anyway, and the table must not grow with every write for months."""
PRUNE_CHANGES = "DELETE FROM changes WHERE seq <= (SELECT COALESCE(MAX(seq), 0) FROM changes) - ?"


@dataclass(frozen=True, slots=True)
class Change:
    """One committed write: ``kind`` is incident, event, silence or tick; ``ref`` the incident / silence /
    tick id (for a timeline event: its incident's id, which is what a screen reloads)."""

    seq: int
    kind: str
    ref: int


class Wakeup(Protocol):
    """What tells a follower that there may be new changes."""

    async def wait(self) -> None:
        """Return when there may be something new (spurious returns are fine)."""
        ...

    async def close(self) -> None: ...


Fetch = Callable[[int, int], Awaitable[list[Change]]]
"""``changes_since(seq, limit)`` of a store."""


async def follow(fetch: Fetch, wakeup: Wakeup, since: int) -> AsyncIterator[Change]:
    """Yield every change after ``since``, in order, forever; closes ``wakeup`` when the caller stops."""
    seq = since
    try:
        while True:
            batch = await fetch(seq, BATCH)
            _stop_if_cancelled()
            for change in batch:
                seq = change.seq
                yield change
            if len(batch) < BATCH:
                _stop_if_cancelled()
                await wakeup.wait()
    finally:
        await wakeup.close()


def _stop_if_cancelled() -> None:
    """Honour a cancellation that ``asyncio.wait_for`` swallowed (Python 3.11 does when the awaited call
    finishes at the moment of cancelling); otherwise the follower would park on the clock and never stop."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


class PollWakeup:
    """SQLite: look again every ``interval`` seconds of the injected clock."""

    def __init__(self, clock: Clock, interval: float = 0.5) -> None:
        self._clock = clock
        self._interval = interval

    async def wait(self) -> None:
        await self._clock.sleep(self._interval)

    async def close(self) -> None:
        return None


class ListenWakeup:
    """PostgreSQL: LISTEN on its own connection; reconnects (with backoff) when the connection drops.

    ``connect`` opens a fresh asyncpg connection. After a reconnection :meth:`wait` returns at once, so the
    follower reads everything committed while it was away. ``safety_net`` (real seconds) bounds how long a
    lost notice could delay a change on a connection that still looks healthy.
    """

    def __init__(
        self,
        connect: Callable[[], Awaitable[Any]],
        channel: str,
        clock: Clock,
        *,
        safety_net: float = 30.0,
        max_backoff: float = 30.0,
    ) -> None:
        self._connect = connect
        self.channel = channel
        self._clock = clock
        self._safety_net = safety_net
        self._max_backoff = max_backoff
        self._conn: Any = None
        self._event = asyncio.Event()
        self.reconnects = 0
        """How many times the listener connection was re-established (shown in tests and logs)."""

    async def start(self) -> None:
        """Connect and LISTEN; raises if the first connection fails (the store reports it)."""
        await self._listen()

    async def _listen(self) -> None:
        conn = await self._connect()
        await conn.add_listener(self.channel, self._notified)
        conn.add_termination_listener(self._terminated)
        self._conn = conn

    def _notified(self, *_: object) -> None:
        self._event.set()

    def _terminated(self, *_: object) -> None:
        self._event.set()

    @property
    def connected(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    async def wait(self) -> None:
        if not self.connected:
            await self._reconnect()
            return  # catch up on whatever was committed while we were away
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), self._safety_net)
        self._event.clear()
        if not self.connected:
            await self._reconnect()

    async def _reconnect(self) -> None:
        await self._drop()
        delay = 0.0
        while True:
            if delay:
                await self._clock.sleep(delay)
            try:
                await self._listen()
            except (OSError, TimeoutError, Exception) as error:  # noqa: BLE001 - any failure: retry later
                delay = min(self._max_backoff, max(0.5, delay * 2))
                log.warning("change feed: reconnecting failed (%s); next try in %gs", _one_line(error), delay)
                continue
            self.reconnects += 1
            log.info("change feed: listener reconnected")
            self._event.clear()
            return

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            try:
                await asyncio.wait_for(conn.close(), 2.0)
            except Exception:  # noqa: BLE001 - a dead connection may not close cleanly
                conn.terminate()

    async def close(self) -> None:
        await self._drop()


def _one_line(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text
