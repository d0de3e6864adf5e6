"""The core knows no screen: every module outside ``opstui.ui`` imports with ``textual`` blocked."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import importlib, pkgutil, sys
sys.modules["textual"] = None  # any "import textual..." now raises ImportError
import opstui
failed = []
for info in pkgutil.walk_packages(opstui.__path__, "opstui."):
    if info.name == "opstui.ui" or info.name.startswith("opstui.ui.") or info.name == "opstui.__main__":
        continue
    try:
        importlib.import_module(info.name)
    except ImportError as exc:
        if "textual" in str(exc):
            failed.append(f"{info.name}: {exc}")
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""


def test_core_never_imports_textual() -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cli_help_does_not_import_textual() -> None:
    """``opstui --help``, ``check`` and ``validate`` stay fast: the UI is imported only for the console."""
    script = (
        "import sys; sys.modules['textual'] = None\n"
        "from opstui.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit as exc:\n    sys.exit(exc.code)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "keys in the console" in result.stdout


def test_core_modules_import_first() -> None:
    """A tool or benchmark may import the core before the config: no import cycle between them."""
    for module in ("opstui.core", "opstui.alerts.expr", "opstui.checklist.board", "opstui.state.postgres"):
        result = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, f"{module}: {result.stderr}"
