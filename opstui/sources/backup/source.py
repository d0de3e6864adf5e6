"""The backup source's loop: one look per ``interval`` at the configured kind, its verdict shown and recorded."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from opstui.clock import Clock
from opstui.config.backup import BackupSource
from opstui.redact import redact_dsn
from opstui.sanitize import clean
from opstui.sources.backup.assess import LookFailed, Verdict, assess
from opstui.sources.backup.command import CommandFailed, read_report, run_command
from opstui.sources.backup.files import find_backups
from opstui.sources.base import Sink, SourceState
from opstui.sources.http import PolledSource


def _target(cfg: BackupSource) -> str:
    """What the row says the source watches (a DSN without its password, a command without its arguments)."""
    if cfg.kind == "files":
        return cfg.path or ""
    if cfg.kind == "command":
        return (cfg.command or [""])[0]
    return redact_dsn(cfg.dsn or "")


class BackupCheck(PolledSource):
    """Looks at the backups every ``interval``: up when the newest is fresh and whole, else why not.

    The row's ``seen`` says what was found (the newest backup, its age and size, how many in the window):
    a checklist task with ``auto: backups verified`` is ticked with it.
    """

    kind = "backup"

    def __init__(self, cfg: BackupSource, clock: Clock, sink: Sink) -> None:
        super().__init__(cfg.name, "", cfg.interval, clock, sink)
        self.cfg = cfg
        self.status = replace(self.status, target=clean(_target(cfg)))

    async def _probe(self) -> dict[str, object]:
        now = self.clock.now()
        try:
            verdict = await self._look(now)
        except LookFailed as exc:
            return self._result(exc.state, str(exc), seen="")
        except OSError as exc:  # the glob's folder on a mount that went away
            return self._result(SourceState.UNREACHABLE, exc.strerror or type(exc).__name__, seen="")
        labels = {"source": self.name}
        for metric, value in verdict.metrics.items():
            self.sink.record(metric, value, now, labels)
        return self._result(verdict.state, verdict.reason, seen=verdict.seen)

    async def _look(self, now: float) -> Verdict:
        cfg = self.cfg
        if cfg.kind == "files":
            assert cfg.path is not None
            return assess(cfg, await asyncio.to_thread(find_backups, cfg.path, self.border, now), now)
        if cfg.kind == "command":
            assert cfg.command is not None
            status, output, error = await run_command(cfg.command, cfg.timeout)
            if cfg.format == "exit":
                if status == 0:
                    return Verdict(SourceState.UP, "", "command exited 0", {"backup_overdue": 0.0})
                return Verdict(SourceState.DOWN, f"exit status {status}: {error}", "", {"backup_overdue": 1.0})
            if status != 0:
                raise CommandFailed(f"exit status {status}" + (f": {error}" if error else ""))
            return assess(cfg, read_report(output, cfg.format, self.border, now), now)
        from opstui.sources.backup.archiver import read_archiver  # asyncpg only when a server is watched

        return await read_archiver(cfg, self.border, now)
