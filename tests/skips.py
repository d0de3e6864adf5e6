"""The one list of reasons a test may skip. Any other skip fails the run (see ``tests/conftest.py``).

A skip hides a test: a missing dev dependency once made five TLS tests skip silently on a fresh venv. So a
skip is allowed only when the machine cannot give what the test needs and installing the project cannot
fix it, and each reason says why it is acceptable. CI sets ``OPSTUI_REQUIRE_PG=1``, ``OPSTUI_REQUIRE_PROM=1``
and ``OPSTUI_REQUIRE_CHROMIUM=1``, which turn the server and browser skips below into failures there.
"""

from __future__ import annotations

import re

ALLOWED_SKIPS: dict[str, str] = {
    r"PostgreSQL (not reachable|unreachable) at ": "no server on a developer's machine; CI requires one (REQUIRE_PG)",
    r"(prometheus|promtool|alertmanager|prometheus-alertmanager) is not installed": (
        "a system package, not a Python one; CI installs it and requires it (OPSTUI_REQUIRE_PROM=1)"
    ),
    r"chromium is not installed": (
        "a system package (Debian's chromium), not a Python one; CI installs it and requires it "
        "(OPSTUI_REQUIRE_CHROMIUM=1)"
    ),
    r"no PostgreSQL server binaries \(initdb, pg_ctl\) on this machine": (
        "a private cluster needs the server's binaries, a system package; CI installs PostgreSQL"
    ),
    r"running as root without runuser: cannot start a private PostgreSQL": "initdb refuses root; the OS lacks runuser",
    r"could not start a private PostgreSQL": "the machine refused a throw-away cluster (ports, shared memory)",
    r"pg_stat_statements is not available on this server": "a contrib module the server's packaging may omit",
    r"cannot mount a tmpfs here \(needs root\)": "the full-disk test needs a mount, which a container may forbid",
    r"seed documents not (found|available)": "the seeds live beside the repository (shared/), not in it",
}
"""Pattern (searched in the skip's reason) -> why such a skip is acceptable."""


def unexpected(reasons: list[str]) -> list[str]:
    """The skip reasons no entry of :data:`ALLOWED_SKIPS` allows."""
    return [reason for reason in reasons if not any(re.search(pattern, reason) for pattern in ALLOWED_SKIPS)]
