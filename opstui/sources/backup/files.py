"""The ``files`` kind: every file (or directory) matching a glob is a backup, its mtime when it finished.

A ``pg_dump -Fd`` directory, a pgBackRest or WAL-G repository on disk or a mounted bucket all look like this.
The scan runs in a thread (a network mount can be slow) and is bounded: at most :data:`MAX_MATCHES` entries
of the glob and :data:`MAX_DIR_ENTRIES` files inside a matched directory are looked at. A modification time
in the future cannot be a finished backup: it is refused at the border (counted on the row), never trusted.
"""

from __future__ import annotations

import glob
import itertools
import math
import os
import stat

from opstui.sanitize import clean
from opstui.sources.backup.assess import Backup
from opstui.sources.border import MAX_AHEAD, Border

MAX_MATCHES = 10_000
MAX_DIR_ENTRIES = 10_000


def _size(path: str, info: os.stat_result) -> float:
    """A file's size, or the sum of the regular files directly inside a directory (a ``pg_dump -Fd``)."""
    if not stat.S_ISDIR(info.st_mode):
        return float(info.st_size)
    total = 0
    with os.scandir(path) as entries:
        for entry in itertools.islice(entries, MAX_DIR_ENTRIES):
            if entry.is_file(follow_symlinks=False):
                total += entry.stat(follow_symlinks=False).st_size
    return float(total)


def find_backups(pattern: str, border: Border, now: float) -> list[Backup]:
    """The backups matching ``pattern`` (blocking: call it in a thread); unreadable entries are skipped."""
    found: list[Backup] = []
    for path in itertools.islice(glob.iglob(pattern), MAX_MATCHES):
        try:
            info = os.stat(path)
            size = _size(path, info)
        except OSError:
            continue  # removed between the glob and the stat (a rotation), or not ours to read
        mtime = info.st_mtime
        if not math.isfinite(mtime) or mtime > now + MAX_AHEAD:
            border.reject(f"{clean(os.path.basename(path))[:60]}: modified in the future")
            continue
        checked = border.number(size, "size")
        if checked is None or checked < 0:
            continue
        found.append(Backup(ts=mtime, size=checked, name=os.path.basename(path.rstrip("/"))))
    return found
