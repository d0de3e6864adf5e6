"""PostgreSQL DSNs in both forms libpq accepts, checked once and turned into the URL form asyncpg takes.

``postgresql://user:password@host:5432/db?sslmode=require`` and ``host=db port=5432 user=ops password=x
dbname=ops`` both work. A DSN that cannot work (a port of ``99999`` or ``abc``, another scheme, a keyword
without a value) is a config error naming the key, never a traceback from the driver at the first query,
and no error message ever repeats the DSN: it may carry a password.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit, urlunsplit

_PAIR = re.compile(r"\s*([A-Za-z_]+)\s*=\s*('(?:[^'\\]|\\.)*'|[^\s']*)")
"""``key = value`` or ``key='quoted \\' value'`` of a keyword/value DSN."""

_URL_KEYS = {"host", "port", "user", "password", "dbname"}
"""Keywords that go into the URL's authority and path; the others become query parameters."""


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ValueError("the DSN's port must be a number from 1 to 65535")
    return int(text)


def postgres_url(dsn: str) -> str:
    """``dsn`` as a ``postgresql://`` URL, or :class:`ValueError` saying what is wrong (without the DSN)."""
    dsn = dsn.strip()
    if "://" not in dsn:
        return _from_keywords(dsn)
    try:
        parts = urlsplit(dsn)
        netloc_port = parts.netloc.rpartition("@")[2].rpartition("]")[2]
    except ValueError:
        raise ValueError("the DSN is not a valid URL") from None
    if parts.scheme not in ("postgresql", "postgres"):
        raise ValueError("a DSN URL starts with postgresql://")
    if ":" in netloc_port:
        for port in netloc_port.partition(":")[2].split(","):
            _port(port)
    return dsn


def _from_keywords(dsn: str) -> str:
    values: dict[str, str] = {}
    pos = 0
    while pos < len(dsn):
        match = _PAIR.match(dsn, pos)
        if match is None or not match.group(2):
            raise ValueError("the DSN is neither a postgresql:// URL nor key=value pairs")
        value = match.group(2)
        if value.startswith("'"):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        values[match.group(1).lower()] = value
        pos = match.end()
        while pos < len(dsn) and dsn[pos].isspace():
            pos += 1
    host = values.get("host", "")
    port = f":{_port(values['port'])}" if "port" in values else ""
    user = quote(values.get("user", ""), safe="")
    password = f":{quote(values['password'], safe='')}" if "password" in values else ""
    auth = f"{user}{password}@" if user or password else ""
    netloc = f"{auth}{f'[{host}]' if ':' in host else host}{port}"
    query = "&".join(f"{key}={quote(value, safe='')}" for key, value in values.items() if key not in _URL_KEYS)
    return urlunsplit(("postgresql", netloc, "/" + quote(values.get("dbname", ""), safe=""), query, ""))
