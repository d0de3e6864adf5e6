"""Config loading: good files load, every kind of bad file names file, line and key path."""

from __future__ import annotations

import pytest

from opstui.config import ConfigError, load_config, load_config_text
from opstui.config.durations import parse_duration

GOOD = """
environment: production
launch_at: "2026-11-24T09:00:00Z"
sources:
  - {name: api, type: http, url: "https://shop.example/api/health", interval: 5s, timeout: 2s,
     expect: {status: 200, max_latency: 800ms}}
  - {name: app, type: json, url: "https://shop.example/api/metrics", interval: 10s,
     metrics: {queue_length: jobs.pending, db_cpu: db.cpu_percent}}
  - {name: events, type: websocket, url: "wss://shop.example/ops/events"}
kpis:
  - {metric: error_rate, label: Error rate, unit: "%", target: "< 0.5", warning: "> 1", critical: "> 5"}
"""


def test_good_config_loads_with_durations_in_seconds() -> None:
    config = load_config_text(GOOD, file="c.yaml")
    assert config.environment == "production"
    assert [s.type for s in config.sources] == ["http", "json", "websocket"]
    assert config.sources[0].interval == 5.0
    assert config.sources[0].expect.max_latency == 0.8
    assert config.sources[1].metrics == {"queue_length": "jobs.pending", "db_cpu": "db.cpu_percent"}
    assert config.kpis[0].critical == "> 5"


@pytest.mark.parametrize(
    ("text", "duration"),
    [("500ms", 0.5), ("30s", 30), ("5m", 300), ("2h", 7200), ("1d", 86400), ("1h30m", 5400), (7, 7.0)],
)
def test_durations(text: str | int, duration: float) -> None:
    assert parse_duration(text) == duration


def test_env_substitution_with_default() -> None:
    text = "sources:\n  - {name: a, type: http, url: '${HOST:-http://x}/h${SUFFIX}'}\n"
    config = load_config_text(text, env={"SUFFIX": "ealth"})
    assert config.sources[0].url == "http://x/health"


@pytest.mark.parametrize(
    ("text", "line", "path", "words"),
    [
        ("sources:\n  - name: api\n    type: http\n    url: ${NOPE}\n", 4, "sources[0].url", "NOPE"),
        ("sources:\n  - name: api\n    type: smtp\n    url: x\n", 3, "sources[0].type", "unknown source type"),
        (
            "sources:\n  - name: api\n    type: http\n    url: x\n    intreval: 5s\n",
            5,
            "sources[0].intreval",
            "unknown key",
        ),
        (
            "sources:\n  - name: api\n    type: http\n    url: x\n    interval: fast\n",
            5,
            "sources[0].interval",
            "duration",
        ),
        ("kpis:\n  - metric: x\n    warning: big\n", 3, "kpis[0].warning", "threshold"),
        ("store:\n  max_series: lots\n", 2, "store.max_series", "integer"),
        ("environment: [1,\n", 2, "", "YAML syntax"),
        ("sources:\n  - name: a\n    url: x\n", 2, "sources[0].type", "needs a 'type'"),
        ("environment: a\nenvironment: b\n", 2, "environment", "twice"),
    ],
)
def test_bad_config_names_file_line_and_path(text: str, line: int, path: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config_text(text, file="bad.yaml", env={})
    error = info.value
    assert error.file == "bad.yaml"
    assert error.line == line
    assert error.path == path
    assert words in str(error)
    assert str(error).startswith(f"bad.yaml:{line}:")


def test_missing_file_is_a_config_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "nope.yaml")
