"""A backup's verdict reaches the rules (Backup Overdue, WAL Archiving Failing) and ticks the backup tasks."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opstui.alerts.model import AlertState, Severity
from opstui.alerts.rules import RuleEngine
from opstui.alerts.seeds import builtin_rules, default_rules
from opstui.checklist.board import AUTO_ACTOR, Checklist, MonitorValues
from opstui.checklist.model import TaskStatus
from opstui.clock import FakeClock
from opstui.config.models import Config
from opstui.monitor import Monitor
from opstui.sources.backup.source import BackupCheck
from opstui.state import SqliteState
from tests.backup.conftest import HOUR, NOW, put

TASK = {"id": "backups", "title": "Check backup status", "every": "daily", "auto": "backups verified"}


def config(folder: Path, **extra: Any) -> Config:
    return Config.model_validate(
        {
            "launch_at": datetime.fromtimestamp(NOW - 2 * 86400, UTC).isoformat(),
            "sources": [{"name": "db-dumps", "type": "backup", "kind": "files", "path": f"{folder}/*.dump"}],
            "checklist": [TASK],
            **extra,
        }
    )


def watch(cfg: Config, clock: FakeClock) -> tuple[Monitor, BackupCheck]:
    monitor = Monitor(cfg, clock)
    source_cfg = cfg.sources[0]
    assert source_cfg.type == "backup"
    return monitor, BackupCheck(source_cfg, clock, monitor)


def test_the_backup_rules_come_with_a_backup_source_only(tmp_path: Path) -> None:
    names = [rule.name for rule in builtin_rules(config(tmp_path))]
    assert names == [rule.name for rule in default_rules()] + ["Backup Overdue", "WAL Archiving Failing"]
    assert {r.name: r.severity for r in builtin_rules(config(tmp_path))}["WAL Archiving Failing"] is Severity.P1
    assert builtin_rules(Config()) == default_rules()
    assert builtin_rules(config(tmp_path, alerts=[])) == []  # the config's own rules, exactly


async def test_an_overdue_backup_fires_backup_overdue_for_its_source(tmp_path: Path, clock: FakeClock) -> None:
    cfg = config(tmp_path)
    monitor, check = watch(cfg, clock)
    engine = RuleEngine(builtin_rules(cfg), monitor.store, clock)
    put(tmp_path, "shop.dump", 100, 20 * HOUR)
    await check.run_once()
    assert [t for t in engine.evaluate() if t.state is AlertState.FIRING] == []
    clock.advance(7 * HOUR)
    await check.run_once()
    fired = [t for t in engine.evaluate() if t.state is AlertState.FIRING]
    assert [(t.rule, t.severity, t.labels) for t in fired] == [
        ("Backup Overdue", Severity.P2, (("source", "db-dumps"),))
    ]
    put(tmp_path, "shop-new.dump", 100, -7 * HOUR)  # tonight's backup arrives (NOW + 7h is the clock's now)
    clock.advance(60)
    await check.run_once()
    assert [t.state for t in engine.evaluate()] == [AlertState.RESOLVED]


async def test_the_backup_task_ticks_itself_from_a_fresh_verified_result(
    tmp_path: Path, clock: FakeClock, state: SqliteState
) -> None:
    cfg = config(tmp_path)
    monitor, check = watch(cfg, clock)
    checklist = Checklist.from_config(
        cfg, clock=clock, state=state, operator="alice", live=MonitorValues(monitor, clock), host="box"
    )
    put(tmp_path, "shop.dump", 100, 30 * HOUR)  # overdue: nothing to tick
    await check.run_once()
    await checklist.refresh()
    assert checklist.view("backups").status in (TaskStatus.DUE, TaskStatus.OVERDUE)
    put(tmp_path, "shop-2.dump", 2048, 2 * HOUR)
    await check.run_once()
    clock.advance(2 * 3600)  # the result is now two hours old: not fresh, so not ticked on
    await checklist.refresh()
    assert checklist.view("backups").last is None
    await check.run_once()
    await checklist.refresh()
    view = checklist.view("backups")
    assert view.status is TaskStatus.DONE
    assert view.last is not None and view.last.actor == AUTO_ACTOR
    assert view.last.value == "db-dumps up: shop-2.dump 4h00m old, 2.0 KiB, 2 in 30d0h"
    assert view.last.note == "auto: backups verified"
