"""Config models for the public status page (``status_page:``): its components and how often to post.

A component (the seed's Website, API, Payment Processing, Email Delivery) is tied to what the console already
watches: sources (their health checks), KPI metrics and alert rules. Its status is derived from them (see
:mod:`opstui.statuspage.derive`); the defaults tie the seed's four components to the built-in rules and the
demo's source names, so a config that names its sources alike needs nothing here.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from opstui.config.durations import PositiveDuration
from opstui.config.models import Model
from opstui.config.notify import HttpUrl, Timeout


class Component(Model):
    """One line of the status page: something the public uses, with what tells its health."""

    name: str = Field(min_length=1, max_length=80)
    description: str = ""
    sources: list[str] = Field(default_factory=list)
    """Source names: one down is a major outage, one degraded or stale a degraded performance."""
    metrics: list[str] = Field(default_factory=list)
    """KPI metrics: one critical is a partial outage, one at warning a degraded performance."""
    rules: list[str] = Field(default_factory=list)
    """Alert rule names or runbook slugs: an open incident of theirs is a major outage (P0), a partial outage
    (P1) or a degraded performance (P2, P3); its updates are shown under this component."""


def _seed_components() -> list[Component]:
    """The seed's "Components to Monitor", tied to the built-in rules and the demo's sources."""
    return [
        Component(
            name="Website",
            description="Frontend",
            sources=["homepage"],
            rules=["Service Down"],
        ),
        Component(
            name="API",
            description="Backend",
            sources=["api"],
            metrics=["error_rate", "latency_p95"],
            rules=[
                "Service Down",
                "High Error Rate",
                "Elevated Error Rate",
                "Slow Response Time",
                "Database Connection Lost",
            ],
        ),
        Component(
            name="Payment Processing",
            sources=["payments"],
            metrics=["payment_success_rate"],
            rules=["Payment System Down", "Payment Success Rate Low"],
        ),
        Component(name="Email Delivery", rules=["Email Delivery Issues"]),
    ]


class StatusPublish(Model):
    """Where each update is POSTed as JSON (a Statuspage-compatible ``incident`` object; see
    docs/communicate-and-act.md), through the same durable outbox as the notifications."""

    url: HttpUrl
    """The receiver (your status page's API, a bridge); use ``${VAR}`` if it carries a token. Only its host is
    ever shown."""
    headers: dict[str, SecretStr] = Field(default_factory=dict)
    """E.g. ``Authorization: OAuth ${STATUSPAGE_TOKEN}``; values are never shown."""
    timeout: Timeout = 5.0
    """One attempt slower than this fails and is retried later (with backoff, for up to 24 hours)."""


class StatusPageSettings(Model):
    """The public status page: what ``u`` on an incident posts to and ``opstui status-page export`` writes."""

    title: str = "Status"
    """The page's heading, e.g. ``RachelFoods status``."""
    components: list[Component] = Field(default_factory=_seed_components)
    """The seed's four by default: Website, API, Payment Processing, Email Delivery."""
    update_every: PositiveDuration = 1800.0
    """A P0/P1 incident should get a public update at least this often (the seed: post, then keep posting)."""
    history_days: int = Field(default=90, ge=1, le=366)
    """How far back the exported page lists past incidents."""
    publish: StatusPublish | None = None
    """POST each update to a webhook as well (unset: the updates are on the timeline and in the export only)."""

    @field_validator("components")
    @classmethod
    def _unique(cls, components: list[Component]) -> list[Component]:
        seen: set[str] = set()
        for component in components:
            if component.name.casefold() in seen:
                raise ValueError(f"two components are named {component.name!r}; names must be unique")
            seen.add(component.name.casefold())
        return components
