"""The files opstui ships beside its code: the theme files and the commented example config.

In the repository they live at the top level (``themes/``, ``config.example.yaml``), where a reader of
the layout expects them; the wheel carries them inside the package (``opstui/themes/``,
``opstui/config.example.yaml``, put there at build time by hatch's ``force-include``). This module is the
one place that knows both spots, so an installed package and a clone (editable or ``PYTHONPATH``) find
the same files.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    """``name`` inside the installed package if the wheel put it there, else at the repository's top level."""
    installed = _PACKAGE / name
    if installed.exists():
        return installed
    return _PACKAGE.parent / name


def themes_dir() -> Path:
    """The folder of the theme files the console ships (``*.yaml``)."""
    return _shipped("themes")


def example_config() -> Path:
    """The commented example config: what ``opstui init`` writes and every hint points at."""
    return _shipped("config.example.yaml")
