"""The hostile suite reuses the console's fixtures: the UI's (a fake clock at START, the demo's KPIs, no
sources), the sources' real local websocket server and the database tests' real PostgreSQL."""

from __future__ import annotations

from tests.pg.conftest import pg_admin_dsn, pg_dsn  # noqa: F401 - fixtures, re-exported for this folder
from tests.sources.conftest import http_server, sink, ws_server  # noqa: F401 - fixtures, re-exported for this folder
from tests.ui.conftest import clock, ui_config  # noqa: F401 - fixtures, re-exported for this folder
