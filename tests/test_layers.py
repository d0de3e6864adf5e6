"""The import contract holds: the layers in pyproject.toml ([tool.importlinter]) and no Textual in the core.

CI runs ``lint-imports`` too; this test makes a developer's ``pytest`` say the same before a push.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_import_contract_is_kept() -> None:
    beside = Path(sys.executable).with_name("lint-imports")  # this environment's, when it has one
    lint_imports = str(beside) if beside.exists() else shutil.which("lint-imports")
    assert lint_imports is not None, "import-linter is in the dev extras: pip install -e '.[dev]'"
    done = subprocess.run([lint_imports, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "Contracts: 2 kept, 0 broken." in done.stdout
