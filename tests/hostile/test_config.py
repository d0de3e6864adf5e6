"""Item 3: ``validate`` refuses, with file, line and key path and exit 2, every config the runtime cannot run;
the loader is bounded before it parses (issue 11's fuzzed configs, replayed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from opstui.cli import main

_LEVELS = "abcdefgh"
LAUGHS = "".join(
    f"{name}: &{name} [{', '.join([f'*{_LEVELS[i - 1]}'] * 9) if i else ', '.join(['lol'] * 9)}]\n"
    for i, name in enumerate(_LEVELS)
)
"""Eight levels of nine aliases each: 43 million values once expanded, from a file of 300 bytes."""

REFUSED: dict[str, tuple[str, int, str]] = {
    # name: (config text, the line reported, a phrase of the message)
    "400-digit duration": ("store:\n  retention: " + "9" * 400 + "\n", 2, "store.retention: a duration may not exceed"),
    "unknown tag": ("environment: !foo bar\n", 1, "environment: YAML: could not determine a constructor"),
    "recursive alias": ("environment: &a [*a]\n", 1, "recursive alias"),
    "billion laughs": (LAUGHS, 1, "expands to more than"),
    "5,000 nested brackets": ("environment: " + "[" * 5000 + "]" * 5000 + "\n", 1, "nested more than 64 levels"),
    "5,000 nested parentheses": (
        "alerts:\n  - name: x\n    expr: '" + "(" * 5000 + "a" + ")" * 5000 + "'\n",
        3,
        "the expression is too long",
    ),
    "deep parentheses": ("alerts:\n  - {name: x, expr: '" + "(" * 40 + "a" + ")" * 40 + "'}\n", 2, "nests too deeply"),
    "store.window 0ms": ("store:\n  window: 0ms\n", 2, "store.window"),
    "event_log -1": ("store:\n  event_log: -1\n", 2, "store.event_log"),
    "retention 1e20 days": ("store:\n  retention: 100000000000000000000d\n", 2, "store.retention"),
    "resolution 1ms": ("store:\n  resolution: 1ms\n  retention: 2d\n", 1, "points per series"),
    "refresh .nan": ("ui:\n  refresh: .nan\n", 2, "ui.refresh"),
    "refresh 0.01": ("ui:\n  refresh: 10ms\n", 2, "ui.refresh"),
    "launch_at 9999": ('launch_at: "9999-01-01T00:00:00Z"\n', 1, "launch_at must be within a year"),
    "interval 0": ("sources:\n  - {name: a, type: http, url: 'http://x', interval: 0}\n", 2, "sources[0].interval"),
    "raw escape in the file": ("environment: prod\nui:\n  theme: x\x1b[2J\n", 3, "control character U+001B"),
    "interval 0 (scrape)": (
        "sources:\n  - {name: a, type: scrape, url: 'http://x', metrics: {a: b}, interval: 0}\n",
        2,
        "sources[0].interval: Input should be greater than 0",
    ),
    "timeout 0 (prometheus)": (
        "sources:\n  - {name: a, type: prometheus, url: 'http://x', queries: {a: up}, timeout: 0s}\n",
        2,
        "sources[0].timeout",
    ),
    "interval 0 (alertmanager)": (
        "sources:\n  - {name: a, type: alertmanager, url: 'http://x', interval: 0}\n",
        2,
        "interval",
    ),
    "unknown theme": ("ui:\n  theme: no-such-theme\n", 2, "ui.theme"),
    "unknown key id": ("ui:\n  keys: {no.such.binding: x}\n", 2, "ui.keys"),
    "unclosed quote": (
        'environment: "prod\nsources: []\nkpis: []\n',
        1,
        "line 4 (while scanning a quoted scalar at line 1",
    ),
    "unclosed bracket": ("sources: [\n  {name: a,\nkpis: []\n", 2, "while parsing a flow mapping at line 2"),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_validate_refuses_with_one_line_file_line_and_key(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, line, phrase = REFUSED[name]
    path = tmp_path / "opstui.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["validate", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith(f"opstui: {path}:{line}:"), err
    assert phrase in err, err


def test_a_file_over_one_mebibyte_is_refused_before_parsing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("# " + "x" * (1 << 20) + "\n", encoding="utf-8")
    assert main(["validate", "--config", str(path)]) == 2
    assert "a config may be at most 1,048,576" in capsys.readouterr().err


def test_config_text_with_escapes_is_cleaned_at_load(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "opstui.yaml"
    path.write_text('environment: "\\e]0;owned\\a prod"\nkpis:\n  - {metric: x, label: "p95 [ms]"}\n')
    assert main(["validate", "--config", str(path)]) == 0
    from opstui.config import load_config

    config = load_config(path)
    assert config.environment == "␛]0;owned␇ prod"
    assert config.kpis[0].label == "p95 [ms]"
