"""Running a runbook action: confirmed or refused as its config says, stopped at its timeout on the fake clock,
its output streamed, bounded and redacted, and who ran what, when and how it ended on the timeline and audit."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from opstui.actions.run import OUTPUT_LINES, ActionRefused, ActionRunner
from opstui.clock import FakeClock
from opstui.config.actions import Action
from opstui.incidents.manager import IncidentManager
from opstui.incidents.model import EventKind
from opstui.incidents.review import render_review
from opstui.state import SqliteState
from tests.actions.conftest import PYTHON, python
from tests.notify.servers import HookServer


async def notes(state: SqliteState, incident_id: int) -> list[str]:
    return [e.text for e in await state.events(incident_id) if e.kind is EventKind.NOTE]


async def test_a_confirmed_action_runs_and_its_run_is_on_the_timeline_and_audit(
    runner: ActionRunner, state: SqliteState, incident_id: int, clock: FakeClock
) -> None:
    action = python("print('health: ok'); print('db: ok')", name="Check health")
    lines: list[str] = []
    run = await runner.run(action, incident_id, confirmation=True, on_line=lines.append)
    assert (run.ok, run.exit_code, run.outcome, run.actor) == (True, 0, "exit 0", "alice")
    assert lines == ["health: ok", "db: ok"] == list(run.lines)
    started, ended = (await notes(state, incident_id))[-2:]
    assert started.startswith("[action] Check health started: ") and PYTHON in started
    assert ended == "[action] Check health: exit 0 after 0ms\nhealth: ok\ndb: ok"
    audit = [(a.actor, a.host, a.action, a.subject, a.text) for a in await state.audit(clock.now() - 1)]
    assert ("alice", "oncall-box", "incident note", f"incident #{incident_id}", ended) in audit


async def test_a_failing_command_is_recorded_with_its_exit_status(runner: ActionRunner, incident_id: int) -> None:
    run = await runner.run(python("import sys; print('no'); sys.exit(3)", confirm=False), incident_id)
    assert (run.ok, run.exit_code, run.outcome) == (False, 3, "exit 3")


async def test_an_action_needing_confirmation_is_refused_without_it_and_nothing_runs(
    runner: ActionRunner, state: SqliteState, incident_id: int, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    action = python(f"open({str(marker)!r}, 'w').write('x')")
    before = await notes(state, incident_id)
    for answer in (None, False, "yes please"):
        with pytest.raises(ActionRefused, match="needs a confirmation"):
            await runner.run(action, incident_id, confirmation=answer)
    assert not marker.exists()
    assert await notes(state, incident_id) == before


async def test_a_dangerous_action_runs_only_when_its_name_is_typed(
    runner: ActionRunner, incident_id: int, tmp_path: Path
) -> None:
    marker = tmp_path / "rolled-back"
    action = python(f"open({str(marker)!r}, 'w').write('x')", name="Rollback web", dangerous=True)
    for answer in (True, "rollback web", "Rollback", None):
        with pytest.raises(ActionRefused, match="type its name exactly"):
            await runner.run(action, incident_id, confirmation=answer)
    assert not marker.exists()
    run = await runner.run(action, incident_id, confirmation="Rollback web")
    assert run.ok and marker.read_text() == "x"


async def test_an_action_for_other_incidents_is_refused(runner: ActionRunner, incident_id: int) -> None:
    action = python("print(1)", confirm=False, applies_to=["Payment System Down"])
    with pytest.raises(ActionRefused, match="not an action for incident"):
        await runner.run(action, incident_id)


async def test_an_action_that_outlives_its_timeout_is_stopped_and_recorded_as_timed_out(
    runner: ActionRunner, state: SqliteState, incident_id: int, clock: FakeClock
) -> None:
    action = python(
        "import time; print('rolling back', flush=True); time.sleep(60); print('never')", confirm=False, timeout="10s"
    )
    started = asyncio.Event()
    task = asyncio.create_task(runner.run(action, incident_id, on_line=lambda _: started.set()))
    async with asyncio.timeout(10):
        await started.wait()
    assert clock.sleepers == 1  # the run's timeout, parked on the clock since the process started
    clock.advance(9)
    for _ in range(50):
        await asyncio.sleep(0)
    assert not task.done()  # 9 s of 10: still running
    clock.advance(1)
    async with asyncio.timeout(10):  # real seconds: only a hung test guard
        run = await task
    assert (run.timed_out, run.ok, run.exit_code) == (True, False, None)
    assert run.outcome == "timed out after 10s, stopped"
    assert list(run.lines) == ["rolling back"]
    assert (await notes(state, incident_id))[
        -1
    ] == "[action] probe: timed out after 10s, stopped after 10s\nrolling back"


async def test_a_secret_in_the_output_is_redacted_everywhere(
    runner: ActionRunner, state: SqliteState, incident_id: int, clock: FakeClock
) -> None:
    code = (
        "import os; print('token is', os.environ['DEPLOY_TOKEN']); "
        "print('url https://deploy:hunter2@ci.example/x'); print('password=sw0rdfish ok')"
    )
    action = python(code, confirm=False, env={"DEPLOY_TOKEN": "tok-7f3a9c"})
    lines: list[str] = []
    run = await runner.run(action, incident_id, on_line=lines.append)
    expected = ["token is ***", "url https://deploy:***@ci.example/x", "password=*** ok"]
    assert lines == expected == list(run.lines)
    recorded = "\n".join(await notes(state, incident_id))
    audit = "\n".join(a.text for a in await state.audit(clock.now() - 1))
    for text in (recorded, audit):
        for secret in ("tok-7f3a9c", "hunter2", "sw0rdfish"):
            assert secret not in text


async def test_control_sequences_in_the_output_are_made_harmless(runner: ActionRunner, incident_id: int) -> None:
    run = await runner.run(python(r"print('\x1b[2Jgone\x1b]52;c;aGk=\x07')", confirm=False), incident_id)
    assert run.lines == ("␛[2Jgone␛]52;c;aGk=␇",)


async def test_the_output_kept_is_bounded(runner: ActionRunner, state: SqliteState, incident_id: int) -> None:
    run = await runner.run(python(f"for i in range({OUTPUT_LINES + 500}): print(i)", confirm=False), incident_id)
    assert len(run.lines) == OUTPUT_LINES and run.dropped == 500
    assert run.lines[-1] == str(OUTPUT_LINES + 499)
    last = (await notes(state, incident_id))[-1]
    assert f"({OUTPUT_LINES + 500 - 30} earlier lines not kept)" in last and len(last) < 5000


async def test_arguments_are_not_parsed_by_a_shell_unless_the_config_says_so(
    runner: ActionRunner, incident_id: int
) -> None:
    plain = Action(name="echo", command=["echo", "$HOME; echo injected"], confirm=False)
    run = await runner.run(plain, incident_id)
    assert run.lines == ("$HOME; echo injected",)
    shell = Action(name="sh", command="echo one | tr a-z A-Z", shell=True, confirm=False, env={"X": "y"})
    assert (await runner.run(shell, incident_id)).lines == ("ONE",)


async def test_a_missing_program_is_a_recorded_failure_not_a_crash(runner: ActionRunner, incident_id: int) -> None:
    run = await runner.run(Action(name="gone", command=["/nonexistent/opstui-x"], confirm=False), incident_id)
    assert not run.ok and run.outcome.startswith("could not start")


async def test_an_http_action_posts_and_its_secret_header_is_redacted_from_the_answer(
    runner: ActionRunner, incident_id: int, hook: HookServer
) -> None:
    hook.mode = "echo"  # a server that answers 500 with the credentials it was sent
    action = Action.model_validate(
        {
            "name": "Purge cache",
            "confirm": False,
            "http": {"url": f"{hook.url}/purge", "headers": {"Authorization": "Bearer s3cr3t-deploy"}, "body": "{}"},
        }
    )
    run = await runner.run(action, incident_id)
    assert (run.ok, run.exit_code, run.outcome) == (False, 500, "HTTP 500")
    assert run.lines[0] == "HTTP 500 Internal Server Error"
    assert "s3cr3t-deploy" not in "\n".join(run.lines) and "***" in run.lines[1]
    assert hook.attempts[0][0]["authorization"] == "Bearer s3cr3t-deploy"
    hook.mode = "ok"
    assert (await runner.run(action, incident_id)).outcome == "HTTP 200"
    assert hook.received == [{}]


async def test_the_review_lists_the_run_on_its_timeline_and_not_as_root_cause(
    runner: ActionRunner, manager: IncidentManager, incident_id: int
) -> None:
    await runner.run(python("print('rolled back')", name="Rollback web", confirm=False), incident_id)
    incident = await manager.get(incident_id)
    assert incident is not None
    review = render_review(incident, await manager.timeline(incident_id))
    assert "- **14:13** - [action] Rollback web: exit 0 after 0ms (run by alice)" in review
    root_cause = review.split("### Root Cause")[1].split("###")[0]
    assert "[action]" not in root_cause and "Describe technical root cause" in root_cause
