"""Make a source's URL safe to show: on screen, in logs, in ``opstui check`` reports.

A config may carry a token as ``https://user:pass@host/`` or ``?token=...``; the health table and
the check report show :attr:`SourceStatus.target`, so it is always built with :func:`redact_url`.
Redaction errs on the side of hiding: any query key that merely *contains* a secret-sounding word
is masked.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus, urlsplit, urlunsplit

MASK = "***"

SECRET_WORDS = ("token", "key", "secret", "pass", "pwd", "auth", "sig", "credential", "session")
"""Substrings of a query key (case-insensitive) whose value is hidden: ``api_key``, ``X-Amz-Signature``."""


def _is_secret(key: str) -> bool:
    lowered = unquote_plus(key).lower()
    return any(word in lowered for word in SECRET_WORDS)


def _redact_pairs(text: str) -> str:
    """Mask the values of secret-sounding keys in ``a=1&token=x``, keeping everything else as written."""
    parts = []
    for part in text.split("&"):
        key, sep, _ = part.partition("=")
        parts.append(f"{key}={MASK}" if sep and _is_secret(key) else part)
    return "&".join(parts)


def redact_url(url: str) -> str:
    """``url`` with user info and secret query (and fragment) values replaced by ``***``.

    An unparseable URL is not echoed at all: it might be a secret pasted in the wrong place.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(invalid URL)"
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rpartition('@')[2]}"
    fragment = _redact_pairs(parts.fragment) if "=" in parts.fragment else parts.fragment
    return urlunsplit((parts.scheme, netloc, parts.path, _redact_pairs(parts.query), fragment))


_KEYWORD_PASSWORD = re.compile(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def redact_dsn(dsn: str) -> str:
    """A PostgreSQL DSN safe to show: the password (URL or ``key=value`` form) replaced by ``***``.

    The user name stays (it tells the operator *who* the console connects as); an unparseable URL
    is not echoed at all, as with :func:`redact_url`.
    """
    if "://" not in dsn:
        return _KEYWORD_PASSWORD.sub(lambda m: m.group(1) + MASK, dsn)
    try:
        parts = urlsplit(dsn)
    except ValueError:
        return "(invalid DSN)"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user = userinfo.partition(":")[0]
        netloc = f"{user}:{MASK}@{hostport}" if ":" in userinfo else f"{user}@{hostport}"
    query = _KEYWORD_PASSWORD.sub(lambda m: m.group(1) + MASK, _redact_pairs(parts.query))
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def dsn_secrets(dsn: str) -> list[str]:
    """The literal secrets in a DSN (its password, raw and URL-decoded), to scrub from error text."""
    found: list[str] = []
    if "://" in dsn:
        try:
            parts = urlsplit(dsn)
        except ValueError:
            return [dsn]
        if parts.password:
            found += [parts.password, unquote_plus(parts.password)]
        for pair in parts.query.split("&"):
            key, sep, value = pair.partition("=")
            if sep and _is_secret(key) and value:
                found += [value, unquote_plus(value)]
    for match in _KEYWORD_PASSWORD.finditer(dsn):
        found.append(match.group(2).strip("'"))
    return sorted({s for s in found if s}, key=len, reverse=True)


def scrub(text: str, secrets: list[str]) -> str:
    """``text`` with every secret replaced by ``***``: a driver error may echo what it was given."""
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text
