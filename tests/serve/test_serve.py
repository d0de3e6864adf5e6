"""``opstui serve``: the real command in its own process, a real headless Chromium, the real console inside.

The server runs ``--demo --read-only`` with a token on 127.0.0.1; the page and its websocket are refused
without the token (401), with a wrong one (403), from another site's page (403) and under another host name
(403); with it, Chromium shows the console's header (DEMO, READ-ONLY) and a KPI tile.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import websockets
from websockets.exceptions import InvalidStatus

from opstui.commands.serve import TOKEN_ENV, console_command
from opstui.ui.web import is_loopback, same_token
from tests.serve.browser import NOT_INSTALLED, REQUIRE, Browser, chromium


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    base: str
    token: str
    process: subprocess.Popen[str]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    port = _free_port()
    token = secrets.token_urlsafe(24)
    state = tmp_path_factory.mktemp("serve") / "state.db"
    env = {**os.environ, TOKEN_ENV: token, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    process = subprocess.Popen(
        [sys.executable, "-m", "opstui", "serve", "--demo", "--read-only", "--port", str(port), "--state", str(state)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # its own process group: the consoles it starts end with it
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith(f"opstui serve: open http://127.0.0.1:{port}/"), first
        assert token not in first, "a token from the environment is not printed"
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None, "opstui serve did not listen"
                time.sleep(0.05)
        yield Served(f"127.0.0.1:{port}", token, process)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_loopback_and_tokens() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1") and is_loopback("127.0.0.2")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.1") and not is_loopback("example.com")
    assert same_token("abc", "abc") and not same_token("abd", "abc") and not same_token(None, "abc")


def test_the_console_command_carries_config_state_demo_and_read_only(tmp_path: Path) -> None:
    import argparse

    args = argparse.Namespace(config="/etc/op s.yaml", state=str(tmp_path / "s.db"), demo=True, read_only=True)
    command = console_command(args)
    assert command.startswith(f"{sys.executable} -m opstui --config '/etc/op s.yaml' --state ")
    assert command.endswith("--demo --read-only")


def test_another_host_without_a_token_env_gets_a_generated_one_printed_once(tmp_path: Path) -> None:
    """Bound to an address other than loopback, with no $OPSTUI_SERVE_TOKEN: one is made and printed once.
    The port is taken on purpose, so the command stops right after printing (exit 2), listening nowhere."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if k != TOKEN_ENV}
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
        result = subprocess.run(
            [sys.executable, "-m", "opstui", "serve", "--demo", "--host", "0.0.0.0", "--port", str(port)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2, result.stderr
    line = result.stdout.splitlines()[0]
    assert line.startswith(f"opstui serve: open http://0.0.0.0:{port}/?token=")
    assert len(line.split("?token=")[1]) == 32
    assert f"cannot listen on 0.0.0.0:{port}" in result.stderr


def test_a_short_token_is_refused(tmp_path: Path) -> None:
    env = {**os.environ, TOKEN_ENV: "short", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    result = subprocess.run(
        [sys.executable, "-m", "opstui", "serve", "--demo"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "shorter than 16 characters" in result.stderr


async def test_the_page_and_the_websocket_refuse_without_the_token(served: Served) -> None:
    base = f"http://{served.base}"
    async with httpx.AsyncClient(follow_redirects=False) as client:
        assert (await client.get(f"{base}/")).status_code == 401
        assert (await client.get(f"{base}/?token=wrong-{served.token}")).status_code == 403
        assert (await client.get(f"{base}/static/js/textual.js")).status_code == 401, "every route is guarded"
        with_token = await client.get(f"{base}/?token={served.token}&fontsize=14")
        assert with_token.status_code == 303
        assert with_token.headers["location"] == "/?fontsize=14", "the token leaves the address bar"
        cookie = with_token.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        page = await client.get(f"{base}/", headers={"Cookie": f"opstui_serve_token={served.token}"})
        assert page.status_code == 200 and f'data-session-websocket-url="ws://{served.base}/ws"' in page.text
        # Another host name for 127.0.0.1 (DNS rebinding): refused even with the token.
        rebound = await client.get(f"{base}/?token={served.token}", headers={"Host": f"evil.example:{served.base}"})
        assert rebound.status_code == 403
    ws = f"ws://{served.base}/ws"
    for headers, status in (
        ({}, 401),
        ({"Cookie": "opstui_serve_token=wrong-token-wrong-token"}, 403),
        ({"Cookie": f"opstui_serve_token={served.token}", "Origin": "http://evil.example"}, 403),
    ):
        with pytest.raises(InvalidStatus) as refused:
            async with websockets.connect(ws, additional_headers=headers, open_timeout=10):
                pass
        assert refused.value.response.status_code == status, headers


async def test_chromium_shows_the_console_with_the_token_and_a_refusal_without(served: Served) -> None:
    binary = chromium()
    if binary is None:
        if REQUIRE:
            pytest.fail(f"{NOT_INSTALLED}; OPSTUI_REQUIRE_CHROMIUM=1: the browser test may not be skipped")
        pytest.skip(NOT_INSTALLED)
    browser = Browser(binary)
    try:
        await browser.start()
        await browser.open(f"http://{served.base}/")
        refused = await browser.wait_for("body", "needs its token")
        assert "Engineering" not in refused
        await browser.open(f"http://{served.base}/?token={served.token}")
        screen = await browser.wait_for("screen", "DEMO", "READ-ONLY", "Error rate", within=20)
        assert "q Quit" in screen
        assert await browser.evaluate("location.search") == "", "the token is no longer in the address"
    finally:
        await browser.close()
