"""The console in a browser (``opstui serve``): textual-serve's server with a guard in front of every route.

textual-serve runs one console process per browser tab (the command given, under its web driver) and
relays its screen over a websocket. What it does not do is decide who may connect. :class:`GuardedServer`
adds one aiohttp middleware, run before each of its routes (the page, the websocket, downloads, the static
files), that refuses:

- a request whose ``Host`` is not the loopback name or address when the server is bound to loopback: a web
  page the operator visits cannot reach ``127.0.0.1`` through a DNS name it controls (DNS rebinding);
- a websocket whose ``Origin`` is another site than the page's: another site's script cannot drive the
  console in the operator's browser (cross-site websocket hijacking);
- without the token when there is one (always, when bound to another address than loopback): 401 without
  it, 403 with a wrong one. The token is compared with :func:`hmac.compare_digest`. It comes once in the
  URL (``/?token=...``); the page answers with a cookie (``HttpOnly``, ``SameSite=Strict``) and a redirect to
  the same page without it, so the token leaves the address bar and the history, and the websocket and the
  page's files carry the cookie.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from textual_serve.server import Server

COOKIE = "opstui_serve_token"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address (127.0.0.0/8, ::1): reachable from this machine only."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def same_token(given: str | None, token: str) -> bool:
    """Constant-time comparison, so the time a refusal takes says nothing about how much of a guess was right."""
    return given is not None and hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8"))


def _host_name(host_header: str) -> str:
    """The name in a ``Host`` header, without its port (``[::1]:8040`` is ``::1``)."""
    return (urlsplit(f"//{host_header}").hostname or "").lower()


class GuardedServer(Server):
    """textual-serve's :class:`~textual_serve.server.Server`, each route behind :meth:`guard`."""

    def __init__(self, command: str, *, host: str, port: int, token: str | None, public_url: str | None = None) -> None:
        super().__init__(command, host=host, port=port, title="opstui", public_url=public_url)
        self.token = token
        self.loopback = is_loopback(host)
        self.fixed_url = public_url is not None
        """With ``--public-url`` the page names that address; else the one the browser asked for."""

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()

        @web.middleware
        async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
            return await self.guard(request, handler)

        app.middlewares.append(guard)
        return app

    async def guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Refuse what the module docstring lists; pass the rest to textual-serve's route."""
        if self.loopback and not is_loopback(_host_name(request.host)):
            return web.Response(status=403, text="opstui serve: this console answers on its loopback address only\n")
        origin = request.headers.get("Origin")
        if request.path == "/ws" and origin is not None and urlsplit(origin).netloc.lower() != request.host.lower():
            return web.Response(status=403, text="opstui serve: a websocket from another site is refused\n")
        if self.token is None:
            return await handler(request)
        query_token = request.query.get("token")
        given = query_token if query_token is not None else request.cookies.get(COOKIE)
        if given is None:
            return web.Response(
                status=401,
                text="opstui serve: this console needs its token: open the address 'opstui serve' printed "
                "(http://HOST:PORT/?token=...)\n",
            )
        if not same_token(given, self.token):
            return web.Response(status=403, text="opstui serve: wrong token\n")
        if query_token is not None and request.path == "/":
            # Once in the URL, then a cookie: the token leaves the address bar, the history and any Referer.
            rest = request.rel_url.with_query([(k, v) for k, v in request.query.items() if k != "token"])
            response = web.HTTPSeeOther(location=str(rest))
            response.set_cookie(
                COOKIE,
                self.token,
                httponly=True,
                samesite="Strict",
                secure=(request.scheme == "https" or self.public_url.startswith("https")),
                path="/",
            )
            return response
        return await handler(request)

    async def handle_index(self, request: web.Request) -> Any:
        # The page tells the browser where the websocket is: the address it used (a name, an IP, a
        # forwarded port), unless --public-url says otherwise (a TLS proxy in front).
        if not self.fixed_url:
            self.public_url = f"{request.scheme}://{request.host}"
        return await super().handle_index(request)

    def initialize_logging(self) -> None:
        """One plain line per request on stderr: textual-serve's own handler prints tracebacks with their
        local variables, which would show a token."""
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    async def on_startup(self, app: web.Application) -> None:
        """textual-serve prints its logo here; the command prints its own lines (address, read-only)."""
