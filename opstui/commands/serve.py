"""``opstui serve``: the console in a browser, for a manager or a second screen (docs/serve.md).

Each browser tab runs its own console process (``python -m opstui`` with the same ``--config``, ``--state``
and ``--demo``), as textual-serve does; they share the state store as consoles on one host do. Bound to
127.0.0.1 by default. Any other address needs a token: ``$OPSTUI_SERVE_TOKEN`` (at least
:data:`MIN_TOKEN` characters), or one made with :mod:`secrets` and printed once in the address to open.
``--read-only`` starts the consoles with ``--read-only``: the keys that act are hidden and refused.
Exit statuses: 0 stopped (Ctrl+C), 2 bad arguments, a short token, or the port is taken.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import sys
from typing import Any

from opstui.commands.common import EXIT_CONFIG, error

TOKEN_ENV = "OPSTUI_SERVE_TOKEN"
MIN_TOKEN = 16
"""A shorter token could be guessed over the network; ``secrets.token_urlsafe(24)`` makes 32 characters."""
DEFAULT_PORT = 8040


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "serve",
        help="serve the console to a browser (127.0.0.1 by default; another address needs a token)",
        description="The console in a browser, one console process per tab. Bound to 127.0.0.1 by default; "
        f"any other --host needs a token (${TOKEN_ENV}, or one is generated and printed). --read-only hides "
        "and refuses every key that acts. Exit 0 stopped, 2 bad arguments or the port is taken.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--read-only", action="store_true", help="consoles that only look: no key acts")
    parser.add_argument(
        "--public-url",
        metavar="URL",
        help="the address browsers use, when it is not the one they asked for (a TLS proxy: https://...)",
    )
    parser.add_argument("--config", metavar="FILE", help="config file (default: the usual lookup)")
    parser.add_argument("--state", metavar="PATH", default=argparse.SUPPRESS, help="state database")
    parser.add_argument("--demo", action="store_true", default=argparse.SUPPRESS, help="serve the demo console")
    parser.set_defaults(func=run)


def console_command(args: argparse.Namespace) -> str:
    """The shell command textual-serve runs per tab: this Python, this opstui, the same config and state."""
    argv = [sys.executable, "-m", "opstui"]
    if getattr(args, "config", None):
        argv += ["--config", args.config]
    if getattr(args, "state", None):
        argv += ["--state", args.state]
    if getattr(args, "demo", False):
        argv.append("--demo")
    if args.read_only:
        argv.append("--read-only")
    return shlex.join(argv)


def _unstartable(config: str | None) -> str | None:
    """Why the consoles could not start on this config (the checks the console runs), or None."""
    from opstui.commands.common import load, startable
    from opstui.config import ConfigError

    try:
        loaded, path = load(config)
    except ConfigError as exc:
        return str(exc)
    problem = startable(loaded, path)
    return None if problem is None else str(problem)


def run(args: argparse.Namespace) -> int:
    from opstui.ui.web import GuardedServer, is_loopback

    if not 0 < args.port < 65536:
        error("--port must be between 1 and 65535")
        return EXIT_CONFIG
    token = os.environ.pop(TOKEN_ENV, None) or None  # not handed on to the consoles (nor their actions)
    if token is not None and len(token) < MIN_TOKEN:
        error(f"${TOKEN_ENV} is shorter than {MIN_TOKEN} characters (secrets.token_urlsafe(24) makes a good one)")
        return EXIT_CONFIG
    generated = token is None and not is_loopback(args.host)
    if generated:
        token = secrets.token_urlsafe(24)
    if not getattr(args, "demo", False) and (problem := _unstartable(args.config)):
        error(problem)  # checked once here: a tab would otherwise show only "Session ended"
        return EXIT_CONFIG
    server = GuardedServer(
        console_command(args), host=args.host, port=args.port, token=token, public_url=args.public_url
    )
    shown_host = f"[{args.host}]" if ":" in args.host else args.host
    base = args.public_url or f"http://{shown_host}:{args.port}"
    address = f"{base.rstrip('/')}/?token={token}" if generated else f"{base.rstrip('/')}/"
    if generated:
        # The one line that must show a secret: past the output's redaction (which hides ``token=`` values,
        # in the request log too). The token is secrets' URL-safe alphabet: nothing to sanitise.
        out = sys.__stdout__ or sys.stdout
        out.write(f"opstui serve: open {address}\n")
        out.flush()
        print("  (the token is shown this once; set $OPSTUI_SERVE_TOKEN to choose your own)", flush=True)
    else:
        print(f"opstui serve: open {address}", flush=True)
        if token is not None:
            print(f"  (the first visit adds ?token= and ${TOKEN_ENV}'s value)", flush=True)
    if args.read_only:
        print("  read-only: the keys that act are hidden and refused", flush=True)
    try:
        server.serve()
    except OSError as exc:  # the port is taken, the address is not this machine's
        error(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
        return EXIT_CONFIG
    return 0
