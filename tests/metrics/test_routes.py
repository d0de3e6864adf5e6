"""Per-route figures equal an exact computation on the same events; the number of routes is bounded."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opstui.metrics.keys import message_key, route_key
from opstui.metrics.routes import OTHER, RouteWindows
from opstui.sources.events import PaymentEvent, RequestEvent

NOW = 1_790_000_000.0
ROUTES = ("/api/orders", "/api/orders/{}", "/api/payments", "/health", "")


def test_ids_in_a_path_are_one_route() -> None:
    assert route_key("/api/orders/1234") == route_key("/api/orders/98?page=2") == "/api/orders/:id"
    assert route_key("/api/users/550e8400-e29b-41d4-a716-446655440000/cart") == "/api/users/:id/cart"
    assert route_key("/api/products/search") == "/api/products/search"
    assert route_key("") == "(no route)"


def test_the_same_error_with_other_ids_has_one_key_and_different_errors_do_not() -> None:
    a = message_key("timeout after 3012 ms (order 9f8e7d6c-aaaa-bbbb-cccc-0123456789ab)")
    b = message_key("timeout after 28 ms  (order 0a1b2c3d-0000-1111-2222-333344445555)")
    assert a == b == "timeout after # ms (order #)"
    assert message_key("user 42 not found at 0xdeadbeef") == message_key("user 7 not found at 0x1f")
    assert message_key("OrderTotalMismatch in POST /api/orders") != message_key("OrderTotalMismatch in GET /api/orders")
    assert message_key("column products.search_vector does not exist") != message_key("column x does not exist")


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), count=st.integers(1, 400))
def test_per_route_figures_equal_an_exact_computation(seed: int, count: int) -> None:
    rng = random.Random(seed)
    events: list[RequestEvent | PaymentEvent] = []
    for _ in range(count):
        route = rng.choice(ROUTES).format(rng.randrange(10_000))
        status = rng.choice((200, 200, 201, 404, 500, 503))
        events.append(RequestEvent(NOW - rng.uniform(0, 250), status, rng.lognormvariate(4, 1), route, "GET"))
        if rng.random() < 0.1:
            events.append(PaymentEvent(NOW, True, 10.0))
    windows = RouteWindows(window=300.0, max_routes=50)
    windows.observe(events, NOW)
    stats = {r.route: r for r in windows.stats(NOW)}
    exact: dict[str, list[RequestEvent]] = {}
    for e in events:
        if isinstance(e, RequestEvent):
            exact.setdefault(route_key(e.route), []).append(e)
    assert set(stats) == set(exact)
    for route, requests in exact.items():
        got = stats[route]
        failed = sum(e.status >= 500 for e in requests)
        assert (got.requests, got.failed) == (len(requests), failed)
        assert got.error_rate == pytest.approx(100.0 * failed / len(requests))
        latencies = sorted(e.duration_ms for e in requests)
        rank = latencies[math.floor(0.95 * (len(latencies) - 1))]
        assert got.latency_p95 == pytest.approx(rank, rel=0.01)  # the sketch's documented bound


def test_routes_beyond_the_cap_count_as_other_until_one_is_idle_for_a_window() -> None:
    windows = RouteWindows(window=300.0, max_routes=2)
    windows.observe([RequestEvent(NOW, 200, 10.0, f"/r{i}") for i in range(4)], NOW)
    stats = {r.route: r.requests for r in windows.stats(NOW)}
    assert stats == {"/r0": 1, "/r1": 1, OTHER: 2}
    later = NOW + 400.0  # /r0 and /r1 idle for more than the window: a new route takes a place
    windows.observe([RequestEvent(later, 500, 10.0, "/new")], later)
    assert [r.route for r in windows.stats(later)] == ["/new"]
    assert windows.tracked <= 3  # two routes and other, whatever came
