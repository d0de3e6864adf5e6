"""Series keys: a metric name plus labels, in one canonical string."""

from __future__ import annotations


def series_key(metric: str, labels: dict[str, str] | None = None) -> str:
    """``latency_ms{source="api"}``: labels sorted so the same series always has the same key."""
    if not labels:
        return metric
    inner = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return f"{metric}{{{inner}}}"
