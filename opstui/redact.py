"""Secrets stay secret: the one redaction of passwords and tokens, for every error, header, log and output.

A secret reaches text in three ways, and :func:`redact` handles all three:

- it is known: a DSN's password, a notifier's token, an SMTP password; the caller passes it in ``secrets``
  and every occurrence (raw and URL-decoded, see :func:`dsn_secrets`) becomes ``***``;
- it sits in a URL's user info (``postgresql://shop:s3cret@db/shop``): the password becomes ``***``;
- it is a ``key=value`` whose key sounds secret (``password=``, ``sslpassword=``, ``?token=``, ``api_key=``),
  in a keyword/value DSN, a query string or an error message: the value becomes ``***``.

The command line passes every error and every output through it, the core passes the state store's error
through it before the header shows it, and sources and notifiers pass every server message through it.

:func:`redact_url` and :func:`redact_dsn` build what a screen shows as a source's *target*: a URL without its
user info and secret query values, a DSN without its password; an unparseable one is not echoed at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote_plus, urlsplit, urlunsplit

MASK = "***"

SECRET_WORDS = ("token", "key", "secret", "pass", "pwd", "auth", "sig", "credential", "session")
"""Substrings of a key (case-insensitive) whose value is hidden: ``api_key``, ``X-Amz-Signature``, ``password``."""

MIN_SECRET = 3
"""Known secrets shorter than this are not replaced in free text (replacing every ``a`` would hide the text);
they are still hidden where they stand in a URL or after ``password=``."""

_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^\s/@:]*):([^\s/@]*)@")
"""``scheme://user:password@`` anywhere in a text."""
_WORD = "|".join(SECRET_WORDS)
_KEY_VALUE = re.compile(
    rf"(?i)(?<![\w.-])([\w.-]*(?:{_WORD})[\w.-]*)(\s*=\s*)('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^\s&#'\",;]+)"
)
"""``password=xyz``, ``password = 'a b'``, ``token=abc`` (until a space, ``&``, ``#`` or the end)."""


def _is_secret(key: str) -> bool:
    lowered = unquote_plus(key).lower()
    return any(word in lowered for word in SECRET_WORDS)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every known secret, URL password and secret-sounding ``key=value`` replaced by ``***``."""
    for secret in sorted({s for s in secrets if len(s) >= MIN_SECRET}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _USERINFO.sub(lambda m: f"{m.group(1)}{m.group(2)}:{MASK}@", text)
    return _KEY_VALUE.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)


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


def redact_dsn(dsn: str) -> str:
    """A PostgreSQL DSN safe to show: the password (URL or ``key=value`` form) replaced by ``***``.

    The user name stays (it tells the operator *who* the console connects as); an unparseable URL
    is not echoed at all, as with :func:`redact_url`.
    """
    if "://" in dsn:
        try:
            urlsplit(dsn)
        except ValueError:
            return "(invalid DSN)"
    return redact(dsn, dsn_secrets(dsn))


def dsn_secrets(dsn: str) -> list[str]:
    """The literal secrets in a DSN (its password, raw and URL-decoded), to redact from error text."""
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
    for match in _KEY_VALUE.finditer(dsn):
        value = match.group(3)
        found += [value, value.strip("'\"")]
    return sorted({s for s in found if s}, key=len, reverse=True)
