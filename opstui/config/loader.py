"""Read a YAML config file into :class:`Config`, keeping line numbers for every key path.

The YAML is composed into nodes first so that any error found later (an unset ``${VAR}``, a wrong
type, an unknown key) can still name the line it came from.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml
from platformdirs import user_config_dir
from pydantic import ValidationError

from opstui.config.errors import ConfigError
from opstui.config.models import Config

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")

PathKey = tuple[str | int, ...]


def find_config(explicit: str | None) -> Path | None:
    """Where the config comes from: ``--config``, ``$OPSTUI_CONFIG``, ``./opstui.yaml``, the user dir."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("OPSTUI_CONFIG")
    if env:
        return Path(env)
    local = Path("opstui.yaml")
    if local.is_file():
        return local
    user = Path(user_config_dir("opstui")) / "config.yaml"
    if user.is_file():
        return user
    return None


def load_config(path: str | Path) -> Config:
    """Load and validate a config file, or raise :class:`ConfigError`."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("no such file", file=file) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", file=file) from None
    return load_config_text(text, file=file)


def load_config_text(text: str, *, file: str = "<config>", env: dict[str, str] | None = None) -> Config:
    """Validate config text; ``env`` (default ``os.environ``) feeds ``${VAR}``."""
    environ = dict(os.environ) if env is None else env
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ConfigError(f"YAML syntax: {exc.problem or exc}", file=file, line=line) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"YAML syntax: {exc}", file=file) from None
    if node is None:
        return Config()
    lines: dict[PathKey, int] = {}
    data = _construct(node, (), lines, environ, file)
    if not isinstance(data, dict):
        raise ConfigError(
            "the top level must be a mapping of keys (environment, sources, kpis, ...)", file=file, line=1
        )
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise _config_error(exc, lines, file) from None


def _construct(node: yaml.Node, path: PathKey, lines: dict[PathKey, int], env: dict[str, str], file: str) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise ConfigError("keys must be plain words", file=file, line=key_node.start_mark.line + 1)
            key = key_node.value
            if key == "<<":
                line = key_node.start_mark.line + 1
                raise ConfigError("YAML merge keys (<<) are not supported", file=file, line=line)
            key = str(key)
            child = (*path, key)
            lines[child] = key_node.start_mark.line + 1
            if key in result:
                line = key_node.start_mark.line + 1
                raise ConfigError("this key appears twice", file=file, line=line, path=_dotted(child))
            result[key] = _construct(value_node, child, lines, env, file)
            lines[child] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, (*path, i), lines, env, file) for i, item in enumerate(node.value)]
    loader = yaml.SafeLoader("")
    value = loader.construct_object(node)
    if isinstance(value, str):
        value = _substitute(value, path, lines[path], env, file)
    return value


def _substitute(value: str, path: PathKey, line: int, env: dict[str, str], file: str) -> str:
    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in env and (env[name] != "" or default is None):
            return env[name]
        if default is not None:
            return default
        raise ConfigError(
            f"environment variable ${{{name}}} is not set (set it, or write ${{{name}:-default}})",
            file=file,
            line=line,
            path=_dotted(path),
        )

    return _VAR.sub(replace, value)


def _dotted(path: PathKey) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


_UNION_PARTS = frozenset(
    {
        "http",
        "json",
        "websocket",
        "postgres",
        "scrape",
        "prometheus",
        "alertmanager",
        "webhook",
        "slack",
        "email",
        "str",
        "int",
        "list[int]",
        "float",
    }
)
"""Discriminator tags and union members pydantic puts in an error's location; not keys of the file."""


def _config_error(exc: ValidationError, lines: dict[PathKey, int], file: str) -> ConfigError:
    error = exc.errors()[0]
    loc: list[str | int] = []
    for part in error["loc"]:
        # pydantic adds the discriminator tag or the union member to the location; drop them.
        if isinstance(part, str) and part in _UNION_PARTS:
            continue
        loc.append(part)
    if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
        loc.append("type")
    path = tuple(loc)
    line = None
    probe = path
    while probe:
        if probe in lines:
            line = lines[probe]
            break
        probe = probe[:-1]
    message = _message(error, noun=str(path[0]).removesuffix("s") if path else "")
    return ConfigError(message, file=file, line=line if line is not None else lines.get(()), path=_dotted(path))


def _message(error: Any, noun: str) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key (check the spelling; config.example.yaml lists every key)"
    if kind == "missing":
        return "required key is missing"
    if kind == "union_tag_invalid":
        ctx = error.get("ctx", {})
        return f"unknown {noun} type {ctx.get('tag', '?')!r}; expected one of: {ctx.get('expected_tags', '?')}"
    if kind == "union_tag_not_found":
        return f"a {noun} needs a 'type'"
    msg = str(error["msg"])
    return msg.removeprefix("Value error, ")
