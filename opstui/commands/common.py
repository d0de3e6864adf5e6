"""What the subcommands share: one-line errors, exit statuses and the config lookup."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from opstui.config import Config, ConfigError, find_config, load_config
from opstui.files import write_atomically
from opstui.redact import redact

if TYPE_CHECKING:
    from opstui.config.incidents import StateSettings
    from opstui.state.protocol import StateStore

T = TypeVar("T")

EXIT_CONFIG = 2
"""A bad config or bad arguments for the console and ``validate``."""
EXIT_UNKNOWN = 3
"""``check``'s Nagios UNKNOWN: it could not tell."""


def error(message: str) -> None:
    """Print one line on stderr: the only way a user error is reported, never a traceback (and never a
    password: the message is redacted, whatever error text it quotes)."""
    print(f"opstui: {redact(message)}", file=sys.stderr)


def print_or_write(text: str, output: str | None, what: str) -> bool:
    """A document to standard output (no ``-o``, or ``-o -``) or written atomically to ``output``, then a line
    saying ``wrote WHAT to FILE``; False, with the one-line error said, when the file could not be written."""
    if not output or output == "-":
        print(text, end="")
        return True
    try:
        write_atomically(Path(output), text)
    except OSError as exc:
        error(f"cannot write {output}: {exc.strerror or exc}")
        return False
    print(f"wrote {what} to {output}")
    return True


def startable(config: Config, path: Path) -> ConfigError | None:
    """What the console checks before it starts, and ``validate`` with it: the theme and key ids exist, and
    the runtime's own objects (store, windows, KPI thresholds, alert rules, rotation) can be built from the
    config. Anything ``validate`` accepts therefore starts; anything that cannot start fails here, exit 2."""
    from opstui.clock import SystemClock
    from opstui.core import Core
    from opstui.ui.keymap import check_keys
    from opstui.ui.theming import theme_line, unknown_theme

    if problem := unknown_theme(config.ui.theme, "ui.theme"):
        message = problem.removeprefix("ui.theme: ")
        return ConfigError(message, file=str(path), line=theme_line(path), path="ui.theme")
    if problem_keys := check_keys(config.ui.keys, str(path)):
        return problem_keys
    try:
        Core(config, SystemClock())
    except (ValueError, TypeError, KeyError, OverflowError, MemoryError) as exc:
        return ConfigError(f"cannot start: {exc}", file=str(path))
    return None


def load(explicit: str | None) -> tuple[Config, Path]:
    """Find and load the config; raises :class:`ConfigError` with file, line and key path."""
    path = find_config(explicit)
    if path is None:
        raise ConfigError(
            "no config found (looked at --config, $OPSTUI_CONFIG, ./opstui.yaml and the user config dir); "
            "'opstui init' writes a commented one to ./opstui.yaml, or try 'opstui --demo'",
            file="",  # no file to name: error() adds the one "opstui:" prefix
        )
    return load_config(path), path


def load_or_say(explicit: str | None) -> Config | None:
    """The config, or None once its one-line error (file, line, key path) is said: the caller returns its
    exit status."""
    try:
        config, _ = load(explicit)
    except ConfigError as exc:
        error(str(exc))
        return None
    return config


def with_state(settings: StateSettings, use: Callable[[StateStore], Awaitable[T]], *, read_only: bool = False) -> T:
    """Open the store ``settings`` name, ``use`` it and close it: a short command's whole use of the store.
    Raises :class:`~opstui.state.protocol.StateError`, which the command says in one line."""
    from opstui.clock import SystemClock
    from opstui.state import open_state

    async def run() -> T:
        state = await open_state(settings, SystemClock(), read_only=read_only)
        try:
            return await use(state)
        finally:
            await state.close()

    return asyncio.run(run())
