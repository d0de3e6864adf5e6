"""The ``command`` kind: a backup tool's own report, read from its JSON output or its exit status.

The command is an argument list run without a shell, with a timeout (then killed) and a cap on what it may
print (:data:`MAX_OUTPUT`). Its output is hostile like any other input: it is parsed as JSON only, every time
and size passes the source's border, and names pass the one sanitiser before they are shown. The formats:

- ``pgbackrest`` (``pgbackrest info --output=json``): a list of stanzas, each with ``backup: [{label,
  timestamp: {start, stop}, info: {size}}]``; the time is ``timestamp.stop``, the size ``info.size``;
- ``wal-g`` (``wal-g backup-list --json --detail``): ``[{backup_name, finish_time | time, uncompressed_size |
  compressed_size}]``;
- ``restic`` (``restic snapshots --json``): ``[{short_id, time, summary: {total_bytes_processed}}]``;
- ``json``: ``{"time": ..., "size": ..., "name": ...}`` or a list of those (time as unix seconds or ISO 8601);
- ``exit``: no output read; exit status 0 says the last backup is good (a script of your own).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from datetime import UTC, datetime

from opstui.sanitize import clean
from opstui.sources.backup.assess import Backup, LookFailed
from opstui.sources.border import Border

MAX_OUTPUT = 4 * 1_048_576
"""Bytes of standard output read; a report larger than this is refused (the command is then killed)."""
MAX_BACKUPS = 10_000
"""Backups read from one report; the rest are ignored."""
_FRACTION = re.compile(r"(\.\d{6})\d+")


class CommandFailed(LookFailed):
    """The command could not run, timed out, printed too much, exited non-zero or printed no usable report."""


def parse_time(raw: object) -> float | None:
    """Unix seconds from a number or an ISO 8601 text (restic's nanoseconds cut to microseconds); else None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return float(raw)
    if isinstance(raw, str) and len(raw) <= 64:
        text = _FRACTION.sub(r"\1", raw.strip()).replace("Z", "+00:00")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    return None


def _number(raw: object) -> float | None:
    return float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else None


def _dig(node: object, *path: str) -> object:
    for step in path:
        if not isinstance(node, dict):
            return None
        node = node.get(step)
    return node


def _entries(document: object, fmt: str) -> list[tuple[object, object, object]]:
    """(time, size, name) as the report writes them, before any check."""
    items = document if isinstance(document, list) else [document]
    rows: list[tuple[object, object, object]] = []
    if fmt == "pgbackrest":
        for stanza in items:
            backups = _dig(stanza, "backup")
            for backup in backups if isinstance(backups, list) else []:
                rows.append((_dig(backup, "timestamp", "stop"), _dig(backup, "info", "size"), _dig(backup, "label")))
    elif fmt == "wal-g":
        for backup in items:
            when = _dig(backup, "finish_time") or _dig(backup, "time")
            size = _dig(backup, "uncompressed_size") or _dig(backup, "compressed_size")
            rows.append((when, size, _dig(backup, "backup_name")))
    elif fmt == "restic":
        for snapshot in items:
            size = _dig(snapshot, "summary", "total_bytes_processed")
            rows.append((_dig(snapshot, "time"), size, _dig(snapshot, "short_id")))
    else:
        rows = [(_dig(item, "time"), _dig(item, "size"), _dig(item, "name")) for item in items]
    return rows[:MAX_BACKUPS]


def read_report(output: bytes, fmt: str, border: Border, now: float) -> list[Backup]:
    """The backups in a command's JSON ``output``; raises :class:`CommandFailed` when it is not a report."""
    try:
        document = json.loads(output)
    except (ValueError, RecursionError) as exc:
        raise CommandFailed(f"output is not JSON: {str(exc)[:80]}") from None
    found: list[Backup] = []
    for raw_time, raw_size, raw_name in _entries(document, fmt):
        ts = parse_time(raw_time)
        if ts is None:
            border.reject("a backup without a readable time")
            continue
        if border.number(ts, "time") is None:
            continue
        if ts > now + 300.0:
            border.reject("a backup finished in the future")
            continue
        size = _number(raw_size)
        if size is not None and (border.number(size, "size") is None or size < 0):
            continue
        name = clean(raw_name)[:120] if isinstance(raw_name, str) else "backup"
        found.append(Backup(ts=ts, size=size, name=name))
    if not found and fmt == "pgbackrest":
        status = next((_dig(s, "status", "message") for s in (document if isinstance(document, list) else [])), None)
        if isinstance(status, str):
            raise CommandFailed(f"pgbackrest: {clean(status)[:120]}")
    return found


async def _read(stream: asyncio.StreamReader, keep: int, *, drain: bool = False) -> bytes:
    """The first ``keep`` bytes ``stream`` says; with ``drain`` the rest is read (and dropped) until it ends,
    so a chatty command never blocks on a full pipe."""
    kept = bytearray()
    while chunk := await stream.read(65536):
        kept += chunk[: keep - len(kept)]
        if len(kept) >= keep and not drain:
            break
    return bytes(kept)


async def run_command(argv: list[str], time_limit: float) -> tuple[int, bytes, str]:
    """Run ``argv`` (no shell): exit status, standard output (at most :data:`MAX_OUTPUT`), first error line.

    Raises :class:`CommandFailed` when it cannot start, outlives ``time_limit`` (it is killed) or prints too much.
    """
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as exc:
        raise CommandFailed(f"cannot run {clean(argv[0])[:80]}: {exc.strerror or exc}") from None
    assert proc.stdout is not None and proc.stderr is not None
    try:
        async with asyncio.timeout(time_limit):
            output, errors = await asyncio.gather(
                _read(proc.stdout, MAX_OUTPUT + 1), _read(proc.stderr, 4096, drain=True)
            )
            if len(output) > MAX_OUTPUT:
                raise CommandFailed(f"output larger than {MAX_OUTPUT // 1_048_576} MiB")
            status = await proc.wait()
    except TimeoutError:
        raise CommandFailed(f"timed out after {time_limit:g}s") from None
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
    first = errors.decode("utf-8", "replace").strip().splitlines()
    return status, output, clean(first[0])[:200] if first else ""
