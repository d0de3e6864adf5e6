"""Config for the ``backup`` source: a backup is checked, not ticked (see docs/backups-and-uptime.md).

One model for the three kinds, because they share what matters (``max_age``, the retention window and
the size-drop check); which keys a kind needs is checked here, so ``validate`` refuses a ``files``
source with no ``path`` as the runtime would.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from opstui.config.durations import PositiveDuration
from opstui.config.models import Model

DEFAULT_MAX_AGE = 26 * 3600.0
"""A daily backup plus two hours of slack: the seed's "automated daily backups"."""

CommandFormat = Literal["json", "pgbackrest", "wal-g", "restic", "exit"]


class VerifyQuery(Model):
    """One sanity query ``opstui backup verify`` runs against the restored copy."""

    sql: str
    """Returns one number, e.g. ``SELECT count(*) FROM orders``."""
    min: float | None = None
    """The restored copy fails verification when the number is below this."""
    max: float | None = None
    """... or above this."""


class BackupVerify(Model):
    """How ``opstui backup verify`` proves the newest ``pg_dump`` restores."""

    scratch_dsn: str
    """A server where a scratch database may be created and dropped, e.g. ``postgresql://postgres@127.0.0.1/postgres``
    (write ``${VERIFY_DSN}``); the dump is restored into ``opstui_verify_<random>`` there, never into this database."""
    timeout: PositiveDuration = 3600.0
    """``pg_restore`` is stopped after this long (the verification then fails)."""
    queries: dict[str, VerifyQuery] = Field(default_factory=dict)
    """Name -> sanity query with its bounds (row counts against thresholds)."""


class BackupSource(Model):
    """Checks that backups happen: newest file of a glob, a backup tool's report, or WAL archiving."""

    name: str
    type: Literal["backup"]
    kind: Literal["files", "command", "postgres_archiver"]
    """``files``: the newest file (or directory) matching ``path``; ``command``: a backup tool's own report
    (``pgbackrest info --output=json`` ...); ``postgres_archiver``: ``pg_stat_archiver`` on ``dsn``."""
    interval: PositiveDuration = 300.0
    """Time between two checks (a backup's age moves slowly)."""
    max_age: PositiveDuration = DEFAULT_MAX_AGE
    """The newest backup (or archived WAL segment) older than this is overdue (built-in rule, P2 / P1)."""
    retention: PositiveDuration = 30 * 86400.0
    """Backups younger than this are counted (the seed's 30-day retention)."""
    min_count: int = Field(default=0, ge=0, le=100_000)
    """Fewer backups than this in the retention window marks the source degraded (0: not checked)."""
    size_drop_pct: float = Field(default=50.0, gt=0.0, le=100.0)
    """The newest backup smaller than the previous one by more than this percent is flagged (degraded)."""
    path: str | None = None
    """``files``: a glob, e.g. ``/var/backups/shop/*.dump`` (a ``pg_dump -Fd`` directory counts as its files)."""
    command: list[str] | None = None
    """``command``: the program and its arguments, run without a shell, e.g.
    ``[pgbackrest, --stanza=main, info, --output=json]``."""
    format: CommandFormat = "json"
    """``command``: how to read its output: ``pgbackrest``, ``wal-g``, ``restic``, ``json`` (``{"time": ..,
    "size": ..}`` or a list of them) or ``exit`` (exit status 0 means the last backup is good)."""
    timeout: PositiveDuration = 60.0
    """``command``: killed after this long (the source is then down)."""
    dsn: str | None = None
    """``postgres_archiver``: the database server to ask; write ``${ARCHIVE_DSN}`` to keep the password out."""
    connect_timeout: PositiveDuration = 5.0
    verify: BackupVerify | None = None
    """``files``: how ``opstui backup verify`` restores the newest dump and checks it."""

    @model_validator(mode="after")
    def _kind_needs(self) -> BackupSource:
        needs = {"files": "path", "command": "command", "postgres_archiver": "dsn"}[self.kind]
        if not getattr(self, needs):
            raise ValueError(f"a backup source of kind {self.kind} needs {needs}:")
        if self.verify is not None and self.kind != "files":
            raise ValueError("verify: goes with kind: files (it restores the newest pg_dump)")
        return self
