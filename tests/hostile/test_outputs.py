"""Item 2 for text outputs: hostile text planted in the state store (a note, a title, who acknowledged, a
checklist tick) reaches no command's text output as a control sequence; JSON outputs keep it, escaped."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from opstui.alerts.model import AlertState, AlertTransition, Severity
from opstui.cli import main
from opstui.clock import SystemClock
from opstui.config.incidents import IncidentSettings
from opstui.incidents.manager import IncidentManager
from opstui.state import SqliteState
from opstui.state.protocol import Tick, TickKind
from tests.hostile.payloads import HOSTILE_TEXT, MARKUP, UNSAFE

TITLE = MARKUP[0] + " " + HOSTILE_TEXT


def plant(db: Path) -> int:
    """What another console, an old version or a hostile alert label could have written: raw controls."""

    async def work() -> int:
        clock = SystemClock()
        async with SqliteState(db, clock) as state:
            manager = IncidentManager(state, clock, IncidentSettings(), operator="console")
            transition = AlertTransition(
                rule=TITLE,
                fingerprint="disk|",
                state=AlertState.FIRING,
                severity=Severity.P1,
                at=clock.now() - 120,
                summary=HOSTILE_TEXT,
            )
            await manager.on_transitions([transition])
            incident = await state.latest_incident("disk|")
            assert incident is not None
            await manager.acknowledge(incident.id, by="mallory" + HOSTILE_TEXT)
            await manager.add_note(incident.id, HOSTILE_TEXT + MARKUP[3], by="mallory" + HOSTILE_TEXT)
            now = clock.now()
            await state.add_tick(
                Tick("review-error-logs", now - 60, now - 30, TickKind.DONE, "mallory" + HOSTILE_TEXT, "e\x1b]0;x\x07")
            )
            return incident.id

    return asyncio.run(work())


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path, int]:
    db = tmp_path / "state.db"
    config = tmp_path / "opstui.yaml"
    config.write_text(
        f"operator: dana\nstate:\n  path: {db}\n"
        "checklist:\n  - {id: review-error-logs, title: Review error logs, every: 15m}\n"
    )
    return config, db, plant(db)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(list(argv))
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert code in (0, 1), text
    return text


def test_no_text_command_prints_a_control_sequence(
    setup: tuple[Path, Path, int], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config, _, incident = setup
    common = ("--config", str(config))
    outputs = {
        "incidents": run(capsys, "incidents", *common),
        "incidents --all": run(capsys, "incidents", "--all", *common),
        "ack": run(capsys, "ack", str(incident), *common),
        "report": run(capsys, "report", str(incident), *common),
        "audit": run(capsys, "audit", *common),
        "checklist --export md": run(capsys, "checklist", "--export", "md", *common),
        "checklist --export csv": run(capsys, "checklist", "--export", "csv", *common),
    }
    for name, text in outputs.items():
        assert UNSAFE.search(text) is None, f"{name}: {text!r}"
    assert "Disk low [/var]" in outputs["incidents"], "markup-looking text is printed as written"
    assert "␛[2J" in outputs["report"], "the sequence is shown, inert"
    written = tmp_path / "review.md"
    run(capsys, "report", str(incident), "-o", str(written), *common)
    assert UNSAFE.search(written.read_text(encoding="utf-8")) is None
    exported = tmp_path / "handover.md"
    run(capsys, "checklist", "--export", "md", "-o", str(exported), *common)
    assert UNSAFE.search(exported.read_text(encoding="utf-8")) is None


def test_json_outputs_keep_the_text_escaped(setup: tuple[Path, Path, int], capsys: pytest.CaptureFixture[str]) -> None:
    config, _, _ = setup
    out = run(capsys, "incidents", "--json", "--config", str(config))
    assert "\x1b" not in out and "\\u001b" in out
    [incident] = json.loads(out)
    assert incident["title"] == TITLE, "JSON carries the data exactly; escaping, not cleaning"
    audit = run(capsys, "audit", "--json", "--config", str(config))
    assert "\x1b" not in audit
    texts = [entry["text"] for entry in json.loads(audit)["entries"]]
    assert HOSTILE_TEXT + MARKUP[3] in texts
