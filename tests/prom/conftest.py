"""Session-wide real servers for the Prometheus tests (see :mod:`tests.prom.servers`), and a recording sink.

Without the binaries the tests skip with the reason, unless ``OPSTUI_REQUIRE_PROM=1`` (CI sets it), which
makes a missing binary a failure: CI never silently skips Prometheus.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from opstui.clock import FakeClock
from opstui.sources.base import SourceStatus
from opstui.sources.events import Event
from tests.prom.servers import REQUIRE, Alertmanager, Prometheus, Service, binary
from tests.sources.conftest import http_server  # noqa: F401 - the scriptable HTTP server, for odd answers


def _need(*names: str) -> str:
    found = binary(*names)
    if found is None:
        reason = f"{names[0]} is not installed (apt-get install prometheus prometheus-alertmanager)"
        if REQUIRE:
            pytest.fail(f"{reason}; OPSTUI_REQUIRE_PROM=1: the Prometheus tests may not be skipped")
        pytest.skip(reason)
    return found


@pytest.fixture(scope="session")
def service() -> Iterator[Service]:
    svc = Service()
    yield svc
    svc.stop()


@pytest.fixture(scope="session")
def prometheus(service: Service, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prometheus]:
    server = Prometheus(_need("prometheus"), tmp_path_factory.mktemp("prometheus"), service)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def alertmanager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Alertmanager]:
    server = Alertmanager(_need("prometheus-alertmanager", "alertmanager"), tmp_path_factory.mktemp("alertmanager"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def promtool() -> str:
    return _need("promtool")


@pytest.fixture
def clock() -> FakeClock:
    """The console's own time, set by the tests to the real time before each read (the servers live in real time)."""
    return FakeClock(start=time.time())


class Sink:
    """Keeps what a source gives it, including the per-metric errors the Monitor would show."""

    retention = 48 * 3600.0
    """How far back a sample may be dated (the border check's lower bound), as the Monitor's store keeps."""

    def __init__(self) -> None:
        self.samples: list[tuple[str, float, float, dict[str, str] | None]] = []
        self.statuses: list[SourceStatus] = []
        self.errors: dict[str, str] = {}

    def record(self, metric: str, value: float, ts: float, labels: dict[str, str] | None = None) -> None:
        self.samples.append((metric, value, ts, labels))

    def ingest(self, events: list[Event]) -> None:
        raise AssertionError("these sources send no events")

    def status_changed(self, status: SourceStatus) -> None:
        self.statuses.append(status)

    def set_metric_error(self, name: str, error: str | None) -> None:
        if error is None:
            self.errors.pop(name, None)
        else:
            self.errors[name] = error

    def last(self, metric: str) -> float:
        values = [value for name, value, _, labels in self.samples if name == metric and labels is None]
        assert values, f"no unlabelled value of {metric}: {self.samples}"
        return values[-1]

    def clear(self) -> None:
        self.samples.clear()


@pytest.fixture
def sink() -> Sink:
    return Sink()


@pytest.fixture
def work(tmp_path: Path) -> Path:
    return tmp_path
