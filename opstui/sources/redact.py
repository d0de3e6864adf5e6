"""Make a source's URL safe to show: on screen, in logs, in ``opstui check`` reports.

A config may carry a token as ``https://user:pass@host/`` or ``?token=...``; the health table and
the check report show :attr:`SourceStatus.target`, so it is always built with :func:`redact_url`.
Redaction errs on the side of hiding: any query key that merely *contains* a secret-sounding word
is masked.
"""

from __future__ import annotations

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
