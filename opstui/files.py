"""One way to write a document opstui produces (a review, the handoff, the status page): atomically.

The text goes to ``NAME.partial`` beside the target and is renamed over it, so a crash or a full disk
mid-write leaves the previous version whole instead of half a file that looks complete.
"""

from __future__ import annotations

from pathlib import Path


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` by temp file + rename, creating its folder; raises OSError."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
