"""Themes as data: YAML files parsed into :class:`textual.theme.Theme`.

The console ships three (the repository's top-level ``themes/``, see :mod:`opstui.shipped`) and also
loads ``*.yaml`` from ``<user config dir>/opstui/themes/`` (a user file with a shipped name replaces it).
Every colour is checked with ``Color.parse``; a bad file is skipped and reported, never fatal, because a typo in a
theme must not keep the console from starting at 3 a.m.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from textual.color import Color, ColorParseError
from textual.theme import Theme

from opstui.shipped import themes_dir

DEFAULT_THEME = "opstui-dark"
STATUS_VARIABLES = ("status-ok", "status-warn", "status-crit", "status-nodata")
"""The app's own variables every ``.tcss`` file may use; a theme must define them all."""
STATUS_DEFAULTS = {"status-ok": "green", "status-warn": "orange", "status-crit": "red", "status-nodata": "grey"}
"""Used before a theme is applied (Textual resolves variables at stylesheet load)."""
_COLOUR_KEYS = (
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
    "success",
    "warning",
    "error",
)


@dataclass
class ThemeSet:
    """The themes found, in load order, and why any file was skipped."""

    themes: dict[str, Theme] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return list(self.themes)


def user_theme_dir() -> Path:
    """Where a user drops their own theme files."""
    from platformdirs import user_config_dir

    return Path(user_config_dir("opstui")) / "themes"


def ui_state_file() -> Path:
    """Where the console remembers the theme last chosen with ``t`` (the user state dir, not config:
    it is the console's memory, which the user never has to edit)."""
    from platformdirs import user_state_dir

    return Path(user_state_dir("opstui")) / "ui.json"


@dataclass
class ThemeMemory:
    """The theme chosen last time, in a small JSON file; every failure reads as "nothing remembered"
    and a failed write is one line, because a read-only home must not keep the console from starting."""

    path: Path

    def recall(self) -> str | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        theme = data.get("theme") if isinstance(data, dict) else None
        return theme if isinstance(theme, str) and theme else None

    def remember(self, theme: str) -> str | None:
        """Store ``theme``; the one-line reason when it could not be written, else None."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_suffix(".tmp")
            partial.write_text(json.dumps({"theme": theme}) + "\n", encoding="utf-8")
            os.replace(partial, self.path)  # never a half-written file
        except OSError as exc:
            return f"could not remember the theme in {self.path}: {exc.strerror or exc}"
        return None


def parse_theme(data: Any, origin: str) -> Theme:
    """One theme from a YAML mapping; raises ValueError with a one-line reason naming ``origin``."""
    if not isinstance(data, dict):
        raise ValueError(f"{origin}: a theme file must be a mapping")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError(f"{origin}: 'name' is required")
    unknown = set(data) - {"name", "dark", "variables", *_COLOUR_KEYS}
    if unknown:
        raise ValueError(f"{origin}: unknown key(s) {', '.join(sorted(unknown))}")
    colours: dict[str, str] = {}
    for key in _COLOUR_KEYS:
        if key in data:
            colours[key] = _colour(data[key], f"{origin}: {key}")
    if "primary" not in colours:
        raise ValueError(f"{origin}: 'primary' is required")
    raw_vars = data.get("variables") or {}
    if not isinstance(raw_vars, dict):
        raise ValueError(f"{origin}: 'variables' must be a mapping")
    variables = {str(k): _colour(v, f"{origin}: variables.{k}") for k, v in raw_vars.items()}
    missing = [v for v in STATUS_VARIABLES if v not in variables]
    if missing:
        raise ValueError(f"{origin}: variables {', '.join(missing)} are required")
    theme = Theme(name=name, primary=colours.pop("primary"), dark=bool(data.get("dark", True)), variables=variables)
    for key, value in colours.items():
        setattr(theme, key, value)  # Theme is a plain dataclass; optional colours by name
    return theme


def _colour(value: Any, where: str) -> str:
    try:
        Color.parse(str(value))
    except ColorParseError:
        raise ValueError(f"{where}: {value!r} is not a colour") from None
    return str(value)


def load_themes(extra_dirs: list[Path] | None = None) -> ThemeSet:
    """The shipped themes, then the user's (same name replaces); bad files become ``problems``."""
    found = ThemeSet()
    dirs = [themes_dir(), *(extra_dirs if extra_dirs is not None else [user_theme_dir()])]
    for folder in dirs:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.yaml")):
            try:
                theme = parse_theme(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))
            except (OSError, yaml.YAMLError, ValueError) as exc:
                found.problems.append(str(exc).splitlines()[0])
                continue
            found.themes[theme.name] = theme
    return found


def unknown_theme(name: str, where: str) -> str | None:
    """The one-line complaint for a theme name that no file defines, or None when it exists."""
    found = load_themes()
    if name in found.themes:
        return None
    return f"{where}: unknown theme {name!r}; the themes are: {', '.join(sorted(found.names))}"


def theme_line(config_file: Path) -> int | None:
    """The line of ``ui.theme`` in a config file (the first indented ``theme:`` after ``ui:``), for the error."""
    try:
        lines = config_file.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    in_ui = False
    for number, line in enumerate(lines, start=1):
        if line.startswith("ui:"):
            in_ui = True
            if "theme:" in line:  # ui: {theme: x}
                return number
        elif in_ui and line.lstrip().startswith("theme:") and line[:1].isspace():
            return number
        elif line[:1].isalnum():
            in_ui = False
    return None
