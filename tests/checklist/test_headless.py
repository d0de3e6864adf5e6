"""The checklist is core: it imports without Textual (the UI is the only place that may)."""

from __future__ import annotations

import subprocess
import sys

BLOCK_TEXTUAL = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "textual" or name.startswith("textual."):
            raise ImportError("textual is not allowed in the core")
sys.meta_path.insert(0, Block())
import opstui.checklist.board, opstui.checklist.export, opstui.commands.checklist
print("ok")
"""


def test_the_checklist_imports_without_textual() -> None:
    result = subprocess.run([sys.executable, "-c", BLOCK_TEXTUAL], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
