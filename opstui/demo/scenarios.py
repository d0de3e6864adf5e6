"""The demo shop's loop of incidents, as a data table walked on the injected clock.

Why these durations: the console's error rate and latency percentiles are sliding 5-minute windows
(``store.window``), and the seeds' rules need a condition to *hold* for a while. A 10 % error spike
pushes the windowed error rate over 5 % about 150 s after it starts, so "High Error Rate" (``for: 5m``)
fires about 450 s in: the spike lasts 480 s. Slow responses (p95 ~3.6 s) lift the windowed p95 over
2000 ms about 50 s in, so "Slow Response Time" (``for: 10m``) fires about 650 s in: the phase lasts
720 s. The health endpoint is down for 150 s, so "Service Down" (``for: 2m``) fires. A newcomer sees
the first deploy at 60 s and the error-rate tile turn red within the next minute. At the real clock
one loop takes 34 minutes; a time-warped clock (``SystemClock(speed=10)``) shows it in under four.

======  =================  ========  =========================================================
 #      phase              duration  what happens
======  =================  ========  =========================================================
 0      calm               60 s      deploy ``v1.4.{good}`` on entry; ~0.3 % errors, p95 ~400 ms
 1      bad-deploy         480 s     deploy ``v1.4.{bad}``; 10 % of requests 5xx, error events
 2      rollback           120 s     deploy ``v1.4.{good}`` again; back to calm
 3      payment-failures   300 s     80 % payment success, payments health 503, critical errors
 4      calm               60 s
 5      slow-responses     720 s     p50 1.5 s, p95 3.6 s, DB CPU ~92 %, 88 connections, cache 61 %
 6      calm               60 s
 7      outage             150 s     backend answers 503 (health, admin, payments), queue piles up
 8      recovery           90 s      back to calm, the queue drains
======  =================  ========  =========================================================

``{good}`` and ``{bad}`` are patch numbers that move on every loop (2 and 3, then 4 and 5, ...), as
if the team shipped a fix after each rollback.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

CALM_WARNINGS = (
    "Email provider returned 421 (rate limited); message queued for retry",
    "Slow query on GET /api/products: 612 ms (products_category_idx not used)",
    "Stripe webhook retried: evt delivered on second attempt",
    "Cart reservation expired for 3 items; stock released",
)


@dataclass(frozen=True, slots=True)
class Phase:
    """One row of the timeline: how long it lasts and how the shop behaves meanwhile.

    The metric levels (``queue_pending`` ... ``cache_hit_rate``) are where each gauge settles in this
    phase; the shop eases from the previous phase's level towards them so the charts ramp, not jump.
    """

    name: str
    duration: float
    """Seconds of clock time."""
    error_rate: float = 0.003
    """Share of requests answered with a 5xx."""
    error_statuses: tuple[int, ...] = (500, 502, 504)
    latency_p50_ms: float = 120.0
    latency_p95_ms: float = 400.0
    payment_success: float = 0.985
    health_down: bool = False
    """The backend is down: ``/api/*`` health endpoints and ``/admin/login`` answer 503."""
    payments_down: bool = False
    """``/api/payments/health`` answers 503 and failed payments are 502s, not card declines."""
    deploy: str | None = None
    """Version deployed on entry; ``{good}`` / ``{bad}`` are filled per loop."""
    announce: str | None = None
    """An info line for the event tail on entry (same placeholders)."""
    error_level: str = "warning"
    error_messages: tuple[str, ...] = CALM_WARNINGS
    errors_per_min: float = 0.5
    """Rate of ``error`` events drawn from ``error_messages``."""
    queue_pending: float = 20.0
    db_cpu: float = 35.0
    db_connections: float = 30.0
    email_failure_rate: float = 1.2
    cache_hit_rate: float = 94.0


TIMELINE: tuple[Phase, ...] = (
    Phase("calm", 60.0, deploy="v1.4.{good}"),
    Phase(
        "bad-deploy",
        480.0,
        deploy="v1.4.{bad}",
        error_rate=0.10,
        latency_p50_ms=140.0,
        latency_p95_ms=520.0,
        error_level="error",
        errors_per_min=8.0,
        db_connections=46.0,
        queue_pending=60.0,
        error_messages=(
            "TypeError: Cannot read properties of undefined (reading 'variantId') at CartService.addItem",
            "PrismaClientValidationError: Unknown argument `refillInterval` in orders.create",
            "Unhandled promise rejection in POST /api/orders: OrderTotalMismatch",
            "500 on GET /api/products/search: column products.search_vector does not exist",
        ),
    ),
    Phase("rollback", 120.0, deploy="v1.4.{good}", announce="Rolled back v1.4.{bad} -> v1.4.{good}"),
    Phase(
        "payment-failures",
        300.0,
        payment_success=0.80,
        payments_down=True,
        error_level="critical",
        errors_per_min=6.0,
        queue_pending=180.0,
        error_statuses=(502,),
        error_messages=(
            "Stripe API error: 502 Bad Gateway on POST /v1/payment_intents",
            "Stripe webhook signature verification failed (payment_intent.succeeded)",
            "Payment capture timed out after 10000 ms; order left pending",
            "Stripe API error: rate limit exceeded (429) on POST /v1/charges",
        ),
    ),
    Phase("calm", 60.0),
    Phase(
        "slow-responses",
        720.0,
        latency_p50_ms=1500.0,
        latency_p95_ms=3600.0,
        error_rate=0.008,
        error_statuses=(504,),
        errors_per_min=4.0,
        queue_pending=140.0,
        db_cpu=92.0,
        db_connections=88.0,
        email_failure_rate=3.5,
        cache_hit_rate=61.0,
        error_messages=(
            "Slow query: SELECT ... FROM orders JOIN order_items ... took 3412 ms",
            "Connection pool near capacity: 88 of 100 in use",
            "Cache miss storm on product listings: hit rate below 65 %",
            "Request timed out after 5000 ms: GET /api/products/search",
        ),
    ),
    Phase("calm", 60.0),
    Phase(
        "outage",
        150.0,
        health_down=True,
        error_rate=0.92,
        error_statuses=(503,),
        latency_p50_ms=35.0,
        latency_p95_ms=90.0,
        payment_success=0.0,
        payments_down=True,
        error_level="critical",
        errors_per_min=10.0,
        queue_pending=900.0,
        db_cpu=3.0,
        db_connections=0.0,
        email_failure_rate=40.0,
        cache_hit_rate=0.0,
        error_messages=(
            "PrismaClientInitializationError: Can't reach database server at db.internal:5432",
            "Health check failed: database connection lost",
            "Upstream connect error: 503 from api (no healthy hosts)",
        ),
    ),
    Phase("recovery", 90.0, announce="Database failover complete; API back up"),
)


def fill(text: str, cycle: int) -> str:
    """Fill ``{good}`` / ``{bad}`` with loop ``cycle``'s patch numbers (2 and 3, then 4 and 5, ...)."""
    return text.format(good=2 + 2 * cycle, bad=3 + 2 * cycle)


@dataclass(frozen=True, slots=True)
class Position:
    """Where the timeline stands at one instant."""

    phase: Phase
    index: int
    """Row of the timeline."""
    cycle: int
    """How many whole loops have passed (0 for the first)."""
    elapsed: float
    """Seconds since this phase began."""
    previous: Phase
    """The phase before (the last row, for the first), whose levels this one eases away from."""
    version: str
    """The version running now: the latest deploy at or before this row."""

    def fill(self, text: str) -> str:
        """Fill ``{good}`` / ``{bad}`` for this loop."""
        return fill(text, self.cycle)

    def level(self, attribute: str, tau: float = 45.0) -> float:
        """A gauge easing from the previous phase's level to this one's (time constant ``tau`` s)."""
        start: float = getattr(self.previous, attribute)
        end: float = getattr(self.phase, attribute)
        return end + (start - end) * math.exp(-self.elapsed / tau)


class Scenario:
    """Maps clock time to a :class:`Position`; stateless, so HTTP answers and the stream always agree."""

    def __init__(self, started_at: float, timeline: tuple[Phase, ...] = TIMELINE) -> None:
        if not timeline or any(p.duration <= 0 for p in timeline):
            raise ValueError("a timeline needs at least one phase, each with a positive duration")
        self.started_at = started_at
        self.timeline = timeline
        self.cycle_length = sum(p.duration for p in timeline)

    def at(self, now: float) -> Position:
        """The phase running at ``now`` (before the start counts as the start)."""
        cycle, offset = divmod(max(0.0, now - self.started_at), self.cycle_length)
        for index, phase in enumerate(self.timeline):
            if offset < phase.duration:
                return self._position(index, int(cycle), offset)
            offset -= phase.duration
        # Float rounding can leave offset a hair past the last row: that is the end of the last phase.
        last = len(self.timeline) - 1
        return self._position(last, int(cycle), self.timeline[last].duration)

    def _position(self, index: int, cycle: int, elapsed: float) -> Position:
        n = len(self.timeline)
        version = "unknown"
        for back in range(n):  # the latest deploy at or before this row, looking into the last loop
            row = index - back
            deploy = self.timeline[row % n].deploy
            if deploy:
                version = fill(deploy, max(0, cycle if row >= 0 else cycle - 1))
                break
        return Position(self.timeline[index], index, cycle, elapsed, self.timeline[index - 1], version)

    def starts(self) -> list[tuple[float, Phase]]:
        """Each phase of the first loop with its offset from the start (for tests and the docs)."""
        offsets, total = [], 0.0
        for phase in self.timeline:
            offsets.append((total, phase))
            total += phase.duration
        return offsets
