"""The wheel carries what the console needs at run time, and says what it is.

A ``pipx install`` has no clone beside it: the themes, the styles, the runbooks and the example config that
``opstui init`` writes must be inside the wheel, and the licence with them. The wheel is built here, offline
(``--no-build-isolation``: hatchling is in the dev extras), from the working tree.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(out)]
    done = subprocess.run([*command, str(ROOT)], capture_output=True, text=True, timeout=170)
    assert done.returncode == 0, done.stderr
    (built,) = out.glob("opstui-*.whl")
    return zipfile.ZipFile(built)


def _names(wheel: zipfile.ZipFile) -> set[str]:
    return set(wheel.namelist())


def _shipped(folder: Path, pattern: str) -> set[str]:
    return {path.relative_to(folder).as_posix() for path in folder.rglob(pattern)}


def test_the_wheel_carries_themes_styles_runbooks_and_the_example_config(wheel: zipfile.ZipFile) -> None:
    names = _names(wheel)
    themes = _shipped(ROOT / "themes", "*.yaml")
    styles = _shipped(ROOT / "opstui" / "ui" / "styles", "*.tcss")
    runbooks = _shipped(ROOT / "opstui" / "runbooks", "*.md")
    assert len(themes) >= 3 and len(styles) >= 7 and len(runbooks) >= 9
    assert {f"opstui/themes/{name}" for name in themes} <= names
    assert {f"opstui/ui/styles/{name}" for name in styles} <= names
    assert {f"opstui/runbooks/{name}" for name in runbooks} <= names
    example = (ROOT / "config.example.yaml").read_bytes()
    assert wheel.read("opstui/config.example.yaml") == example


def test_the_wheel_says_its_licence_and_pythons(wheel: zipfile.ZipFile) -> None:
    (metadata_name,) = [name for name in _names(wheel) if name.endswith(".dist-info/METADATA")]
    metadata = Parser().parsestr(wheel.read(metadata_name).decode())
    assert metadata["License-Expression"] == "MIT"
    assert metadata.get_all("License-File") == ["LICENSE"]
    licence = metadata_name.replace("METADATA", "licenses/LICENSE")
    assert wheel.read(licence) == (ROOT / "LICENSE").read_bytes()
    assert metadata["Requires-Python"] == ">=3.11"
    pythons = {c for c in metadata.get_all("Classifier") or [] if c.startswith("Programming Language :: Python :: 3.")}
    assert pythons == {f"Programming Language :: Python :: 3.{minor}" for minor in (11, 12, 13)}
    assert metadata["Author"] == "The opstui maintainers" or "The opstui maintainers" in (
        metadata["Author-email"] or ""
    )
    assert len(metadata.get_all("Project-URL") or []) == 4
