"""Plausible shop traffic for one stretch of clock time: requests, payments, gauges and log lines.

Everything is drawn from one seedable :class:`random.Random`, so a test with a seed sees the same
stream every run. Arrivals are a Poisson process (exponential gaps), so the events carry realistic
timestamps inside each tick instead of arriving in lockstep. Latencies are log-normal: ``sigma`` is
chosen so that the phase's p50 and p95 come out right (p95 = p50 * e^(1.645 sigma)).
"""

from __future__ import annotations

import math
import random
from typing import Any

from opstui.demo.scenarios import Position

Event = dict[str, Any]

ROUTES: tuple[tuple[str, str, float, float], ...] = (
    # method, route, weight, latency factor (the geometric mean of the factors is about 1)
    ("GET", "/api/products", 26.0, 0.85),
    ("GET", "/api/products/search", 10.0, 1.25),
    ("GET", "/api/categories", 8.0, 0.7),
    ("GET", "/api/auth/session", 11.0, 0.6),
    ("GET", "/api/cart", 14.0, 0.9),
    ("POST", "/api/cart", 8.0, 1.05),
    ("GET", "/api/orders", 6.0, 1.2),
    ("POST", "/api/orders", 4.0, 1.6),
    ("POST", "/api/payments", 4.0, 1.7),
    ("POST", "/api/payments/webhook", 3.0, 0.9),
    ("POST", "/api/auth/login", 6.0, 1.3),
)
_WEIGHTS = [route[2] for route in ROUTES]
PAYMENT_ROUTE = "/api/payments"
LOGIN_ROUTE = "/api/auth/login"
LOGIN_FAILURES = 0.04
"""Share of logins that are wrong passwords (401: a client error, not an error of the shop)."""
PAYMENTS_PER_SECOND = 1.5
Z95 = 1.6448536269514722
"""The standard normal's 95th percentile."""


def requests_per_second(now: float) -> float:
    """Traffic swells and ebbs between ~25 and ~55 requests/s over a five-minute period."""
    return 40.0 + 15.0 * math.sin(2.0 * math.pi * now / 300.0)


class Traffic:
    """Draws the events and gauges of a :class:`Position` from one random generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def _arrivals(self, rate: float, start: float, end: float) -> list[float]:
        """Poisson arrival times in ``[start, end)`` at ``rate`` per second."""
        times: list[float] = []
        if rate <= 0:
            return times
        t = start + self.rng.expovariate(rate)
        while t < end:
            times.append(t)
            t += self.rng.expovariate(rate)
        return times

    def latency_ms(self, position: Position, factor: float = 1.0) -> float:
        """One response time from the phase's log-normal distribution."""
        phase = position.phase
        sigma = math.log(phase.latency_p95_ms / phase.latency_p50_ms) / Z95
        return self.rng.lognormvariate(math.log(phase.latency_p50_ms * factor), sigma)

    def events(self, position: Position, start: float, end: float) -> list[Event]:
        """The request, payment, metric and error events of ``[start, end)``, in time order."""
        out = [self._request(position, ts) for ts in self._arrivals(requests_per_second(start), start, end)]
        out += [self._payment(position, ts) for ts in self._arrivals(PAYMENTS_PER_SECOND, start, end)]
        phase = position.phase
        for ts in self._arrivals(phase.errors_per_min / 60.0, start, end):
            message = self.rng.choice(phase.error_messages)
            out.append({"type": "error", "ts": round(ts, 3), "level": phase.error_level, "message": message})
        for second in range(math.floor(start) + 1, math.floor(end) + 1):  # one gauge reading a second
            value = self.gauges(position)["queue_length"]
            out.append({"type": "metric", "ts": float(second), "name": "queue_length", "value": value})
        out.sort(key=lambda event: event["ts"])
        return out

    def _request(self, position: Position, ts: float) -> Event:
        method, route, _, factor = self.rng.choices(ROUTES, _WEIGHTS)[0]
        phase = position.phase
        status = 200 if method == "GET" else 201
        if self.rng.random() < phase.error_rate:
            status = self.rng.choice(phase.error_statuses)
        elif route == PAYMENT_ROUTE and self.rng.random() > phase.payment_success:
            status = 502 if phase.payments_down else 402  # the provider failing vs a declined card
        elif route == LOGIN_ROUTE and self.rng.random() < LOGIN_FAILURES:
            status = 401
        return {
            "type": "request",
            "ts": round(ts, 3),
            "route": route,
            "method": method,
            "status": status,
            "duration_ms": round(self.latency_ms(position, factor), 1),
        }

    def _payment(self, position: Position, ts: float) -> Event:
        succeeded = self.rng.random() < position.phase.payment_success
        amount = round(self.rng.triangular(20.0, 120.0, 45.0), 2)
        return {
            "type": "payment",
            "ts": round(ts, 3),
            "status": "succeeded" if succeeded else "failed",
            "amount": amount,
        }

    def entry_events(self, position: Position, ts: float) -> list[Event]:
        """What the stream says when a phase begins: its deploy and its announcement, if any."""
        phase = position.phase
        out: list[Event] = []
        if phase.deploy:
            out.append({"type": "deploy", "ts": round(ts, 3), "version": position.fill(phase.deploy)})
        if phase.announce:
            out.append({"type": "error", "ts": round(ts, 3), "level": "info", "message": position.fill(phase.announce)})
        return out

    def gauges(self, position: Position) -> dict[str, float]:
        """Current gauge readings: the phase's eased level plus a little noise, clamped to sense."""
        queue = position.level("queue_pending")
        return {
            "queue_length": max(0, round(queue + self.rng.gauss(0.0, 3.0 + 0.05 * queue))),
            "db_cpu": self._percent(position, "db_cpu", 2.5, 1),
            "db_connections": int(self._percent(position, "db_connections", 2.0, 0)),
            "email_failure_rate": self._percent(position, "email_failure_rate", 0.3, 2),
            "cache_hit_rate": self._percent(position, "cache_hit_rate", 0.8, 1),
        }

    def _percent(self, position: Position, attribute: str, noise: float, digits: int) -> float:
        """A gauge between 0 and 100 (percentages, and connections out of 100), rounded to ``digits``."""
        return round(min(100.0, max(0.0, position.level(attribute) + self.rng.gauss(0.0, noise))), digits)
