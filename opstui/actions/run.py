"""Running one runbook action: confirmed as its config says, bounded in time and output, recorded.

The safety rules, enforced here and not only by the screen (so no caller can skip them):

- only an :class:`~opstui.config.actions.Action` from the config runs, and only on an incident it applies to;
- ``confirm`` needs a yes, ``dangerous`` needs the action's name typed exactly; otherwise :class:`ActionRefused`
  and nothing runs or is recorded as run;
- a command is an argument list run without a shell (``shell: true`` is the config's explicit choice), in a
  process group of its own so that a timeout stops its children too;
- the timeout is read from the one clock, so a test crosses it with a :class:`~opstui.clock.FakeClock`;
- every output line is redacted (:func:`opstui.redact.redact`, with the action's ``env`` and header values as
  known secrets) and made harmless (:func:`opstui.sanitize.clean`) before anyone sees it; the console keeps
  the last :data:`OUTPUT_LINES` lines, the timeline the last :data:`TIMELINE_LINES`.

Who ran what and when is written to the incident's timeline twice: when it starts (so a console that dies
mid-rollback still leaves the trace) and when it ends, with the exit status and the output's tail. The audit
reads the timeline, so it has both lines.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import signal
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from opstui.actions.match import actions_for
from opstui.clock import Clock
from opstui.config.actions import Action, HttpAction
from opstui.config.durations import format_duration
from opstui.incidents.manager import IncidentManager
from opstui.incidents.model import ACTION_MARK
from opstui.redact import dsn_secrets, redact
from opstui.sanitize import clean

OUTPUT_LINES = 1000
"""Lines of output the console keeps for one run (the oldest are dropped and counted)."""
LINE_CHARS = 500
"""A longer line is cut here (a minified JSON answer must not fill the pane)."""
TIMELINE_LINES = 30
"""Lines of output's tail recorded on the timeline."""
TIMELINE_CHARS = 4000
"""... and at most this many characters of it."""
HTTP_BODY_BYTES = 65_536
"""An HTTP answer's body is read up to this size."""
KILL_GRACE = 2.0
"""Real seconds between SIGTERM and SIGKILL when an action times out (a process needs real time to exit)."""
READ_CHUNK = 4096

LineListener = Callable[[str], None]
"""Called with each output line (already redacted and cleaned) as it arrives; must not block."""


class ActionRefused(Exception):
    """The action was not run: not confirmed, the wrong name typed, or not for this incident (one line)."""


@dataclass(frozen=True, slots=True)
class ActionRun:
    """What one run did: the record the timeline and the output pane show."""

    action: str
    incident_id: int
    actor: str
    started_at: float
    finished_at: float
    outcome: str
    """``exit 0``, ``exit 3``, ``HTTP 503``, ``timed out after 10s``, ``could not start: ...``."""
    ok: bool
    exit_code: int | None
    """The process's exit status or the HTTP status; None if it did not start or was stopped."""
    timed_out: bool
    lines: tuple[str, ...]
    """The output's last :data:`OUTPUT_LINES` lines, redacted and cleaned."""
    dropped: int
    """Earlier lines not kept."""

    def timeline_text(self) -> str:
        """The line recorded when the run ends: the outcome, then the output's tail."""
        took = format_duration(max(0.0, self.finished_at - self.started_at))
        head = f"{ACTION_MARK}{self.action}: {self.outcome} after {took}"
        tail = list(self.lines[-TIMELINE_LINES:])
        earlier = self.dropped + len(self.lines) - len(tail)
        body = "\n".join(tail)
        if len(body) > TIMELINE_CHARS:
            body = "…" + body[-TIMELINE_CHARS:]
        if earlier:
            body = f"({earlier} earlier lines not kept)\n{body}"
        return f"{head}\n{body}" if body else f"{head} (no output)"


class Output:
    """The run's output: split into lines, each redacted, cleaned, cut and kept in a bounded buffer."""

    def __init__(self, secrets: list[str], on_line: LineListener | None = None) -> None:
        self.secrets = secrets
        self.on_line = on_line
        self.lines: deque[str] = deque(maxlen=OUTPUT_LINES)
        self.seen = 0
        self._partial = b""

    def feed(self, chunk: bytes) -> None:
        data = self._partial + chunk
        *complete, self._partial = data.split(b"\n")
        for raw in complete:
            self.add(raw.decode("utf-8", errors="replace"))
        if len(self._partial) > LINE_CHARS * 4:  # a line with no end in sight: show what there is
            self.add(self._partial.decode("utf-8", errors="replace"))
            self._partial = b""

    def close(self) -> None:
        if self._partial:
            self.add(self._partial.decode("utf-8", errors="replace"))
            self._partial = b""

    def add(self, line: str) -> None:
        text = clean(redact(line.rstrip("\r"), self.secrets))
        if len(text) > LINE_CHARS:
            text = text[:LINE_CHARS] + "…"
        self.lines.append(text)
        self.seen += 1
        if self.on_line is not None:
            self.on_line(text)

    @property
    def dropped(self) -> int:
        return self.seen - len(self.lines)


def secrets_of(action: Action) -> list[str]:
    """The literal values an action's output must never show: its env and header values, URL passwords."""
    found = [value.get_secret_value() for value in action.env.values()]
    if action.http is not None:
        found += [value.get_secret_value() for value in action.http.headers.values()]
        found += dsn_secrets(action.http.url)
    return [value for value in found if value]


def describe(action: Action) -> str:
    """What the action runs, as the confirmation and the timeline show it (secrets redacted)."""
    if action.http is not None:
        text = f"{action.http.method} {action.http.url}"
    elif isinstance(action.command, str):
        text = f"sh -c {shlex.quote(action.command)}"
    else:
        assert action.command is not None
        text = shlex.join(action.command) if not action.shell else f"sh -c {shlex.quote(shlex.join(action.command))}"
    return clean(redact(text, secrets_of(action)))


def check_confirmation(action: Action, confirmation: bool | str | None) -> None:
    """Raise :class:`ActionRefused` unless ``confirmation`` is what the action's config asks for."""
    if action.dangerous:
        if not isinstance(confirmation, str) or confirmation.strip() != action.name:
            raise ActionRefused(f"not run: {action.name!r} is dangerous; type its name exactly to run it")
    elif action.confirm and confirmation is not True and confirmation != action.name:
        raise ActionRefused(f"not run: {action.name!r} needs a confirmation")


class ActionRunner:
    """Runs actions on incidents for one operator and records each run on the incident's timeline."""

    def __init__(self, manager: IncidentManager, clock: Clock) -> None:
        self.manager = manager
        self.clock = clock

    async def run(
        self,
        action: Action,
        incident_id: int,
        confirmation: bool | str | None = None,
        on_line: LineListener | None = None,
        by: str | None = None,
    ) -> ActionRun:
        """Check, record the start, run with the timeout, record the end; returns what happened.

        Raises :class:`ActionRefused` (nothing run, nothing recorded) when the confirmation is missing or
        wrong, or the action is not one for this incident.
        """
        check_confirmation(action, confirmation)
        incident = await self.manager.get(incident_id)
        if incident is None:
            raise ActionRefused(f"not run: there is no incident #{incident_id}")
        if not actions_for([action], incident):
            raise ActionRefused(f"not run: {action.name!r} is not an action for incident #{incident_id}")
        actor = by or self.manager.operator
        started = self.clock.now()
        await self.manager.add_note(incident_id, f"{ACTION_MARK}{action.name} started: {describe(action)}", by=actor)
        output = Output(secrets_of(action), on_line)
        if action.http is not None:
            exit_code, timed_out, problem = await self._http(action, action.http, output)
        else:
            exit_code, timed_out, problem = await self._command(action, output)
        output.close()
        if timed_out:
            outcome, ok = f"timed out after {format_duration(action.timeout)}, stopped", False
        elif problem is not None:
            outcome, ok = problem, False
        elif action.http is not None:
            outcome, ok = f"HTTP {exit_code}", exit_code is not None and 200 <= exit_code < 300
        else:
            outcome, ok = f"exit {exit_code}", exit_code == 0
        run = ActionRun(
            action=action.name,
            incident_id=incident_id,
            actor=actor,
            started_at=started,
            finished_at=self.clock.now(),
            outcome=outcome,
            ok=ok,
            exit_code=exit_code,
            timed_out=timed_out,
            lines=tuple(output.lines),
            dropped=output.dropped,
        )
        await self.manager.add_note(incident_id, run.timeline_text(), by=actor)
        return run

    async def _command(self, action: Action, output: Output) -> tuple[int | None, bool, str | None]:
        env = {**os.environ, **{key: value.get_secret_value() for key, value in action.env.items()}}
        options: dict[str, object] = {
            "stdin": asyncio.subprocess.DEVNULL,
            "stdout": asyncio.subprocess.PIPE,
            "stderr": asyncio.subprocess.STDOUT,
            "env": env,
            "cwd": action.cwd,
            "start_new_session": True,  # its own process group: a timeout stops its children too
        }
        try:
            if action.shell:
                line = action.command if isinstance(action.command, str) else shlex.join(action.command or [])
                process = await asyncio.create_subprocess_shell(line, **options)  # type: ignore[arg-type]
            else:
                assert isinstance(action.command, list)
                process = await asyncio.create_subprocess_exec(*action.command, **options)  # type: ignore[arg-type]
        except OSError as exc:
            return None, False, f"could not start: {exc.strerror or exc}"
        assert process.stdout is not None
        stream = process.stdout

        async def finish() -> int:
            while chunk := await stream.read(READ_CHUNK):
                output.feed(chunk)
            return await process.wait()

        finished = asyncio.ensure_future(finish())
        try:
            if await _first(finished, self.clock.sleep(action.timeout)):
                return finished.result(), False, None
            _signal(process, signal.SIGTERM)
            try:
                await asyncio.wait_for(asyncio.shield(finished), KILL_GRACE)
            except TimeoutError:
                _signal(process, signal.SIGKILL)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(finished), KILL_GRACE)
            return None, True, None
        finally:
            if process.returncode is None:  # cancelled (the console is closing): never leave it running
                _signal(process, signal.SIGKILL)
            finished.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await finished

    async def _http(self, action: Action, http: HttpAction, output: Output) -> tuple[int | None, bool, str | None]:
        import httpx  # not before the first frame

        headers = {key: value.get_secret_value() for key, value in http.headers.items()}
        if http.body is not None and not any(key.lower() == "content-type" for key in headers):
            headers["Content-Type"] = "application/json"

        async def request() -> int:
            async with (
                httpx.AsyncClient(verify=http.verify_tls, timeout=action.timeout) as client,
                client.stream(http.method, http.url, headers=headers, content=http.body) as answer,
            ):
                output.add(f"HTTP {answer.status_code} {answer.reason_phrase}")
                body = b""
                async for chunk in answer.aiter_bytes():
                    body += chunk
                    if len(body) >= HTTP_BODY_BYTES:
                        break
                output.feed(body[:HTTP_BODY_BYTES])
                return answer.status_code

        answered = asyncio.ensure_future(request())
        try:
            if await _first(answered, self.clock.sleep(action.timeout)):
                try:
                    return answered.result(), False, None
                except httpx.HTTPError as exc:
                    return None, False, f"failed: {redact(str(exc) or type(exc).__name__, output.secrets)}"
            return None, True, None
        finally:
            answered.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await answered


async def _first(work: asyncio.Future[int], timer: Coroutine[Any, Any, None]) -> bool:
    """Wait for ``work`` or the timer (a clock sleep), whichever ends first; True if the work did."""
    alarm: asyncio.Future[Any] = asyncio.ensure_future(timer)
    pending: set[asyncio.Future[Any]] = {work, alarm}
    try:
        done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
    finally:
        alarm.cancel()
    return work in done


def _signal(process: asyncio.subprocess.Process, sig: int) -> None:
    """Signal the action's whole process group (it was started in a session of its own)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)
