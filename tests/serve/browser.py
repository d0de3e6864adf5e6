"""A real headless Chromium driven over the DevTools protocol (a websocket, with the ``websockets`` package).

Debian's ``chromium`` is enough: no browser download, no WebDriver. The console in the page is an xterm.js
terminal drawn on a canvas, so the text is not in the DOM; :data:`CAPTURE` runs before the page's scripts
and keeps the terminal object when textual-serve's script stores it (``this.terminal = new Terminal()``), so
:meth:`Browser.screen_text` reads exactly what the terminal shows, line by line.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import websockets

REQUIRE = os.environ.get("OPSTUI_REQUIRE_CHROMIUM") == "1"
NOT_INSTALLED = "chromium is not installed (apt-get install chromium)"

CAPTURE = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  get() { return undefined; },
  set(value) {
    Object.defineProperty(this, "terminal", {value, writable: true, configurable: true, enumerable: true});
    if (!window.__opstuiTerminal && value && value.buffer && value.buffer.active) window.__opstuiTerminal = value;
  },
});
window.__opstuiScreen = () => {
  const terminal = window.__opstuiTerminal;
  if (!terminal) return "";
  const buffer = terminal.buffer.active, lines = [];
  for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i).translateToString(true));
  return lines.join("\\n");
};
"""


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Browser:
    """One headless Chromium with a profile of its own, and the DevTools session of its first tab."""

    def __init__(self, binary: str) -> None:
        self.profile = Path(tempfile.mkdtemp(prefix="opstui-chromium-"))
        self.process = subprocess.Popen(
            [
                binary,
                "--headless",
                "--no-sandbox",  # the tests run as root in CI
                "--disable-gpu",
                "--no-first-run",
                "--window-size=1280,800",
                f"--user-data-dir={self.profile}",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._ws: Any = None
        self._id = 0

    async def start(self, within: float = 15.0) -> None:
        """Wait for Chromium's DevTools port, then attach to its tab."""
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + within
        while not port_file.exists() or not port_file.read_text().strip():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("chromium did not open its DevTools port")
            await asyncio.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        browser = await websockets.connect(f"ws://127.0.0.1:{port}{port_file.read_text().split()[1]}", max_size=None)
        self._ws = browser
        targets = await self.call("Target.getTargets")
        page = next(t["targetId"] for t in targets["targetInfos"] if t["type"] == "page")
        attached = await self.call("Target.attachToTarget", targetId=page, flatten=True)
        self.session = attached["sessionId"]
        await self.call("Page.enable", session=True)
        await self.call("Page.addScriptToEvaluateOnNewDocument", session=True, source=CAPTURE)

    async def call(self, method: str, session: bool = False, **params: Any) -> dict[str, Any]:
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        await self._ws.send(json.dumps(message))
        while True:
            answer = json.loads(await self._ws.recv())
            if answer.get("id") == self._id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return dict(answer.get("result", {}))

    async def open(self, url: str) -> None:
        await self.call("Page.navigate", session=True, url=url)

    async def evaluate(self, expression: str) -> Any:
        result = await self.call("Runtime.evaluate", session=True, expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    async def screen_text(self) -> str:
        return str(await self.evaluate("window.__opstuiScreen ? window.__opstuiScreen() : ''") or "")

    async def body_text(self) -> str:
        return str(await self.evaluate("document.body ? document.body.innerText : ''") or "")

    async def wait_for(self, read: str, *needles: str, within: float = 15.0) -> str:
        """Poll ``screen_text`` or ``body_text`` until every needle is in it (or fail with what was there)."""
        deadline = time.monotonic() + within
        text = ""
        while time.monotonic() < deadline:
            text = await (self.screen_text() if read == "screen" else self.body_text())
            if all(needle in text for needle in needles):
                return text
            await asyncio.sleep(0.2)
        raise AssertionError(f"{needles} not in the page's {read} after {within}s:\n{text}")

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)
