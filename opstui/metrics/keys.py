"""Grouping keys for text from outside: a route template from a request path, an error's message shape.

Numbers, ids and hex are what make one error or one endpoint look like a thousand: ``/api/orders/1234`` and
``/api/orders/1235`` are one route, ``timeout after 3012 ms (order 9f8e7d6c)`` and ``timeout after 2988 ms
(order 0a1b2c3d)`` one error. The keys keep everything else as written.
"""

from __future__ import annotations

import re

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_SEGMENT_ID = re.compile(rf"^(?:\d+|{_UUID}|[0-9a-fA-F]{{8,}}|0x[0-9a-fA-F]+)$")
"""A path segment that is an id: digits, a UUID, a long hex string."""
_MESSAGE_IDS = re.compile(rf"{_UUID}|\b0x[0-9a-fA-F]+\b|\b(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{{8,}}\b|\d+(?:\.\d+)?")
"""In a message: UUIDs, 0x-hex, hex runs of 8+ with a digit, and numbers (with decimals)."""

NO_ROUTE = "(no route)"


def route_key(route: str) -> str:
    """``/api/orders/1234?x=1`` -> ``/api/orders/:id``: the query string dropped, id segments replaced."""
    path = route.split("?", 1)[0].split("#", 1)[0]
    if not path:
        return NO_ROUTE
    return "/".join(":id" if _SEGMENT_ID.match(part) else part for part in path.split("/"))


def message_key(message: str) -> str:
    """The shape of an error message: numbers, ids and hex replaced by ``#``, whitespace collapsed."""
    return " ".join(_MESSAGE_IDS.sub("#", message).split())
