"""The hostile inputs of issue 11, as data: every test of this folder replays them.

Each one was reproduced against the console before the fix: escape sequences that blank the layout,
overwrite the header, retitle the terminal or write the clipboard; C1 and bidi controls; text that Rich
used to parse as markup; timestamps and numbers that ended the console or silenced a rule.
"""

from __future__ import annotations

import re

ESCAPES: dict[str, str] = {
    "clear screen": "\x1b[2J",
    "fake header": "\x1b[s\x1b[1;1H \u25cf OK all good\x1b[u",
    "retitle": "\x1b]0;owned\x07",
    "clipboard (OSC 52)": "\x1b]52;c;ZWNobyBvd25lZA==\x07",
    "C1 CSI": "\x9b2J",
    "RTL override": "\u202etxt.exe",
    "bell and backspace": "ok\x07\x08\x08",
    "carriage return": "all good\rFAILING",
}
"""Control sequences a terminal obeys, by what they do."""

HOSTILE_TEXT = "pwn " + "".join(ESCAPES.values())
"""All of them in one string: what a hostile source, note or runbook carries."""

MARKUP: tuple[str, ...] = (
    "Disk low [/var]",
    "p95 [ms]",
    "[/]",
    "[link=https://evil.example]click[/link]",
    "[bold red]",
)
"""Text Rich or Textual would parse as markup (and crash on, or swallow)."""

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""A character no screen segment or text output may carry (newline and tab are allowed in text outputs)."""

MS_TS = 1796078701000
"""A millisecond epoch (2026-12-01): a common producer mistake, recognised and converted."""
NEGATIVE_TS = -1e12
YEAR_2100 = 4102444800
YEAR_9999 = 253402214400

SECRET = "pl4nted-S3cret-Zq9"
"""The password planted in every DSN form; no output of any command and no screen may show it."""
