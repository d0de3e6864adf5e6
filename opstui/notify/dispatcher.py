"""Delivering the outbox: retries with backoff, bounded concurrency, and never a second send.

The dispatcher runs as its own task beside the console. Each due item is sent in its own task, at most
``concurrency`` at a time per channel, under a timeout; so a channel that hangs holds up only its own
items, never the console and never the other channels.

Exactly once, as far as the sender can know: an item is marked delivered as soon as its channel returns
(the server answered 2xx, or SMTP accepted the message), and a delivered item is never due again. What
no sender can know is whether a request that timed out reached the server; such an item is retried, and
may then arrive twice.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from opstui.alerts.model import Severity
from opstui.backoff import full_jitter
from opstui.clock import Clock
from opstui.config.durations import format_duration
from opstui.config.notify import PAGE_EVENTS, EmailNotifier, NotifierConfig, SlackNotifier, WebhookNotifier
from opstui.config.people import Person
from opstui.notify.base import Channel, DeliveryError, one_line
from opstui.notify.email import EmailChannel
from opstui.notify.freshness import Verdict, is_superseded, judge
from opstui.notify.outbox import Outbox, OutboxItem
from opstui.notify.people import personal_route
from opstui.notify.slack import SlackChannel
from opstui.notify.webhook import WebhookChannel

log = logging.getLogger(__name__)

GRACE = 1.0
"""Added to a channel's own timeout, so that its own, more precise, reason is normally the one recorded."""


def fan_out(
    payload: Mapping[str, Any], notifiers: Sequence[NotifierConfig], people: Sequence[Person] = ()
) -> list[tuple[str, dict[str, Any]]]:
    """``(notifier name, payload)`` for every notifier that wants this severity and event: one outbox row each.

    A page for a person of ``people`` (the one its ``target`` names) goes to that person's methods for its
    severity instead, and to no other notifier (:func:`~opstui.notify.people.personal_route`). A payload whose
    severity is not P0..P3, or whose event is not one a notifier can choose, goes to every notifier: a
    malformed page is better delivered twice than not at all.
    """
    try:
        severity: Severity | None = Severity(str(payload.get("severity")))
    except ValueError:
        severity = None
    personal = personal_route(payload, people)
    if personal:
        return personal
    event = str(payload.get("event"))
    known = event in PAGE_EVENTS
    return [
        (notifier.name, dict(payload))
        for notifier in notifiers
        if (severity is None or severity in notifier.severities) and (not known or event in notifier.events)
    ]


def build_channels(notifiers: Sequence[NotifierConfig]) -> dict[str, Channel]:
    """One channel per configured notifier, by name."""
    channels: dict[str, Channel] = {}
    for notifier in notifiers:
        channel: Channel
        if isinstance(notifier, WebhookNotifier):
            channel = WebhookChannel(notifier)
        elif isinstance(notifier, SlackNotifier):
            channel = SlackChannel(notifier)
        else:
            assert isinstance(notifier, EmailNotifier)
            channel = EmailChannel(notifier)
        channels[notifier.name] = channel
    return channels


class NotificationDispatcher:
    """Takes due items from an :class:`Outbox` and delivers each through its :class:`Channel`.

    Retries: after the ``attempts``-th failure an item waits :func:`~opstui.backoff.full_jitter` (``base_delay``
    doubling up to ``max_delay``) for its first ``fast_attempts`` attempts, then ``slow_interval`` (5 min)
    between attempts; never less than its channel's timeout, so a slow receiver that is still working on an
    attempt does not get the next one on top of it. An item still failing when older than ``max_age``
    (24 h), or rejected for good (HTTP 404, SMTP 550), is marked failed and stays listed with its reason.
    The first success on a channel makes the channel's other waiting items due at once, and every delivery
    wakes the loop, so a receiver that comes back gets its backlog within one poll interval, each incident's
    pages in order. The dispatcher owns the channels it is given (:meth:`aclose` closes them).
    """

    def __init__(
        self,
        outbox: Outbox,
        channels: Mapping[str, Channel],
        clock: Clock,
        *,
        fast_attempts: int = 10,
        base_delay: float = 5.0,
        max_delay: float = 300.0,
        slow_interval: float = 300.0,
        max_age: float = 86400.0,
        concurrency: int = 4,
        batch: int = 100,
        poll_interval: float = 1.0,
        rng: random.Random | None = None,
    ) -> None:
        self._outbox = outbox
        self._channels = dict(channels)
        self._clock = clock
        self.fast_attempts = fast_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.slow_interval = slow_interval
        self.max_age = max_age
        self._concurrency = concurrency
        self._batch = batch
        self.poll_interval = poll_interval
        self._rng = rng or random.Random()
        self._limits: dict[str, asyncio.Semaphore] = {}
        self._in_flight: dict[int, asyncio.Task[bool]] = {}
        """Items being sent, so that a pass never starts a second send of the same item."""
        self._unrecorded: dict[int, tuple[float, bool]] = {}
        """Items sent whose delivery the outbox failed to record, when and whether superseded: recorded
        again, never re-sent."""
        self._wake = asyncio.Event()
        """Set by a delivery: the next item of that incident (or that channel's backlog) is due now."""

    @property
    def idle(self) -> bool:
        """Nothing being sent and no pass pending: what a test waits for before moving its clock."""
        return not self._in_flight and not self._wake.is_set()

    def backoff(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failure (:func:`~opstui.backoff.full_jitter`)."""
        return full_jitter(attempts, self.base_delay, self.max_delay, self._rng)

    def retry_delay(self, attempts: int, timeout: float) -> float:
        """The wait before the next attempt: fast (backoff) at first, then slow, never under ``timeout``."""
        delay = self.backoff(attempts) if attempts < self.fast_attempts else self.slow_interval
        return max(delay, timeout)

    async def run(self) -> None:
        """Deliver forever, looking for due items every ``poll_interval`` of the clock; cancel to stop."""
        try:
            while True:
                try:
                    await self._start_due()
                except Exception as exc:  # a locked or restarting database is waited out, not a crash
                    log.warning("notification outbox unavailable: %s: %s", type(exc).__name__, one_line(str(exc)))
                await self._pause()
        finally:
            tasks = list(self._in_flight.values())
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def run_once(self) -> int:
        """One pass: send every item due now and wait for the outcomes; return how many were delivered."""
        results = await asyncio.gather(*await self._start_due())
        return sum(results)

    async def aclose(self) -> None:
        """Close every channel's connections."""
        for channel in self._channels.values():
            await channel.aclose()

    async def _pause(self) -> None:
        """Sleep one poll interval of the clock, or less if a delivery made more items due."""
        sleep = asyncio.ensure_future(self._clock.sleep(self.poll_interval))
        woken = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleep, woken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleep.cancel()
            woken.cancel()
            self._wake.clear()

    async def _start_due(self) -> list[asyncio.Task[bool]]:
        items = await self._outbox.due(self._clock.now(), self._batch, self._concurrency)
        started: list[asyncio.Task[bool]] = []
        for item in items:
            if item.id in self._in_flight:
                continue
            if item.id in self._unrecorded:
                at, superseded = self._unrecorded[item.id]
                await self._outbox.mark_delivered(item.id, at, superseded)
                del self._unrecorded[item.id]
                continue
            task = asyncio.create_task(self._deliver(item), name=f"notify-{item.channel}-{item.id}")
            self._in_flight[item.id] = task
            task.add_done_callback(partial(self._finished, item.id))
            started.append(task)
        return started

    def _finished(self, item_id: int, task: asyncio.Task[bool]) -> None:
        self._in_flight.pop(item_id, None)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.warning("notification %d: the outbox failed: %s: %s", item_id, type(exc).__name__, one_line(str(exc)))

    async def _verdict(self, item: OutboxItem) -> Verdict:
        """Render the item from its incident's state now (see :mod:`opstui.notify.freshness`)."""
        payload = {**item.payload, "idempotency_key": item.key}
        if item.incident_id is None:
            return Verdict(payload, superseded=False)
        current = await self._outbox.incident_state(item.incident_id)
        later = await self._outbox.later_events(item) if is_superseded(payload, current) else []
        return judge(payload, current, later)

    async def _deliver(self, item: OutboxItem) -> bool:
        channel = self._channels.get(item.channel)
        if channel is None:
            error = f"no notifier named {item.channel!r} in the config"
            await self._outbox.mark_failed(item.id, error, None, permanent=True)
            return False
        verdict = await self._verdict(item)
        if verdict.payload is None:
            await self._outbox.mark_superseded(item.id, self._clock.now())
            self._wake.set()  # the incident's next page may go now
            return False
        limit = self._limits.setdefault(item.channel, asyncio.Semaphore(self._concurrency))
        permanent = False
        async with limit:
            try:
                async with asyncio.timeout(channel.timeout + GRACE):
                    await channel.send(verdict.payload)
            except DeliveryError as exc:
                error, permanent = str(exc), exc.permanent
            except TimeoutError:
                error = f"timed out after {format_duration(channel.timeout + GRACE)}"
            except Exception as exc:  # a bug in one channel must not stop the deliveries
                # Only the type: an unexpected exception's text may quote a URL or a header.
                error = f"internal error in the {item.channel!r} channel: {type(exc).__name__}"
            else:
                delivered_at = self._clock.now()
                # Remembered first: if recording fails, the next pass records it instead of sending again.
                self._unrecorded[item.id] = (delivered_at, verdict.superseded)
                await self._outbox.mark_delivered(item.id, delivered_at, verdict.superseded)
                del self._unrecorded[item.id]
                self._wake.set()
                return True
        attempts = item.attempts + 1
        now = self._clock.now()
        if not permanent and now - item.created_at >= self.max_age:
            permanent = True
            error = f"{error} (given up: still failing after {format_duration(now - item.created_at)})"
        next_attempt = None if permanent else now + self.retry_delay(attempts, channel.timeout)
        await self._outbox.mark_failed(item.id, error, next_attempt, permanent)
        return False
