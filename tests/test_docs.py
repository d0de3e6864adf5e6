"""The docs name only what exists: every command and option, every key and binding id, every link.

README, CONTRIBUTING and docs/ are read as a user reads them; a renamed option, a dropped key or a moved
page fails here instead of at 3 a.m. The README also stays a door (at most ~250 lines) whose test command
is exactly the one CI runs, and whose minimal config is valid.
"""

from __future__ import annotations

import argparse
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

import pytest

from opstui.cli import _parser, main

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]
TEST_COMMAND = "pip install -e '.[dev]' && python -m pytest"

INLINE_CODE = re.compile(r"`([^`\n]+)`")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
COMMAND = re.compile(r"^(?:\$ )?(?:[A-Z_]+=\S*\s+)*opstui(?=\s|$)(.*)")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
SHELL_FENCES = {"bash", "sh", "shell", "console", ""}


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _code_snippets(text: str) -> Iterator[str]:
    """Inline code spans, and each line of the shell code blocks (where commands are written)."""
    for match in FENCE.finditer(text):
        if match.group(1) in SHELL_FENCES:
            yield from match.group(2).splitlines()
    outside = FENCE.sub("", text)
    yield from (m.group(1) for m in INLINE_CODE.finditer(outside))


def command_lines() -> list[tuple[str, str]]:
    """Every ``opstui ...`` the docs write, as (file, the words after ``opstui``)."""
    found = []
    for doc in DOCS:
        for snippet in _code_snippets(_text(doc)):
            if match := COMMAND.match(snippet.strip()):
                found.append((doc.name, match.group(1)))
    return found


def _words(rest: str) -> list[str]:
    rest = rest.split(" #", 1)[0].replace("\\|", "|")
    for stop in ("&&", "||", ";", " | ", " > ", " &"):
        rest = rest.split(stop, 1)[0]
    try:
        words = shlex.split(rest)
    except ValueError:
        words = rest.split()
    return [word.strip("[]") for word in words if word.strip("[]")]


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


@dataclass
class Resolved:
    path: list[str]
    problems: list[str]


def resolve(rest: str) -> Resolved:
    """Walk the words through the real parser: subcommands must exist, options must belong to the command."""
    parser = _parser()
    path: list[str] = []
    problems: list[str] = []
    words = _words(rest)
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if word.startswith("-"):
            option = word.split("=", 1)[0]
            action = parser._option_string_actions.get(option)
            if action is None:
                problems.append(f"'opstui {' '.join(path)}' has no option {option}")
            elif action.nargs != 0 and "=" not in word:
                i += 1  # its value
            continue
        subcommands = _subparsers(parser)
        if subcommands and re.fullmatch(r"[a-z][a-z-]*", word):
            if word not in subcommands:
                problems.append(f"no command 'opstui {' '.join([*path, word])}'")
                break
            parser = subcommands[word]
            path.append(word)
    return Resolved(path, problems)


COMMANDS = command_lines()


def test_the_docs_name_commands() -> None:
    assert len(COMMANDS) > 40
    paths = {tuple(resolve(rest).path) for _, rest in COMMANDS}
    assert {("init",), ("check",), ("state", "copy"), ("rules", "export")} <= paths


@pytest.mark.parametrize(("doc", "rest"), COMMANDS, ids=[f"{d}:opstui{r}"[:80] for d, r in COMMANDS])
def test_every_command_and_option_named_exists(doc: str, rest: str) -> None:
    assert resolve(rest).problems == []


@pytest.mark.parametrize("path", sorted({tuple(resolve(rest).path) for _, rest in COMMANDS}))
def test_every_command_named_has_help(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([*path, "--help"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: opstui {' '.join(path)}".rstrip())


# Keys -------------------------------------------------------------------------------------------------

KEY_NAMES = {"?": "question_mark", "/": "slash", "esc": "escape", "!": "exclamation_mark"}
SCOPES = {
    "everywhere": ("opstui.ui.app", "textual.app", "textual.screen"),
    "tables": ("textual.widgets._data_table",),
    "On-call": ("opstui.ui.screens.oncall", "opstui.ui.widgets.incident"),
    "on the On-call screen": ("opstui.ui.screens.oncall", "opstui.ui.widgets.incident"),
    "Checklist": ("opstui.ui.screens.checklist",),
    "Audit": ("opstui.ui.screens.audit",),
}


def bindings() -> list[tuple[str, str, str]]:
    """(module, key, id) of every binding of the console and of the Textual classes it builds on."""
    from textual.app import App
    from textual.binding import Binding
    from textual.dom import DOMNode
    from textual.screen import Screen
    from textual.widgets import DataTable

    from opstui.ui.app import LAZY_SCREENS

    for module in ("opstui.ui.screens.help", "opstui.ui.replay_app", *(module for module, _ in LAZY_SCREENS.values())):
        import_module(module)
    found = [("textual.app", App.COMMAND_PALETTE_BINDING, "app.command_palette")]
    classes: list[type[DOMNode]] = [DOMNode]
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        if not (cls.__module__.startswith("opstui.") or cls in (App, Screen, DataTable)):
            continue
        for binding in cls.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding):
                found.extend((cls.__module__, key.strip(), binding.id or "") for key in binding.key.split(","))
    return found


def key_rows() -> Iterator[tuple[str, str, str]]:
    """(file, key, where) for every key of every docs table whose first column is ``key``."""
    for doc in DOCS:
        header: list[str] | None = None
        for line in _text(doc).splitlines():
            if not line.startswith("|"):
                header = None
                continue
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            if header is None:
                header = cells
                continue
            if header[0] != "key" or set(cells[0]) <= {"-", " "}:
                continue
            where = cells[2] if len(cells) > 2 and header[2] == "where" else header[1]
            for key in INLINE_CODE.findall(cells[0]):
                yield doc.name, key, where


KEYS = sorted(set(key_rows()))


def test_the_docs_name_keys() -> None:
    assert {("README.md", "A", "everywhere"), ("README.md", "S", "On-call")} <= set(KEYS)
    assert any(doc == "incidents.md" for doc, _, _ in KEYS)
    assert any(doc == "checklist.md" for doc, _, _ in KEYS)


@pytest.mark.parametrize(("doc", "key", "where"), KEYS)
def test_every_key_named_is_bound_where_the_docs_say(doc: str, key: str, where: str) -> None:
    scope = SCOPES.get(where)
    bound = {k for module, k, _ in bindings() if scope is None or module.startswith(scope)}
    assert KEY_NAMES.get(key, key) in bound, f"{doc}: {key!r} is not bound ({where})"


def _config_key(dotted: str) -> bool:
    """``incidents.reopen_within`` is a config key, not a binding id (some share a first word)."""
    from pydantic import BaseModel

    from opstui.config import Config

    section, _, key = dotted.partition(".")
    field = Config.model_fields.get(section)
    model = field.annotation if field is not None else None
    return isinstance(model, type) and issubclass(model, BaseModel) and key in model.model_fields


def test_every_binding_id_named_exists() -> None:
    ids = {binding_id for _, _, binding_id in bindings() if binding_id}
    prefixes = {binding_id.split(".")[0] for binding_id in ids}
    named = {
        (doc.name, span)
        for doc in DOCS
        for span in _code_snippets(_text(doc))
        if re.fullmatch(r"[a-z-]+\.[a-z_]+", span) and span.split(".")[0] in prefixes and not _config_key(span)
    }
    assert ("README.md", "oncall.acknowledge") in named
    assert {(doc, span) for doc, span in named if span not in ids} == set()


# Links and the README -----------------------------------------------------------------------------------


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_link_into_the_repository_resolves() -> None:
    broken = []
    for doc in DOCS:
        for target in LINK.findall(_text(doc)):
            if re.match(r"[a-z]+:", target):
                continue
            file, _, anchor = target.partition("#")
            path = (doc.parent / file).resolve() if file else doc
            if not path.exists():
                broken.append(f"{doc.name}: {target}")
            elif anchor and anchor not in {
                _anchor(h) for h in re.findall(r"^#+ (.+)$", FENCE.sub("", _text(path)), re.MULTILINE)
            }:
                broken.append(f"{doc.name}: {target} (no such heading)")
    assert broken == []


def test_every_docs_page_is_linked_from_the_readme() -> None:
    readme = _text(ROOT / "README.md")
    assert [p.name for p in DOCS[2:] if f"](docs/{p.name})" not in readme] == []
    assert "](CONTRIBUTING.md)" in readme


def test_the_readme_is_a_door() -> None:
    readme = _text(ROOT / "README.md")
    assert len(readme.splitlines()) <= 250
    for part in ("## Install", "pipx install opstui", "uv tool install opstui", "python3 -m venv", "## Keys"):
        assert part in readme


def test_the_readme_test_command_is_what_ci_runs() -> None:
    ci = _text(ROOT / ".ci" / "run").splitlines()
    assert TEST_COMMAND in ci
    assert any(line.startswith(TEST_COMMAND + " ") for line in _text(ROOT / "README.md").splitlines())


def test_the_readme_minimal_config_is_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocks = [m.group(2) for m in FENCE.finditer(_text(ROOT / "README.md")) if m.group(1) == "yaml"]
    assert len(blocks) == 1
    config = tmp_path / "opstui.yaml"
    config.write_text(blocks[0], encoding="utf-8")
    assert main(["validate", "--config", str(config)]) == 0
    assert capsys.readouterr().out == f"{config}: valid (3 sources, 2 KPIs)\n"
