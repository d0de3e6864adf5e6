"""The hostile suite reuses the console's UI fixtures (a fake clock at START, the demo's KPIs, no sources)."""

from __future__ import annotations

from tests.ui.conftest import clock, ui_config  # noqa: F401 - fixtures, re-exported for this folder
