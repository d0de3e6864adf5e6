"""User key bindings: ``ui.keys`` in the config maps a binding id to the key(s) it should use.

Every ``Binding`` in the console has an ``id`` (``app.quit``, ``oncall.acknowledge``, ...) and the
help screen (``?``) shows it next to each key, so a user can rebind without reading the source;
the app hands the mapping to ``App.set_keymap``. An id no binding has is refused at start as a
:class:`ConfigError` naming the file, line and key path, because a silently ignored rebinding is
found out at 3 a.m. when the key does not work.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from importlib import import_module
from pathlib import Path

import yaml

from opstui.config.errors import ConfigError


def known_binding_ids() -> dict[str, str]:
    """Every binding id of the console's app, screens, modals and widgets, with its description."""
    from textual.binding import Binding
    from textual.dom import DOMNode

    from opstui.ui.app import LAZY_SCREENS

    # Every screen, and through them every widget and modal (the app imports most of them lazily).
    for module in ("opstui.ui.screens.help", "opstui.ui.replay_app", *(module for module, _ in LAZY_SCREENS.values())):
        import_module(module)

    found: dict[str, str] = {}
    pending: list[type[DOMNode]] = [DOMNode]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if not cls.__module__.startswith("opstui."):
            continue
        for binding in cls.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding) and binding.id:
                found[binding.id] = binding.description or binding.action
    return found


def check_keys(keys: Mapping[str, str], file: str = "<config>") -> ConfigError | None:
    """The error for the first ``ui.keys`` entry naming no binding (or no key), else None."""
    if not keys:
        return None
    known = known_binding_ids()
    for binding_id, key in keys.items():
        path = f"ui.keys.{binding_id}"
        line = key_line(Path(file), ("ui", "keys", binding_id))
        if binding_id not in known:
            close = difflib.get_close_matches(binding_id, list(known), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            message = f"no key binding has the id {binding_id!r}; {hint}press ? in the console to see every id"
            return ConfigError(message, file=file, line=line, path=path)
        if not key.strip():
            return ConfigError("the key is empty (e.g. 'ctrl+a' or 'a,enter')", file=file, line=line, path=path)
    return None


def key_line(config_file: Path, path: tuple[str, ...]) -> int | None:
    """The line of the key at ``path`` in a YAML file (1-based), or None when it cannot be found."""
    try:
        node: yaml.Node | None = yaml.compose(config_file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    line: int | None = None
    for part in path:
        if not isinstance(node, yaml.MappingNode):
            return line
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == part:
                line, node = key_node.start_mark.line + 1, value_node
                break
        else:
            return line
    return line
