"""The history file: the metric store's series in SQLite, bounded, so charts, window rules and uptime resume
after a restart. Synchronous; :mod:`opstui.metrics.history` runs it on a thread of its own.

Two tables of fixed-size rows, each a block of little-endian float64 arrays:

- ``points``: the full-resolution points (one per ``store.resolution`` slot, as the store's rings hold them) of
  one series over :data:`CHUNK` seconds: two arrays, times and values. Kept for ``store.retention``.
- ``rollups``: one series over one hour, 60 minutes x (min, max, sum, count) of those points; an empty minute
  has count 0; the hour's own count and sum beside, so totals over 90 days (uptime) are one indexed ``SELECT``.
  Kept for ``store.rollup_retention`` (90 days by default).

Bounds: a series costs ``16 bytes x retention / resolution`` of points (553 KB for 48 h at 5 s) and
``1,920 bytes x hours`` of rollups (4.1 MB for 90 days), plus SQLite's page overhead; rows older than their
retention are deleted once an hour and SQLite reuses their pages, so the file stops growing once both windows
are full. Series are those of the store (``store.max_series`` at most); a series with no row left is dropped.

Crash safety: WAL with ``synchronous=NORMAL``: a committed batch survives ``kill -9`` of the console (only a
power cut may lose the last batches); what the console had not yet flushed (at most ``store.flush_interval``)
is lost.

Damage: a file that fails ``PRAGMA quick_check``, lacks a table or column, or has another format is refused at
open, never written, with one line (:class:`HistoryDamaged`); the console runs on without history.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import sys
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opstui.metrics.history_routes import RouteLatencyTables
from opstui.metrics.history_sql import HOUR, Row, seconds_ceil, seconds_floor
from opstui.metrics.sketch import LatencySketch

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

CHUNK = 300
"""Seconds of full-resolution points in one ``points`` row (60 points at 5 s)."""
MINUTES = 60
FORMAT = "1"
"""The file's layout version, in ``meta``; another value is refused, not guessed at."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS series (
    id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, metric TEXT NOT NULL, labels TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS points (
    series INTEGER NOT NULL, start INTEGER NOT NULL, ts BLOB NOT NULL, vals BLOB NOT NULL, UNIQUE (series, start));
CREATE TABLE IF NOT EXISTS rollups (
    series INTEGER NOT NULL, hour INTEGER NOT NULL, data BLOB NOT NULL,
    count INTEGER NOT NULL, total REAL NOT NULL, UNIQUE (series, hour));
CREATE TABLE IF NOT EXISTS latency (hour INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS route_latency (
    hour INTEGER NOT NULL, route TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (hour, route));
CREATE TABLE IF NOT EXISTS events (ts REAL NOT NULL, level TEXT NOT NULL, source TEXT NOT NULL, message TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_by_time ON events (ts);
"""
MAX_EVENTS = 50_000
"""Event-tail lines kept on record (besides ``store.retention``): the newest; a flood of errors cannot fill a disk."""
MAX_MESSAGE = 2000
"""Characters of a line's message kept on record."""
# ``latency``, ``events`` and ``route_latency`` came after format 1's first files: made when missing (at every
# writable open), never required (a file without them reads as nothing on record), so the format did not change.
# Rowid tables, not WITHOUT ROWID: a row of 1-2 KB would spill out of an index page into overflow pages and
# take 4x its size on disk (measured); in a table page two rollup rows share one 4 KB page.
_COLUMNS = {
    "meta": {"key", "value"},
    "series": {"id", "key", "metric", "labels"},
    "points": {"series", "start", "ts", "vals"},
    "rollups": {"series", "hour", "data", "count", "total"},
}
# An update in place, not INSERT OR REPLACE: a delete and an append leave every page half full (measured 2x).
# The statements below are written once for SQLite and PostgreSQL (``?`` becomes ``$n`` there, see history_pg).
UPSERT_ROLLUP = (
    "INSERT INTO rollups VALUES (?, ?, ?, ?, ?) ON CONFLICT (series, hour)"
    " DO UPDATE SET data = excluded.data, count = excluded.count, total = excluded.total"
)
UPSERT_POINTS = (
    "INSERT INTO points VALUES (?, ?, ?, ?) ON CONFLICT (series, start)"  # noqa: ISC003 - one statement
    + " DO UPDATE SET ts = excluded.ts, vals = excluded.vals"
)
UPSERT_LATENCY = "INSERT INTO latency VALUES (?, ?) ON CONFLICT (hour) DO UPDATE SET data = excluded.data"
_DAMAGE = ("not a database", "malformed", "corrupt", "disk image")


class HistoryError(Exception):
    """The history file cannot be used; the message is one line for the operator."""


class HistoryDamaged(HistoryError):
    """The file fails its integrity, schema or format check: refused, never written."""

    def __init__(self, where: Path | str, detail: str) -> None:
        super().__init__(
            f"history {where} is damaged or not an opstui history ({detail}); not used or changed, the console "
            f"runs without history: move it aside to start a new one"
        )


def _to_bytes(values: array[float]) -> bytes:
    if sys.byteorder == "big":  # the file is little-endian wherever it was written
        values = array("d", values)
        values.byteswap()
    return values.tobytes()


def _from_bytes(blob: bytes) -> array[float]:
    values = array("d")
    values.frombytes(blob)
    if sys.byteorder == "big":
        values.byteswap()
    return values


@dataclass(slots=True)
class SeriesWrite:
    """What one flush writes for one series: whole chunks of points and whole hours to roll up, both taken
    from the store's ring, so a rewrite is idempotent (a late correction inside a chunk is written too)."""

    key: str
    metric: str
    labels: dict[str, str]
    chunks: list[tuple[int, array[float], array[float]]] = field(default_factory=list)
    """(chunk start, times, values): every point of the ring in ``[start, start + CHUNK)``."""
    hours: list[tuple[int, int, array[float], array[float]]] = field(default_factory=list)
    """(hour start, first minute, times, values): the ring's points from that minute to the hour's end; the
    rollup's minutes from ``first minute`` on are replaced by theirs, the earlier ones kept as written."""


@dataclass(frozen=True, slots=True)
class Rollup:
    """One minute of one series: the aggregates of its full-resolution points."""

    minute: int
    """Unix seconds of the minute's start."""
    min: float
    max: float
    sum: float
    count: int


def empty_hour() -> array[float]:
    """60 x (min, max, sum, count) with every minute empty."""
    return array("d", [math.nan, math.nan, 0.0, 0.0] * MINUTES)


def rollup_hour(
    hour: int, times: array[float], values: array[float], into: array[float] | None = None, first: int | None = None
) -> array[float]:
    """60 x (min, max, sum, count) of the points in ``[hour, hour + 3600)``; empty minutes have count 0.

    With ``into`` (an hour as written) and ``first`` (a minute's start): the minutes from ``first`` on are
    rolled up anew from the points, the earlier ones kept.
    """
    out = empty_hour() if into is None else array("d", into)
    if first is not None:
        for i in range(4 * max(0, int((first - hour) // 60)), 4 * MINUTES, 4):
            out[i : i + 4] = array("d", (math.nan, math.nan, 0.0, 0.0))
    for t, v in zip(times, values, strict=False):
        m = int((t - hour) // 60)
        if not 0 <= m < MINUTES:
            continue
        i = 4 * m
        if out[i + 3] == 0.0:
            out[i] = out[i + 1] = v
        else:
            out[i] = min(out[i], v)
            out[i + 1] = max(out[i + 1], v)
        out[i + 2] += v
        out[i + 3] += 1.0
    return out


class HistoryTables(RouteLatencyTables):
    """The history's tables and every read and write of them, in SQL both SQLite and PostgreSQL take.

    A backend gives a connection (:class:`~opstui.metrics.history_sql.HistoryConnection`: five calls, the
    writer's lock and a close); everything else is here, once, with the per-route latency hours in
    :mod:`~opstui.metrics.history_routes`: :class:`HistoryFile` (a SQLite file, one host) and
    :class:`~opstui.metrics.history_pg.SharedHistory` (the team's PostgreSQL) differ only in the connection.
    """

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}

    # -- writing --------------------------------------------------------------------------------------------
    def write(self, batch: list[SeriesWrite]) -> None:
        """One transaction: every chunk and hour of the batch, or nothing (a crash mid-way keeps the last batch).

        A handful of statements whatever the number of series: every chunk in one batch, the rollups on record
        read once per hour the batch touches (one hour, in steady running), every rollup in one batch. Per series
        that was three round trips to PostgreSQL a flush (measured, 50 series on a local server: 19 ms of wall time
        before, 5.4 ms now; docs/history.md)."""
        self._begin()
        try:
            ids = [self._series_id(item) for item in batch]
            self._many(
                UPSERT_POINTS,
                [
                    (sid, start, _to_bytes(ts), _to_bytes(vals))
                    for sid, item in zip(ids, batch, strict=True)
                    for start, ts, vals in item.chunks
                ],
            )
            written: dict[tuple[int, int], bytes] = {}
            for hour in sorted({hour for item in batch for hour, *_ in item.hours}):
                for sid, blob in self._rows("SELECT series, data FROM rollups WHERE hour = ?", hour):
                    written[(int(sid), hour)] = bytes(blob)
            rollups: list[Row] = []
            for sid, item in zip(ids, batch, strict=True):
                for hour, first, ts, vals in item.hours:
                    blob = written.get((sid, hour))
                    new = rollup_hour(hour, ts, vals, None if blob is None else _from_bytes(blob), first)
                    count = int(sum(new[3::4]))
                    total = math.fsum(new[i + 2] for i in range(0, 4 * MINUTES, 4) if new[i + 3])
                    rollups.append((sid, hour, _to_bytes(new), count, total))
            self._many(UPSERT_ROLLUP, rollups)
            self._exec("COMMIT")
        except BaseException:
            self._exec("ROLLBACK")
            raise

    def write_latency(self, hours: dict[int, LatencySketch]) -> None:
        """Merge each hour's request latencies into the hour's sketch on record (one transaction)."""
        if not hours:
            return
        self._begin()
        try:
            for hour, sketch in sorted(hours.items()):
                row = self._row("SELECT data FROM latency WHERE hour = ?", hour)
                merged = LatencySketch.from_bytes(bytes(row[0])) if row is not None else LatencySketch()
                merged.merge(sketch)
                self._exec(UPSERT_LATENCY, hour, merged.to_bytes())
            self._exec("COMMIT")
        except BaseException:
            self._exec("ROLLBACK")
            raise

    def write_events(self, entries: list[tuple[float, str, str, str]]) -> None:
        """Append event-tail lines (time, level, source, message) in one transaction."""
        if not entries:
            return
        self._begin()
        try:
            self._many(
                "INSERT INTO events VALUES (?, ?, ?, ?)",
                [
                    (float(ts), level[:20], source[:200], message[:MAX_MESSAGE])
                    for ts, level, source, message in entries
                ],
            )
            self._exec("COMMIT")
        except BaseException:
            self._exec("ROLLBACK")
            raise

    def events(self, since: float, until: float = math.inf) -> list[tuple[float, str, str, str]]:
        """The event-tail lines with ``since <= ts < until``, oldest first (none from a file older than the table)."""
        try:
            rows = self._rows(
                "SELECT ts, level, source, message FROM events WHERE ts >= ? AND ts < ? ORDER BY ts",
                float(since),
                float(min(until, 1e300)),
            )
        except Exception as error:  # noqa: BLE001 - a read-only file older than the table: nothing on record
            if "events" in str(error):
                return []
            raise
        return [(float(ts), str(level), str(source), str(message)) for ts, level, source, message in rows]

    def latency(self, since: float, until: float = math.inf) -> LatencySketch:
        """The request latencies of the hours that start in ``[since's hour, until)``, merged: their percentiles
        over days are this sketch's (within its 1 % bound). Empty when none is on record."""
        merged = LatencySketch()
        try:
            rows = self._rows(
                "SELECT data FROM latency WHERE hour >= ? AND hour < ? ORDER BY hour",
                int(since // HOUR * HOUR),
                seconds_ceil(until),
            )
        except Exception as error:  # noqa: BLE001 - a read-only file older than the table: nothing on record
            if "latency" in str(error):
                return merged
            raise
        for (blob,) in rows:
            merged.merge(LatencySketch.from_bytes(bytes(blob)))
        return merged

    def _series_id(self, item: SeriesWrite) -> int:
        sid = self._ids.get(item.key)
        if sid is None:
            labels = json.dumps(item.labels, sort_keys=True)
            self._exec(
                "INSERT INTO series (key, metric, labels) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
                item.key,
                item.metric,
                labels,
            )
            row = self._row("SELECT id FROM series WHERE key = ?", item.key)
            assert row is not None
            sid = self._ids[item.key] = int(row[0])
        return sid

    def prune(self, now: float, retention: float, rollup_retention: float) -> None:
        """Delete the rows wholly older than their retention, and the series left with none."""
        self._begin()
        try:
            self._exec("DELETE FROM points WHERE start + ? <= ?", CHUNK, seconds_floor(now - retention))
            self._exec("DELETE FROM rollups WHERE hour + ? <= ?", HOUR, seconds_floor(now - rollup_retention))
            self._exec("DELETE FROM latency WHERE hour + ? <= ?", HOUR, seconds_floor(now - rollup_retention))
            self._exec("DELETE FROM route_latency WHERE hour + ? <= ?", HOUR, seconds_floor(now - rollup_retention))
            self._exec("DELETE FROM events WHERE ts < ?", float(now - retention))
            self._exec(
                "DELETE FROM events WHERE ts <= (SELECT ts FROM events ORDER BY ts DESC LIMIT 1 OFFSET ?)", MAX_EVENTS
            )
            self._exec(
                "DELETE FROM series WHERE id NOT IN (SELECT series FROM points)"
                " AND id NOT IN (SELECT series FROM rollups)"
            )
            self._exec("COMMIT")
        except BaseException:
            self._exec("ROLLBACK")
            raise
        self._ids = {row[1]: row[0] for row in self._rows("SELECT id, key FROM series")}

    # -- reading --------------------------------------------------------------------------------------------
    def load(self, since: float) -> Iterator[tuple[str, str, dict[str, str], array[float], array[float]]]:
        """Each series' points with ``ts >= since``, oldest first: (key, metric, labels, times, values)."""
        names = {row[0]: (row[1], row[2], row[3]) for row in self._rows("SELECT id, key, metric, labels FROM series")}
        rows = self._rows(
            "SELECT series, ts, vals FROM points WHERE start + ? > ? ORDER BY series, start",
            CHUNK,
            seconds_floor(since),
        )
        current: int | None = None
        times: array[float] = array("d")
        values: array[float] = array("d")
        for sid, ts_blob, vals_blob in rows:
            if sid != current:
                if current is not None and current in names:
                    yield _series(names[current], times, values, since)
                current, times, values = sid, array("d"), array("d")
            times.frombytes(ts_blob)  # straight into the series' arrays: no array per row
            values.frombytes(vals_blob)
        if current is not None and current in names:
            yield _series(names[current], times, values, since)

    def between(self, key: str, since: float, until: float) -> tuple[list[float], list[float], bool]:
        """One series' points with ``since <= ts < until``: the full-resolution ones where the file still has
        them, else the 1-minute rollups' means (stamped at the minute's start). The flag says which."""
        row = self._row("SELECT id FROM series WHERE key = ?", key)
        if row is None:
            return [], [], True
        times: list[float] = []
        values: list[float] = []
        for ts_blob, vals_blob in self._rows(
            "SELECT ts, vals FROM points WHERE series = ? AND start + ? > ? AND start < ? ORDER BY start",
            row[0],
            CHUNK,
            seconds_floor(since),
            seconds_ceil(until),
        ):
            for t, v in zip(_from_bytes(ts_blob), _from_bytes(vals_blob), strict=False):
                if since <= t < until:
                    times.append(t)
                    values.append(v)
        if times:
            return times, values, True
        for rollup in self.rollups(key, since, until):
            times.append(float(rollup.minute))
            values.append(rollup.sum / rollup.count)
        return times, values, False

    def span(self) -> tuple[float, float] | None:
        """The first and last full-resolution point on record (what a replay can play); None when empty."""
        first = self._row("SELECT ts FROM points ORDER BY start LIMIT 1")
        last = self._row("SELECT ts FROM points ORDER BY start DESC LIMIT 1")
        if first is None or last is None:
            return None
        head, tail = _from_bytes(first[0]), _from_bytes(last[0])
        if not head or not tail:
            return None
        return head[0], tail[-1]

    def series(self, metric: str) -> list[tuple[str, dict[str, str]]]:
        """The keys and labels of one metric's series in the file."""
        rows = self._rows("SELECT key, labels FROM series WHERE metric = ? ORDER BY key", metric)
        return [(key, json.loads(labels)) for key, labels in rows]

    def totals(self, metric: str, since: float) -> list[Total]:
        """Per series of ``metric``, the sum and count of its points from ``since`` (a minute's start) on.

        Whole hours are summed in SQL from the hour columns; the first, partial hour from its minutes."""
        first_hour = int(since // HOUR * HOUR)
        out: list[Total] = []
        for sid, key, labels in self._rows("SELECT id, key, labels FROM series WHERE metric = ? ORDER BY key", metric):
            total, count, first = 0.0, 0, None
            row = self._row("SELECT data FROM rollups WHERE series = ? AND hour = ?", sid, first_hour)
            if row is not None:
                total, count, first = _first_minute(_from_bytes(row[0]), first_hour, since)
            rest = self._row(
                "SELECT sum(total), CAST(sum(count) AS BIGINT), min(hour) FROM rollups"
                " WHERE series = ? AND hour > ? AND count > 0",
                sid,
                first_hour,
            )
            if rest is not None and rest[1]:
                total += float(rest[0])
                count += int(rest[1])
                if first is None:
                    head = self._row("SELECT data FROM rollups WHERE series = ? AND hour = ?", sid, rest[2])
                    assert head is not None
                    first = _first_minute(_from_bytes(head[0]), int(rest[2]), since)[2]
            out.append(Total(key, json.loads(labels), total, count, first))
        return out

    def rollups(self, key: str, since: float, until: float) -> list[Rollup]:
        """The non-empty minutes of one series with ``since <= minute start < until``, oldest first."""
        sid = self._ids.get(key)
        if sid is None:
            row = self._row("SELECT id FROM series WHERE key = ?", key)
            if row is None:
                return []
            sid = int(row[0])
        first_hour = int(since // HOUR * HOUR)
        out: list[Rollup] = []
        rows = self._rows(
            "SELECT hour, data FROM rollups WHERE series = ? AND hour >= ? AND hour < ? ORDER BY hour",
            sid,
            first_hour,
            seconds_ceil(until),
        )
        for hour, blob in rows:
            data = _from_bytes(blob)
            for m in range(MINUTES):
                i = 4 * m
                minute = hour + 60 * m
                if data[i + 3] and since <= minute < until:
                    out.append(Rollup(minute, data[i], data[i + 1], data[i + 2], int(data[i + 3])))
        return out


class HistoryFile(HistoryTables):
    """One SQLite history file, used by one thread. ``read_only`` opens an existing file with ``mode=ro``.

    One writer per file: :meth:`take_lock` takes an exclusive ``flock`` on ``FILE.lock``; a second console on the
    same host reads the history at start but does not write until the first one is gone (the kernel releases the
    lock when its holder dies, ``kill -9`` included, and the next flush takes it over).
    """

    def __init__(self, path: Path, *, read_only: bool = False, timeout: float = 5.0) -> None:
        super().__init__()
        self.path = path
        self.where = str(path)
        self.read_only = read_only
        self._lock_fd: int | None = None
        try:
            self._conn = self._open(timeout)
        except sqlite3.DatabaseError as error:
            text = (str(error).splitlines() or [type(error).__name__])[0][:160]
            if any(word in text.lower() for word in _DAMAGE):
                raise HistoryDamaged(path, text) from None
            raise HistoryError(f"history {path} cannot be opened ({text}); the console runs without history") from None
        except OSError as error:  # its folder cannot be made (a file is in the way, no permission, disk full)
            text = error.strerror or type(error).__name__
            raise HistoryError(f"history {path} cannot be opened ({text}); the console runs without history") from None

    def _open(self, timeout: float) -> sqlite3.Connection:
        if self.read_only:
            if not self.path.exists():
                raise HistoryError(f"history {self.path} does not exist (no console has written history there yet)")
            conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=timeout)
        try:
            problems = [row[0] for row in conn.execute("PRAGMA quick_check(5)").fetchall()]
            if problems != ["ok"]:
                raise HistoryDamaged(self.path, f"quick_check: {'; '.join(map(str, problems))[:160]}")
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if tables or self.read_only:  # a new, empty file gets the schema below
                self._check_schema(conn, tables)
            if not self.read_only:
                if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0] != "wal":
                    raise HistoryError(f"history {self.path}: cannot use WAL journaling")
                conn.execute("PRAGMA synchronous = NORMAL")
                # The WAL is checkpointed at 1 MB and cut back to 1 MB after: it never holds more than that.
                conn.execute("PRAGMA wal_autocheckpoint = 256")
                conn.execute("PRAGMA journal_size_limit = 1048576")
                conn.executescript(_SCHEMA)
                conn.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (FORMAT,))
            for row in conn.execute("SELECT id, key FROM series"):
                self._ids[row[1]] = row[0]
        except BaseException:
            conn.close()
            raise
        return conn

    def _check_schema(self, conn: sqlite3.Connection, tables: set[str]) -> None:
        if missing := sorted(set(_COLUMNS) - tables):
            raise HistoryDamaged(self.path, f"missing table {', '.join(missing)}")
        for table, columns in _COLUMNS.items():
            have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
            if lacking := sorted(columns - have):
                raise HistoryDamaged(self.path, f"table {table} lacks {', '.join(lacking)}")
        row = conn.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        if row is None or row[0] != FORMAT:
            raise HistoryDamaged(self.path, f"format {row[0] if row else 'missing'}, this opstui reads {FORMAT}")

    def _rows(self, sql: str, *args: Any) -> list[Row]:
        return self._conn.execute(sql, args).fetchall()

    def _row(self, sql: str, *args: Any) -> Row | None:
        row: Row | None = self._conn.execute(sql, args).fetchone()
        return row

    def _exec(self, sql: str, *args: Any) -> None:
        self._conn.execute(sql, args)

    def _many(self, sql: str, rows: list[Row]) -> None:
        self._conn.executemany(sql, rows)

    def _begin(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE")

    def take_lock(self) -> bool:
        if fcntl is None:  # pragma: no cover - Windows: no flock; one console per file is then the operator's care
            return True
        if self._lock_fd is None:
            self._lock_fd = os.open(f"{self.path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def close(self) -> None:
        self._conn.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
        self._lock_fd = None


@dataclass(frozen=True, slots=True)
class Total:
    """The sum and count of one series' points over a span, from its rollups (exact to the minute)."""

    key: str
    labels: dict[str, str]
    sum: float
    count: int
    first: float | None
    """The start of the first minute with a point in the span; None when there is none."""


def _first_minute(data: array[float], hour: int, since: float) -> tuple[float, int, float | None]:
    """Sum, count and first non-empty minute of the minutes of one hour that start at or after ``since``."""
    total, count, first = 0.0, 0, None
    for m in range(MINUTES):
        i = 4 * m
        if data[i + 3] and hour + 60 * m >= since:
            total += data[i + 2]
            count += int(data[i + 3])
            first = hour + 60.0 * m if first is None else first
    return total, count, first


def _series(
    name: tuple[str, str, str], times: array[float], values: array[float], since: float
) -> tuple[str, str, dict[str, str], array[float], array[float]]:
    key, metric, labels = name
    if sys.byteorder == "big":  # the file is little-endian
        times.byteswap()
        values.byteswap()
    skip = bisect_left(times, since)
    return key, metric, json.loads(labels), times[skip:], values[skip:]
