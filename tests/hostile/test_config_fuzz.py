"""Item 3's property: whatever config ``validate`` is given, it says valid (exit 0) and the console then starts,
or it says why in one line (exit 2); never a traceback, never a hang.

Configs come two ways, as the attack run's 432 fuzzed configs did: generated from the config models themselves
(every field of every model, with values of the field's type, its boundaries and hostile values: NaN, 400-digit
numbers, negative durations, markup, escapes, deep expressions) and mutated from ``config.example.yaml`` (a value
replaced, a key dropped or duplicated, a line cut, a quote or bracket left open). The seed is fixed
(``derandomize``) and the examples few enough for CI: well under a minute on a 2-core machine.

Each accepted config is built as ``validate`` claims the console is (:func:`opstui.commands.common.startable`,
then the core started headless on a fake clock and stopped); a handful of them, spread over the run, start the
whole console in Textual's headless mode (``App.run_test``).
"""

from __future__ import annotations

import asyncio
import copy
import math
import os
import types
import typing
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, BeforeValidator

from opstui.cli import main
from opstui.clock import FakeClock
from opstui.config import load_config
from opstui.config.durations import parse_duration
from opstui.config.models import Config
from opstui.core import Core
from opstui.ui.app import OpstuiApp
from tests.hostile.payloads import HOSTILE_TEXT, MARKUP

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = (ROOT / "config.example.yaml").read_text(encoding="utf-8")
EXAMPLE_TREE = yaml.safe_load(EXAMPLE)

CLOSED = "127.0.0.1:9"
"""Where every source of a generated config points: nothing listens, a connection is refused at once."""
ENV = {
    "SHOP_URL": f"http://{CLOSED}",
    "SHOP_WS": f"ws://{CLOSED}/",
    "SHOP_DSN": f"postgresql://opstui@{CLOSED}/shop",
    "PROMETHEUS_URL": f"http://{CLOSED}",
    "ALERTMANAGER_URL": f"http://{CLOSED}",
}
"""The example's ``${VAR}``s, set so that a config that validates does not reach for the network."""

EXAMPLES = int(os.environ.get("OPSTUI_FUZZ_EXAMPLES", "80"))
"""Examples per generator (two): ~0.12 s to validate each and ~0.25 s to start the core of each one accepted, so
the test takes ~25 s on a quiet 2-core machine (~40 s on a loaded one). To search further, set
``OPSTUI_FUZZ_EXAMPLES=1500``: the seed is then random, not fixed (3,000 such examples found nothing more)."""
CONSOLES = 3
"""Accepted configs (per generator) that also start the whole console headless (~1-2 s each)."""

# -- values -----------------------------------------------------------------------------------------------------

HOSTILE: list[object] = [
    None,
    True,
    0,
    -1,
    2**63,
    int("9" * 400),
    1e308,
    -1e308,
    math.nan,
    math.inf,
    "",
    " ",
    "0",
    "-1",
    ".nan",
    "1e20d",
    "0ms",
    "1ms",
    "9" * 400,
    HOSTILE_TEXT,
    *MARKUP,
    "${NO_SUCH_VARIABLE_SET}",
    [],
    {},
    [[[[[]]]]],
    {"a": {"b": {"c": {}}}},
]
"""Values of the wrong type, at the edges, or meant to hurt; any field may get one."""

DURATIONS = ["1s", "5s", "30s", "500ms", "1ms", "0ms", "0", "5m", "2h", "1d", "48h", "90d", "10w", "1h30m", 0.5, 3]
URLS = [f"http://{CLOSED}/", f"https://{CLOSED}/x", f"ws://{CLOSED}/", "not a url", "http://[::1", "ftp://x/"]
EXPRESSIONS = [
    "error_rate > 5",
    "avg_over(error_rate, 5m) > 2",
    "rate(requests, 1m) > 0 and queue_length >= 100",
    "latency_p95 > 2000 or payment_success_rate < 95",
    "max_over(queue_length, 10m) > 1e300",
    "avg_over(x, 0ms) > 1",
    "x > nan",
    "(" * 33 + "x" + ")" * 33 + " > 1",
    "x >",
    "> 1",
    "x > 1 [/]",
]
TIMES = ["2026-12-01T00:00:00Z", "9999-12-31T23:59:59Z", "1970-01-01T00:00:00Z", "yesterday", "2026-13-45"]


def _is_duration(metadata: list[Any]) -> bool:
    return any(isinstance(m, BeforeValidator) and m.func is parse_duration for m in metadata)


def _strip(annotation: Any) -> tuple[Any, list[Any]]:
    """The annotation without ``Annotated`` layers, and their metadata."""
    metadata: list[Any] = []
    while typing.get_origin(annotation) is typing.Annotated:
        annotation, *extra = typing.get_args(annotation)
        metadata.extend(extra)
    return annotation, metadata


def _scalar_text(name: str) -> st.SearchStrategy[object]:
    """Plausible text for a field, by its name (URLs for ``url``, expressions for ``expr``, ...)."""
    if name in {"url", "webhook_url", "base_url"}:
        return st.sampled_from(URLS)
    if name == "dsn":
        return st.sampled_from([f"postgresql://opstui@{CLOSED}/shop", "host=127.0.0.1 port=99999 password=x", "x"])
    if name in {"expr", "expression"}:
        return st.sampled_from(EXPRESSIONS)
    if name in {"target", "warning", "critical"}:
        return st.sampled_from(["< 1", "> 99.5", "<= 0.5%", ">= 1e400", "between 1 and 2", "< nan", "5"])
    if name == "timezone":
        return st.sampled_from(["UTC", "Europe/Paris", "Mars/Olympus", ""])
    if name == "theme":
        return st.sampled_from(["opstui-dark", "opstui-light", "textual-dark", "no-such-theme"])
    return st.sampled_from(["api", "error_rate", "Disk low [/var]", "p95 [ms]", "prod", "x" * 300, HOSTILE_TEXT])


def for_annotation(annotation: Any, name: str, depth: int) -> st.SearchStrategy[object]:
    """Values for a field of this type: mostly of the type (and near its bounds), sometimes hostile."""
    bare, metadata = _strip(annotation)
    typed = _typed(bare, metadata, name, depth)
    return st.integers(0, 7).flatmap(lambda n: st.sampled_from(HOSTILE) if n == 0 else typed)


def _typed(bare: Any, metadata: list[Any], name: str, depth: int) -> st.SearchStrategy[object]:
    origin, args = typing.get_origin(bare), typing.get_args(bare)
    if _is_duration(metadata):
        return st.sampled_from(DURATIONS)
    if isinstance(bare, type) and issubclass(bare, BaseModel):
        return for_model(bare, depth + 1)
    if origin is Literal:
        return st.sampled_from(args)
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(for_annotation(arg, name, depth) for arg in args))
    if origin is list:
        if depth > 3:
            return st.just([])
        return st.lists(for_annotation(args[0], name, depth + 1), max_size=3)
    if origin is dict:
        if depth > 3:
            return st.just({})
        keys = st.sampled_from(["api", "error_rate", "db.cpu", "ack", "a b", "x" * 80, "[/]"])
        return st.dictionaries(keys, for_annotation(args[1], name, depth + 1), max_size=3)
    if bare is type(None):
        return st.none()
    if bare is bool:
        return st.booleans()
    if bare is int:
        return st.one_of(st.integers(-2, 70_000), st.sampled_from([0, 1, 100_000, 100_001, 2**31]))
    if bare is float:
        return st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, 0.1, 60.0, 1e20]))
    if bare is datetime:
        return st.sampled_from(TIMES)
    if bare is str:
        return _scalar_text(name)
    return st.sampled_from(HOSTILE)  # a type this generator does not know: only hostile values


def for_model(model: type[BaseModel], depth: int = 0) -> st.SearchStrategy[object]:
    """A mapping for one model: its required fields (usually) and any of its optional ones."""
    if depth > 4:
        return st.just({})
    required: dict[str, st.SearchStrategy[object]] = {}
    optional: dict[str, st.SearchStrategy[object]] = {}
    for field_name, field in model.model_fields.items():
        key = field.alias or field_name
        strategy = st.deferred(lambda f=field, n=field_name: for_annotation(f.annotation, n, depth))
        if field.is_required():
            required[key] = strategy
        else:
            optional[key] = strategy
    return st.fixed_dictionaries(required, optional=optional)


# -- mutations of the example ------------------------------------------------------------------------------------


def _paths(tree: object, prefix: tuple[object, ...] = ()) -> Iterator[tuple[object, ...]]:
    yield prefix
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from _paths(value, (*prefix, index))


PATHS = [p for p in _paths(EXAMPLE_TREE) if p]


def _mutate_tree(tree: Any, path: tuple[object, ...], how: str, value: object) -> Any:
    tree = copy.deepcopy(tree)
    parent = tree
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if how == "replace":
        parent[last] = value
    elif how == "drop":
        del parent[last]
    elif how == "duplicate" and isinstance(parent, list):
        parent.append(copy.deepcopy(parent[last]))  # type: ignore[index]
    elif how == "wrap":
        parent[last] = [parent[last]]
    return tree


def _tree_mutation() -> st.SearchStrategy[str]:
    changes = st.tuples(
        st.sampled_from(PATHS),
        st.sampled_from(["replace", "replace", "drop", "duplicate", "wrap"]),
        st.one_of(st.sampled_from(HOSTILE), st.sampled_from(DURATIONS), st.sampled_from(EXPRESSIONS)),
    )

    def apply(steps: list[tuple[tuple[object, ...], str, object]]) -> str:
        tree = EXAMPLE_TREE
        for path, how, value in steps:
            try:
                tree = _mutate_tree(tree, path, how, value)
            except (KeyError, IndexError, TypeError):
                continue  # an earlier step removed what this one names
        return yaml.safe_dump(tree, allow_unicode=True, sort_keys=False)

    return st.lists(changes, min_size=1, max_size=4).map(apply)


def _text_mutation() -> st.SearchStrategy[str]:
    lines = EXAMPLE.splitlines(keepends=True)
    edits = st.tuples(
        st.integers(0, len(lines) - 1),
        st.sampled_from(["cut", "open quote", "open bracket", "indent", "tab", "garbage", "alias", "tag"]),
    )

    def apply(steps: list[tuple[int, str]]) -> str:
        out = list(lines)
        for index, how in steps:
            index %= len(out)
            line = out[index]
            if how == "cut":
                out[index] = line[: len(line) // 2] + "\n"
            elif how == "open quote":
                out[index] = line.replace(": ", ': "', 1)
            elif how == "open bracket":
                out[index] = line.replace(": ", ": [", 1)
            elif how == "indent":
                out[index] = "   " + line
            elif how == "tab":
                out[index] = "\t" + line
            elif how == "garbage":
                out[index] = line.rstrip("\n") + " \x1b[2J\x9b\u202e ]]}}\n"
            elif how == "alias":
                out[index] = line.replace(": ", ": *nowhere ", 1)
            elif how == "tag":
                out[index] = line.replace(": ", ": !foo ", 1)
        return "".join(out)

    return st.lists(edits, min_size=1, max_size=3).map(apply)


# -- the property ------------------------------------------------------------------------------------------------


class Outcomes:
    """What the run saw: how many configs were accepted and refused, and the accepted ones."""

    def __init__(self) -> None:
        self.accepted: list[str] = []
        self.refused = 0


def check_validate(text: str, folder: Path, outcomes: Outcomes, capsys: pytest.CaptureFixture[str]) -> None:
    """``validate`` on ``text``: exit 0 and the core starts headless, or exit 2 and one line. Nothing else."""
    path = folder / "opstui.yaml"
    path.write_text(text, encoding="utf-8")
    capsys.readouterr()
    code = main(["validate", "--config", str(path)])  # a traceback fails the test with the config shown
    out, err = capsys.readouterr()
    if code == 2:
        assert out == "", out
        assert err.count("\n") == 1 and err.startswith("opstui: "), err
        assert "Traceback" not in err, err
        outcomes.refused += 1
        return
    assert code == 0, (code, out, err)
    assert err == "", err
    asyncio.run(start_core(load_config(path), folder))
    outcomes.accepted.append(text)


async def start_core(config: Config, folder: Path) -> None:
    """The console's core, as ``opstui`` builds it, started and stopped with no screen (bounded in time)."""
    core = Core(config, FakeClock(), state_path=str(folder / "state.db"))
    async with asyncio.timeout(20):
        await core.start()
        await asyncio.sleep(0)
        await core.stop()


async def start_console(config: Config, folder: Path) -> None:
    """The whole console in Textual's headless mode: mounted, one redraw, quit."""
    app = OpstuiApp(Core(config, FakeClock(), state_path=str(folder / "console.db")))
    async with asyncio.timeout(30), app.run_test(size=(80, 24)) as pilot:
        app.tick()
        await pilot.pause()
    assert app.return_code in (None, 0)


FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize="OPSTUI_FUZZ_EXAMPLES" not in os.environ,
    deadline=None,  # a hang is caught by asyncio.timeout and the test's own timeout, not by a flaky deadline
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)

GENERATORS: dict[str, Callable[[], st.SearchStrategy[str]]] = {
    "from the model": lambda: for_model(Config).map(lambda tree: yaml.safe_dump(tree, allow_unicode=True)),
    "mutations of config.example.yaml": lambda: st.one_of(_tree_mutation(), _text_mutation()),
}


@pytest.fixture
def example_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.mark.timeout(120)
@pytest.mark.parametrize("generator", list(GENERATORS))
def test_validate_accepts_what_starts_and_refuses_the_rest_in_one_line(
    generator: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], example_env: None
) -> None:
    outcomes = Outcomes()

    @FUZZ
    @given(GENERATORS[generator]())
    def validate_any(text: str) -> None:
        check_validate(text, tmp_path, outcomes, capsys)

    validate_any()
    assert outcomes.refused > 0  # the generator reaches the refusals ...
    assert outcomes.accepted  # ... and configs that start
    step = max(1, len(outcomes.accepted) // CONSOLES)
    for index, text in enumerate(outcomes.accepted[::step][:CONSOLES]):
        folder = tmp_path / f"console{index}"
        folder.mkdir()
        (folder / "opstui.yaml").write_text(text, encoding="utf-8")
        asyncio.run(start_console(load_config(folder / "opstui.yaml"), folder))
