"""User key bindings: ``ui.keys`` in the config maps a binding id to the key(s) it should use.

Every ``Binding`` in the console has an ``id`` (``app.quit``, ``oncall.acknowledge``, ...) and the
help screen (``?``) shows it next to each key, so a user can rebind without reading the source;
the app hands the mapping to ``App.set_keymap``. An id no binding has is refused at start as a
:class:`ConfigError` naming the file, line and key path, because a silently ignored rebinding is
found out at 3 a.m. when the key does not work.
"""

from __future__ import annotations

import difflib
import pkgutil
from collections.abc import Mapping
from importlib import import_module
from pathlib import Path

import yaml

from opstui.config.errors import ConfigError

ACTION_BINDINGS: frozenset[str] = frozenset(
    {
        # On-call and the incident detail: everything that writes an incident, its timeline or a page.
        "app.acknowledge_banner",
        "oncall.acknowledge",
        "oncall.resolve",
        "oncall.note",
        "oncall.milestone",
        "oncall.snooze",
        "oncall.severity",
        "oncall.update",
        "oncall.run_action",
        "oncall.create",
        "oncall.handoff",
        "oncall.escalate",
        "oncall.unacknowledge",
        "oncall.reassign",
        "oncall.override",
        "detail.acknowledge",
        "detail.resolve",
        "detail.note",
        "detail.milestone",
        "detail.snooze",
        "detail.update",
        "detail.run_action",
        "detail.report",
        "detail.escalate",
        "detail.unacknowledge",
        "detail.reassign",
        "update.post",
        # Silences and the checklist.
        "silences.create",
        "silences.expire",
        "checklist.tick",
        "checklist.skip",
        "checklist.note",
        "checklist.undo",
    }
)
"""The keys that act: they write the state store (acknowledge, resolve, notes, ticks, silences, updates,
escalations, overrides), run a runbook action or write a file on the console's host (handoff, review).
``--read-only`` (``opstui serve --read-only``) hides and refuses every console key that is not in
:data:`VIEW_BINDINGS`, these and any key added later alike: a new key is refused on a read-only console until
it is listed as one that only looks (tests/ui/test_read_only.py lists the ones in neither set)."""

VIEW_BINDINGS: frozenset[str] = frozenset(
    {
        "actions.cancel",
        "app.help",
        "app.mute",  # this console's own bell, for this console's viewer: nothing is written
        "app.quit",
        "app.live",  # leaves a replay for the live console
        "app.replay",  # looks at the past: a replay writes nothing
        "app.theme",
        "alerts.back",
        "alerts.filter",
        "audit.clear_filter",
        "audit.filter",
        "audit.service",
        "audit.window",
        "checklist-text.cancel",
        "checklist.clear_filter",
        "checklist.down",
        "checklist.filter",
        "checklist.up",
        "confirm.no",
        "confirm.yes",
        "detail.back",
        "engineering.clear_filter",
        "engineering.filter",
        "engineering.routes",
        "events.detail_close",
        "help.close",
        "incidents.first",
        "incidents.last",
        "milestone.cancel",
        "mode.audit",
        "mode.checklist",
        "mode.engineering",
        "mode.executive",
        "mode.oncall",
        "new_incident.cancel",
        "override.cancel",
        "reassign.cancel",
        "oncall.alerts",
        "oncall.detail",
        "oncall.silences",
        "output.close",
        "replay.back",
        "replay.forward",
        "replay.jump_back",
        "replay.jump_forward",
        "replay.pause",
        "routes.back",
        "routes.sort_errors",
        "routes.sort_p95",
        "routes.sort_volume",
        "severity.cancel",
        "silence.cancel",
        "silences.close",
        "snooze.cancel",
        "table.cursor_down",
        "table.cursor_up",
        "table.first",
        "table.last",
        "table.page_down",
        "table.page_up",
        "table.select",
        "text.cancel",
        "typename.cancel",
        "update.cancel",
    }
)
"""The keys that only look, move or close (``confirm.yes`` answers a dialog only an action key opens): the only
console keys a read-only console keeps (Textual's own, such as focus and cursor keys, stay too)."""


def known_binding_ids() -> dict[str, str]:
    """Every binding id of the console's app, screens, modals and widgets, with its description."""
    from textual.binding import Binding
    from textual.dom import DOMNode

    import opstui.ui

    # Every module of the console: the app imports most screens, widgets and modals lazily, and a screen that
    # only another one opens (the alerts view) would otherwise be missed (its keys refused in ui.keys).
    for module in pkgutil.walk_packages(opstui.ui.__path__, "opstui.ui."):
        import_module(module.name)

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
