"""The servers of the fair-sources tests, each run in a process of its own so its load is not the console's.

    python -m tests.hostile.flood_servers websocket   # a raw flood: small one-event messages, as fast as read
    python -m tests.hostile.flood_servers http        # a healthy endpoint: 200 "ok" to every request

Each prints its port on the first line, then serves until its standard input closes (the test ends) or
:data:`LIFETIME` seconds pass, whichever is first, so nothing outlives a test that was killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

LIFETIME = 120.0
MESSAGE = json.dumps({"type": "request", "route": "/api/cart", "method": "GET", "status": 200, "duration_ms": 12.5})
"""One small event per message: the attack run's raw flood (~19k messages a second), the most work per byte."""


async def _flood(connection: ServerConnection) -> None:
    try:
        while True:
            for _ in range(100):
                await connection.send(MESSAGE)  # waits only when the console's socket is full
            await asyncio.sleep(0)
    except ConnectionClosed:
        return


async def _healthy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def _until_stdin_closes() -> None:
    reader = asyncio.StreamReader()
    await asyncio.get_running_loop().connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    await asyncio.wait_for(reader.read(), LIFETIME)


async def main(kind: str) -> None:
    if kind == "websocket":
        async with serve(_flood, "127.0.0.1", 0, max_size=None) as server:
            print(server.sockets[0].getsockname()[1], flush=True)
            await _until_stdin_closes()
    else:
        listener = await asyncio.start_server(_healthy, "127.0.0.1", 0)
        print(listener.sockets[0].getsockname()[1], flush=True)
        await _until_stdin_closes()
        listener.close()


if __name__ == "__main__":
    with contextlib.suppress(TimeoutError, KeyboardInterrupt):
        asyncio.run(main(sys.argv[1]))
