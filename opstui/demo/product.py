"""What the demo shop's browsers and back office report: web vitals, product events and admin actions.

Page views arrive at :data:`PAGE_VIEWS_PER_SECOND`; each reports the five vitals, derived from the phase's
server latency (a slow backend shows as a slow TTFB, and LCP and FCP follow it), with CLS worst on the
checkout page (needs improvement there). Signups, donations (with amounts and a campaign) and event
registrations arrive as ``business`` events, and a back-office action (a refund, a price change) about once a
minute as an ``audit`` event. Drawn from their own generator, so the request stream of a seed stays as it was.
"""

from __future__ import annotations

import math
import random
from typing import Any

from opstui.demo.scenarios import Position

Event = dict[str, Any]

PAGES: tuple[tuple[str, float, float], ...] = (
    # page, weight, CLS median
    ("/", 30.0, 0.03),
    ("/products", 22.0, 0.05),
    ("/products/{id}", 25.0, 0.04),
    ("/cart", 10.0, 0.06),
    ("/checkout", 6.0, 0.14),
    ("/donate", 4.0, 0.02),
    ("/events/register", 3.0, 0.03),
)
_WEIGHTS = [page[1] for page in PAGES]
PAGE_VIEWS_PER_SECOND = 2.0
BUSINESS: tuple[tuple[str, float], ...] = (("signup", 0.08), ("donation", 0.04), ("registration", 0.03))
"""Product events and their rate per second."""
CAMPAIGNS = ("winter-appeal", "general")
EVENTS = ("cooking-class", "farm-visit")
ADMIN_ACTIONS_PER_SECOND = 1.0 / 60.0
ACTORS = ("ana@rachelfoods", "ben@rachelfoods", "ops-bot")
ACTIONS = (
    ("refund issued", "order {n}"),
    ("product price changed", "product {n}"),
    ("user role changed", "user {n}"),
    ("coupon created", "coupon WINTER{n}"),
    ("order cancelled", "order {n}"),
)


class ProductTraffic:
    """Draws the vitals, product events and admin actions of a stretch of clock time."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def _arrivals(self, rate: float, start: float, end: float) -> list[float]:
        times: list[float] = []
        t = start + self.rng.expovariate(rate)
        while t < end:
            times.append(t)
            t += self.rng.expovariate(rate)
        return times

    def events(self, position: Position, start: float, end: float) -> list[Event]:
        """The ``web_vital``, ``business`` and ``audit`` events of ``[start, end)``."""
        out: list[Event] = []
        for ts in self._arrivals(PAGE_VIEWS_PER_SECOND, start, end):
            out += self._page_view(position, round(ts, 3))
        for name, rate in BUSINESS:
            out += [self._business(name, round(ts, 3)) for ts in self._arrivals(rate, start, end)]
        for ts in self._arrivals(ADMIN_ACTIONS_PER_SECOND, start, end):
            action, subject = self.rng.choice(ACTIONS)
            out.append(
                {
                    "type": "audit",
                    "ts": round(ts, 3),
                    "actor": self.rng.choice(ACTORS),
                    "action": action,
                    "subject": subject.format(n=self.rng.randint(1000, 9999)),
                }
            )
        return out

    def _page_view(self, position: Position, ts: float) -> list[Event]:
        page, _, cls_median = self.rng.choices(PAGES, _WEIGHTS)[0]
        page = page.format(id=self.rng.randint(1, 400))
        server = position.phase.latency_p50_ms
        ttfb = self.rng.lognormvariate(math.log(150.0 + 1.6 * server), 0.35)
        fcp = ttfb + self.rng.lognormvariate(math.log(900.0), 0.3)
        lcp = fcp + self.rng.lognormvariate(math.log(500.0), 0.5)
        inp = self.rng.lognormvariate(math.log(110.0), 0.55)
        cls = self.rng.lognormvariate(math.log(cls_median), 0.8)
        values = {"LCP": lcp, "INP": inp, "CLS": cls, "TTFB": ttfb, "FCP": fcp}
        return [
            {
                "type": "web_vital",
                "ts": ts,
                "name": name,
                "value": round(value, 4 if name == "CLS" else 1),
                "page": page,
            }
            for name, value in values.items()
        ]

    def _business(self, name: str, ts: float) -> Event:
        event: Event = {"type": "business", "ts": ts, "name": name}
        if name == "donation":
            event["value"] = round(self.rng.triangular(5.0, 100.0, 20.0), 2)
            event["labels"] = {"campaign": self.rng.choice(CAMPAIGNS)}
        elif name == "registration":
            event["labels"] = {"event": self.rng.choice(EVENTS)}
        return event
