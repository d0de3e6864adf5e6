"""Text from outside, ready for a widget: cleaned by the one sanitiser and never parsed as markup.

A KPI label ``p95 [ms]``, an alert named ``Disk low [/var]`` or a note holding ``[link=...]`` is shown as
written: a ``str`` given to ``Static.update``, ``border_title``, ``Label`` or a ``DataTable`` cell is read as
markup by Textual and Rich, so every widget that shows text from a source, a config, a note, a runbook or the
state store wraps it with :func:`plain` (Textual ``Content``) or :func:`plain_text` (Rich ``Text``) first.
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content

from opstui.sanitize import clean


def plain(text: str, *, multiline: bool = False) -> Content:
    """``text`` as Textual content: control characters made visible, brackets kept literally."""
    return Content(clean(text, multiline=multiline))


def plain_text(text: str, style: str = "", *, multiline: bool = False, **options: object) -> Text:
    """``text`` as a Rich ``Text`` (for ``DataTable`` cells and Rich renderables), never markup."""
    return Text(clean(text, multiline=multiline), style=style, **options)  # type: ignore[arg-type]
