"""The subcommands of ``opstui``, one module each.

Each module has ``register(sub)``, which adds its parser (``ack_resolve`` adds two) and sets ``func``
to a function taking the parsed arguments and returning the exit status. Adding a command is one module and one line in
:data:`COMMANDS`.
"""

from __future__ import annotations

COMMANDS: tuple[str, ...] = (
    "init",
    "validate",
    "check",
    "demo_server",
    "demo_db",
    "checklist",
    "incidents",
    "incident",
    "ack_resolve",
    "silences",
    "maintenance",
    "oncall",
    "report",
    "status_page",
    "handoff",
    "serve",
    "uptime",
    "latency",
    "replay",
    "state",
    "audit",
    "rules",
    "notifications",
)
"""Module names under ``opstui.commands``, in the order ``opstui --help`` lists them."""
