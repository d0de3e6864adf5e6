"""Read a YAML config file into :class:`Config`, keeping line numbers for every key path.

The YAML is composed into nodes first so that any error found later (an unset ``${VAR}``, a wrong
type, an unknown key) can still name the line it came from.

A config file is text from outside, so the loader is bounded before it is clever: a file over
:data:`MAX_CONFIG_BYTES` is refused before parsing, aliases beyond :data:`MAX_ALIASES`, nesting beyond
:data:`MAX_DEPTH` and documents that expand to more than :data:`MAX_VALUES` values (a "billion laughs")
are refused while composing, a recursive alias is refused, and every string passes through the one
sanitiser (:func:`opstui.sanitize.clean`) before any screen can show it.
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
from opstui.sanitize import clean

MAX_CONFIG_BYTES = 1_048_576
"""A config larger than 1 MiB is refused before it is parsed (the example is about 20 KiB)."""
MAX_ALIASES = 100
"""YAML aliases (``*name``) one file may use."""
MAX_DEPTH = 64
"""Nesting of mappings and lists one file may reach."""
MAX_VALUES = 100_000
"""Values (scalars, mappings, lists) one file may expand to, aliases counted each time they are used."""

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
        size = Path(path).stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise ConfigError(f"the file is {size:,} bytes; a config may be at most {MAX_CONFIG_BYTES:,}", file=file)
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("no such file", file=file) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", file=file) from None
    return load_config_text(text, file=file)


def load_config_text(text: str, *, file: str = "<config>", env: dict[str, str] | None = None) -> Config:
    """Validate config text; ``env`` (default ``os.environ``) feeds ``${VAR}``."""
    environ = dict(os.environ) if env is None else env
    if len(text) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"the text is {len(text):,} characters; a config may be at most {MAX_CONFIG_BYTES:,}", file=file
        )
    try:
        loader = BoundedLoader(text)  # PyYAML's reader refuses control characters here, before parsing
    except yaml.reader.ReaderError as exc:
        raise _unprintable(exc, text, file) from None
    try:
        node = loader.get_single_node()
    except yaml.reader.ReaderError as exc:
        raise _unprintable(exc, text, file) from None
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, file) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"YAML syntax: {exc}", file=file) from None
    finally:
        loader.dispose()
    if node is None:
        return Config()
    lines: dict[PathKey, int] = {}
    data = _Constructor(environ, file, lines).construct(node, ())
    if not isinstance(data, dict):
        raise ConfigError(
            "the top level must be a mapping of keys (environment, sources, kpis, ...)", file=file, line=1
        )
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise _config_error(exc, lines, file) from None


class BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader with a budget: aliases and nesting are counted while the file is composed."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        start = self.peek_event().start_mark  # type: ignore[no-untyped-call]
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise yaml.composer.ComposerError(None, None, f"more than {MAX_ALIASES} aliases", start)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise yaml.composer.ComposerError(None, None, f"nested more than {MAX_DEPTH} levels deep", start)
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _unprintable(exc: yaml.reader.ReaderError, text: str, file: str) -> ConfigError:
    """A raw control character in the file (an ESC pasted from a terminal, say): its line and code point."""
    line = text.count("\n", 0, max(0, exc.position)) + 1
    character = exc.character if isinstance(exc.character, int) else 0
    return ConfigError(
        f"YAML: the control character U+{character:04X} may not appear in a config file "
        "(inside double quotes write it as an escape, e.g. \\e)",
        file=file,
        line=line,
    )


def _syntax_error(exc: yaml.MarkedYAMLError, file: str) -> ConfigError:
    """One line naming where the problem is and, for an unclosed quote or bracket, where it was opened."""
    problem = exc.problem or str(exc)
    opened, found = exc.context_mark, exc.problem_mark
    if opened is not None and found is not None and opened.line != found.line:
        context = exc.context or "opened here"
        return ConfigError(
            f"YAML syntax: {problem} at line {found.line + 1} ({context} at line {opened.line + 1}, never closed?)",
            file=file,
            line=opened.line + 1,
        )
    mark = found or opened
    return ConfigError(f"YAML syntax: {problem}", file=file, line=mark.line + 1 if mark else None)


class _Constructor:
    """Nodes to plain Python values, remembering each key path's line; counts values against the budget."""

    def __init__(self, env: dict[str, str], file: str, lines: dict[PathKey, int]) -> None:
        self.env = env
        self.file = file
        self.lines = lines
        self.values = 0
        self.scalars = yaml.SafeLoader("")
        self.open: set[int] = set()
        """Ids of the nodes being constructed: meeting one again is a recursive alias."""

    def construct(self, node: yaml.Node, path: PathKey) -> Any:
        file = self.file
        line = node.start_mark.line + 1
        self.lines[path] = line
        self.values += 1
        if self.values > MAX_VALUES:
            raise ConfigError(f"the file expands to more than {MAX_VALUES:,} values (aliases?)", file=file, line=line)
        if id(node) in self.open:
            raise ConfigError("a recursive alias (a value that contains itself)", file=file, line=line)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            return [self.construct(item, (*path, i)) for i, item in enumerate(node.value)]
        finally:
            self.open.discard(id(node))

    def _mapping(self, node: yaml.MappingNode, path: PathKey) -> dict[str, Any]:
        file = self.file
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise ConfigError("keys must be plain words", file=file, line=line)
            key = key_node.value
            if key == "<<":
                raise ConfigError("YAML merge keys (<<) are not supported", file=file, line=line)
            key = clean(str(key))
            child = (*path, key)
            self.lines[child] = line
            if key in result:
                raise ConfigError("this key appears twice", file=file, line=line, path=_dotted(child))
            result[key] = self.construct(value_node, child)
            self.lines[child] = line
        return result

    def _scalar(self, node: yaml.ScalarNode, path: PathKey) -> Any:
        try:
            value = self.scalars.construct_object(node)
        except yaml.MarkedYAMLError as exc:  # an unknown tag (!foo), a bad timestamp
            line = node.start_mark.line + 1
            raise ConfigError(f"YAML: {exc.problem or exc}", file=self.file, line=line, path=_dotted(path)) from None
        if isinstance(value, str):
            value = clean(_substitute(value, path, self.lines[path], self.env, self.file), multiline=True)
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
        return "unknown key (check the spelling; the config 'opstui init' writes lists every key)"
    if kind == "missing":
        return "required key is missing"
    if kind == "union_tag_invalid":
        ctx = error.get("ctx", {})
        return f"unknown {noun} type {ctx.get('tag', '?')!r}; expected one of: {ctx.get('expected_tags', '?')}"
    if kind == "union_tag_not_found":
        return f"a {noun} needs a 'type'"
    msg = str(error["msg"])
    return msg.removeprefix("Value error, ")
