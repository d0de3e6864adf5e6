"""The one sanitiser: text from outside made safe for a terminal, before a widget or a text output shows it.

Text from a source (an event's message, a server's error), a note, a runbook, a config or the state store can
carry bytes a terminal obeys: ``ESC [2J`` blanks the screen, ``ESC ] 52 ;`` writes the operator's clipboard
over SSH, C1 ``0x9b`` is a CSI on its own, and a right-to-left override turns ``exe.txt`` into ``txt.exe``.
:func:`clean` makes every such character *visible* (ESC becomes ``␛``, the other C0 controls their Unicode
control pictures, C1 and bidi controls ``�``): the sequence can no longer act, and the operator still sees
that someone sent one. JSON outputs need nothing from here: ``json.dumps`` escapes every control character.

Markup is the other half: text shown through Textual or Rich is never parsed as markup (``Text``, ``Content``
or ``markup=False``), so ``Disk low [/var]`` shows as written; this module only deals with characters.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TextIO

from opstui.redact import redact

REPLACEMENT = "\ufffd"

_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""Bidirectional controls: marks, embeddings, overrides and isolates (the 'Trojan Source' characters)."""

_TABLE: dict[int, str] = {c: chr(0x2400 + c) for c in range(0x20)}  # C0 -> control pictures (ESC -> ␛)
_TABLE[0x7F] = "\u2421"  # DEL -> ␡
_TABLE.update({c: REPLACEMENT for c in range(0x80, 0xA0)})  # C1 (0x9b is a CSI by itself)
_TABLE.update({ord(c): REPLACEMENT for c in _BIDI})
_TABLE.update({0x2028: " ", 0x2029: " "})  # line / paragraph separators break a row like a newline

_ONE_LINE = {**_TABLE, ord("\n"): " ", ord("\t"): " "}
_MULTI_LINE = {**_TABLE, ord("\n"): "\n", ord("\t"): "\t"}

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029" + _BIDI + "]")
"""Anything :func:`clean` changes; clean text (nearly all of it) is returned as is, without a copy."""


def clean(text: str, *, multiline: bool = False) -> str:
    """``text`` with every control character made visible and harmless.

    ``multiline`` keeps newlines and tabs (a runbook, a note, a report); otherwise they become spaces, since a
    table cell or a header field is one line.
    """
    if _UNSAFE.search(text) is None:
        return text
    return text.translate(_MULTI_LINE if multiline else _ONE_LINE)


def is_clean(text: str, *, multiline: bool = False) -> bool:
    """Whether :func:`clean` would leave ``text`` unchanged (for tests and assertions)."""
    return clean(text, multiline=multiline) == text


class CleanStream:
    """A text stream that passes everything written through :func:`clean` (newlines and tabs kept) and
    :func:`~opstui.redact.redact`.

    The command line writes every output through one of these, so no command (today's or a new one) can print
    raw control sequences from a note, an event or a config to the operator's terminal, or a DSN's password.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(clean(redact(text), multiline=True))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


@contextmanager
def clean_output() -> Iterator[None]:
    """Send ``sys.stdout`` and ``sys.stderr`` through :class:`CleanStream` for the duration."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = CleanStream(out), CleanStream(err)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
