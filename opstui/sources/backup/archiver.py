"""The ``postgres_archiver`` kind: WAL archiving, the point-in-time-recovery readiness, from ``pg_stat_archiver``.

Archiving fails when the last failure is newer than the last success (``archive_command`` returns non-zero:
the bucket is full, the credentials expired); WAL then piles up in ``pg_wal`` until the disk fills, and no
restore can reach a point after the last archived segment. Records, labelled ``source=<name>``:
``wal_archive_failing`` (1 / 0; the built-in rule "WAL Archiving Failing" reads it), ``wal_archive_age_seconds``
(since the last archived segment), ``wal_archived_total`` and ``wal_archive_failed_total``.
"""

from __future__ import annotations

import asyncio

import asyncpg

from opstui.config.backup import BackupSource
from opstui.config.durations import format_duration
from opstui.redact import dsn_secrets, redact
from opstui.sanitize import clean
from opstui.sources.backup.assess import LookFailed, Verdict
from opstui.sources.base import SourceState
from opstui.sources.border import Border

ARCHIVER_SQL = """
SELECT archived_count, failed_count, last_archived_wal, last_failed_wal,
       extract(epoch FROM last_archived_time)::float8 AS last_archived,
       extract(epoch FROM last_failed_time)::float8 AS last_failed,
       current_setting('archive_mode') AS archive_mode
FROM pg_stat_archiver
"""


class ArchiverUnreachable(LookFailed):
    """The server could not be asked (refused, timeout, authentication); the message is safe to show."""

    state = SourceState.UNREACHABLE


async def read_archiver(cfg: BackupSource, border: Border, now: float) -> Verdict:
    """One look at ``pg_stat_archiver`` on ``cfg.dsn``, in a read-only transaction."""
    assert cfg.dsn is not None
    try:
        async with asyncio.timeout(cfg.connect_timeout * 2):
            conn = await asyncpg.connect(
                cfg.dsn, timeout=cfg.connect_timeout, server_settings={"application_name": "opstui"}
            )
            try:
                async with conn.transaction(readonly=True):
                    row = await conn.fetchrow(ARCHIVER_SQL)
            finally:
                await conn.close()
    except TimeoutError:
        raise ArchiverUnreachable(f"timeout after {cfg.connect_timeout * 2:g}s") from None
    except Exception as exc:  # noqa: BLE001 - refused, DNS, authentication: all "cannot ask"
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ArchiverUnreachable(clean(redact(text, dsn_secrets(cfg.dsn)))[:200]) from None
    assert row is not None
    return archiver_verdict(cfg, dict(row), border, now)


def archiver_verdict(cfg: BackupSource, row: dict[str, object], border: Border, now: float) -> Verdict:
    """The verdict over one ``pg_stat_archiver`` row (and the ``archive_mode`` setting)."""
    archived = border.number(_int(row.get("archived_count")), "archived_count") or 0.0
    failed = border.number(_int(row.get("failed_count")), "failed_count") or 0.0
    last_ok = _time(row.get("last_archived"), border)
    last_failed = _time(row.get("last_failed"), border)
    metrics = {"wal_archived_total": archived, "wal_archive_failed_total": failed}
    wal = clean(str(row.get("last_archived_wal") or ""))[:40]
    seen = f"last WAL {wal} archived {format_duration(now - last_ok)} ago" if last_ok else "no WAL archived yet"
    seen += f", {failed:.0f} failed"
    failing = last_failed is not None and (last_ok is None or last_failed > last_ok)
    if row.get("archive_mode") == "off":
        metrics["wal_archive_failing"] = 1.0
        return Verdict(SourceState.DOWN, "archive_mode is off: no point-in-time recovery", seen, metrics)
    metrics["wal_archive_failing"] = float(failing)
    if last_ok is not None:
        metrics["wal_archive_age_seconds"] = max(0.0, now - last_ok)
    if failing:
        bad = clean(str(row.get("last_failed_wal") or ""))[:40]
        reason = f"archiving failing: {bad} failed {format_duration(now - (last_failed or now))} ago"
        return Verdict(SourceState.DOWN, reason, seen, metrics)
    if last_ok is None:
        return Verdict(SourceState.DEGRADED, "no WAL archived yet", seen, metrics)
    if now - last_ok > cfg.max_age:
        return Verdict(SourceState.DEGRADED, f"no WAL archived for {format_duration(now - last_ok)}", seen, metrics)
    return Verdict(SourceState.UP, "", seen, metrics)


def _int(raw: object) -> float:
    return float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else 0.0


def _time(raw: object, border: Border) -> float | None:
    if not isinstance(raw, int | float) or isinstance(raw, bool):
        return None
    return border.number(raw, "archive time")
