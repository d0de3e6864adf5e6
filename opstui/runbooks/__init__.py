"""Runbooks: what to check and what to do for each kind of incident, as Markdown.

The built-in ones (``builtin/*.md``) carry the seeds' "Common Issues & Resolutions" and "Runbooks"
sections; a user's folder (config ``runbooks_dir``, default ``<user config dir>/runbooks``) adds
more or overrides one by using the same slug as its file name. An alert rule names its runbook by
slug (``runbook: high-error-rate``); a rule name or a heading works too, because lookups go through
:func:`slugify` and each runbook's aliases. A missing runbook is a line of text, never a crash: the
operator in the middle of an incident must always get a screen.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml
from platformdirs import user_config_dir

from opstui.sanitize import clean

log = logging.getLogger(__name__)

MAX_RUNBOOK_BYTES = 256 * 1024
"""A user file larger than this is skipped: a runbook is a page, not a log dump."""
MAX_USER_RUNBOOKS = 500
"""At most this many user files are read, so a mistaken ``runbooks_dir: /`` cannot stall start-up."""

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.DOTALL)
_HEADING = re.compile(r"^#\s+(.+?)\s*$", re.MULTILINE)


def slugify(text: str) -> str:
    """``High Error Rate (> 5%)`` -> ``high-error-rate-5``: lowercase words joined by dashes."""
    return _NOT_SLUG.sub("-", text.lower()).strip("-")


def default_runbooks_dir() -> Path:
    """Where a user's own runbooks live when the config does not say: ``<user config dir>/runbooks``."""
    return Path(user_config_dir("opstui")) / "runbooks"


@dataclass(frozen=True, slots=True)
class Runbook:
    """One runbook: its slug (the file name), a title, other names it answers to, and the Markdown."""

    slug: str
    title: str
    markdown: str
    """The body shown with Textual's Markdown widget (front matter removed)."""
    aliases: tuple[str, ...] = ()
    origin: str = "built-in"
    """``built-in`` or the user file's path, so an operator can tell which version is shown."""


@dataclass(slots=True)
class RunbookLibrary:
    """Every runbook by slug, user ones over built-in ones, with the aliases resolved."""

    runbooks: dict[str, Runbook] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    """User files that could not be read, one line each (shown, not raised)."""

    def add(self, runbook: Runbook) -> None:
        self.runbooks[runbook.slug] = runbook
        for alias in runbook.aliases:
            self.aliases[alias] = runbook.slug

    def get(self, name: str | None) -> Runbook | None:
        """The runbook for a slug, alias, title or rule name; None when there is none."""
        if not name:
            return None
        key = slugify(name)
        if key in self.runbooks:
            return self.runbooks[key]
        target = self.aliases.get(key)
        return self.runbooks.get(target) if target else None

    def slugs(self) -> list[str]:
        return sorted(self.runbooks)

    def find(self, *names: str | None) -> Runbook | None:
        """The first of ``names`` (e.g. the incident's runbook, then its rule) that has a runbook."""
        for name in names:
            runbook = self.get(name)
            if runbook is not None:
                return runbook
        return None

    def markdown(self, name: str | None, *fallbacks: str | None) -> str:
        """Markdown to show for ``name`` (then ``fallbacks``); a clear "no runbook" text when none exists.

        A rule may carry free text instead of a slug (``runbook: "Check logs; roll back"``); that text
        is shown as it is, since it is the only guidance there is.
        """
        runbook = self.find(name, *fallbacks)
        if runbook is not None:
            return runbook.markdown
        if not name:
            return "_No runbook is linked to this incident._\n\n" + self._catalogue()
        if slugify(name) != name:
            # Not slug-shaped: the rule's own instructions.
            return f"{name}\n\n_(no runbook file '{slugify(name)}')_"
        return f"**No runbook '{name}'.**\n\n" + self._catalogue()

    def _catalogue(self) -> str:
        return "Runbooks available: " + ", ".join(f"`{slug}`" for slug in self.slugs())


def parse_runbook(text: str, slug: str, origin: str) -> Runbook:
    """Front matter (``title``, ``aliases``) is optional; the title falls back to the first heading."""
    text = clean(text, multiline=True)  # a runbook file is text from outside: no control sequence reaches a screen
    meta: dict[str, object] = {}
    body = text
    match = _FRONT_MATTER.match(text)
    if match:
        loaded = yaml.safe_load(match.group(1))
        if isinstance(loaded, dict):
            meta = loaded
        body = text[match.end() :]
    heading = _HEADING.search(body)
    title = str(meta.get("title") or (heading.group(1) if heading else slug))
    raw_aliases = meta.get("aliases") or []
    aliases = tuple(slugify(str(a)) for a in raw_aliases) if isinstance(raw_aliases, list) else ()
    # The title answers too: a rule called "Payment Failures Spike" finds its runbook without a slug.
    title_slug = slugify(title)
    if title_slug != slug:
        aliases += (title_slug,)
    return Runbook(slug=slug, title=title, markdown=body.strip() + "\n", aliases=aliases, origin=origin)


def _builtin() -> Iterable[Runbook]:
    folder = resources.files(__package__).joinpath("builtin")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".md"):
            yield parse_runbook(entry.read_text(encoding="utf-8"), entry.name[:-3], "built-in")


def _user(folder: Path, library: RunbookLibrary) -> Iterable[Runbook]:
    try:
        files = sorted(folder.glob("*.md"))[:MAX_USER_RUNBOOKS]
    except OSError as exc:
        library.problems.append(f"{folder}: cannot list runbooks: {exc.strerror or exc}")
        return
    for path in files:
        try:
            if path.stat().st_size > MAX_RUNBOOK_BYTES:
                library.problems.append(f"{path}: larger than {MAX_RUNBOOK_BYTES // 1024} KiB, skipped")
                continue
            text = path.read_text(encoding="utf-8")
            yield parse_runbook(text, slugify(path.stem), str(path))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            library.problems.append(f"{path}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")


def load_runbooks(user_dir: str | Path | None = None) -> RunbookLibrary:
    """The built-in runbooks, then the user's folder over them (``None``: :func:`default_runbooks_dir`).

    A missing user folder is normal (nobody has written one yet); an unreadable file is noted in
    :attr:`RunbookLibrary.problems` and skipped.
    """
    library = RunbookLibrary()
    for runbook in _builtin():
        library.add(runbook)
    folder = Path(user_dir).expanduser() if user_dir is not None else default_runbooks_dir()
    if folder.is_dir():
        for runbook in _user(folder, library):
            library.add(runbook)
    for problem in library.problems:
        log.warning("runbook skipped: %s", problem)
    return library


__all__ = ["Runbook", "RunbookLibrary", "default_runbooks_dir", "load_runbooks", "parse_runbook", "slugify"]
