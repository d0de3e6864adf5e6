"""What the subcommands share: one-line errors, exit statuses and the config lookup."""

from __future__ import annotations

import sys
from pathlib import Path

from opstui.config import Config, ConfigError, find_config, load_config

EXIT_CONFIG = 2
"""A bad config or bad arguments for the console and ``validate``."""
EXIT_UNKNOWN = 3
"""``check``'s Nagios UNKNOWN: it could not tell."""


def error(message: str) -> None:
    """Print one line on stderr: the only way a user error is reported, never a traceback."""
    print(f"opstui: {message}", file=sys.stderr)


def load(explicit: str | None) -> tuple[Config, Path]:
    """Find and load the config; raises :class:`ConfigError` with file, line and key path."""
    path = find_config(explicit)
    if path is None:
        raise ConfigError(
            "no config found (looked at --config, $OPSTUI_CONFIG, ./opstui.yaml and the user config dir); "
            "copy config.example.yaml to ./opstui.yaml, or try 'opstui --demo'",
            file="opstui",
        )
    return load_config(path), path
