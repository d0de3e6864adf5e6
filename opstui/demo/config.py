"""The console's config for the demo shop: the seeds' critical endpoints, gauges, stream and KPIs.

Thresholds are the seeds' technical KPI table, except two that the seeds do not give:

- ``queue_length`` (pending background jobs): ``< 50`` / ``> 200`` / ``> 1000`` are *ours*, sized for a
  shop whose queue idles at ~20 and piles up to ~900 in an outage.
- ``db_connections`` is the raw number of connections. The demo database allows 100, so the raw count
  *is* the percentage of the pool and the thresholds ``< 60`` / ``> 75`` / ``> 90`` read as "60 % / 75 %
  / 90 % of ``max_connections``", mirroring the seeds' database CPU row. A real shop with a different
  pool size should scale them (``db_max_connections`` is collected for that).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir

from opstui.config.models import Config


def demo_config(base_url: str, dsn: str | None = None) -> Config:
    """The config ``opstui --demo`` runs with, for the shop at ``base_url`` (``http://host:port``).

    With ``dsn`` (``opstui --demo --dsn``, a database filled by ``opstui demo-db``) the shop's
    database is a ``postgres`` source too: the Executive screen's KPIs come from its SQL and the
    DB connections tile from the health pack. Without it, the Executive screen shows what the
    payment stream gives (the payment success rate) and says how to connect a database.
    """
    data = _demo_data(base_url)
    if dsn is None:
        return Config.model_validate(data)
    from opstui.demo.database import SHOP_KPIS, SHOP_QUERIES

    data["environment"] = "demo (simulated shop + PostgreSQL)"
    # The demo's own toy database, usually reached as the local superuser that 'opstui demo-db' filled it with:
    # allowed here on purpose; a real config gets a monitoring role (docs/security.md).
    data["sources"].append(
        {
            "name": "shopdb",
            "type": "postgres",
            "dsn": dsn,
            "interval": "10s",
            "health": True,
            "queries": SHOP_QUERIES,
            "allow_privileged_role": True,
        }
    )
    for kpi in data["kpis"]:
        if kpi["metric"] == "db_connections":  # the real pool usage, in percent of max_connections
            kpi.update(metric="pg_connections_pct", unit="%")
    data["kpis"] += [{**kpi, "screen": "executive"} for kpi in SHOP_KPIS]
    return Config.model_validate(data)


def demo_history_path() -> Path:
    """The demo's history file (``opstui uptime --demo`` reads it): in the user data directory, its own."""
    return Path(user_data_dir("opstui")) / "demo.history.db"


def _demo_data(base_url: str) -> dict[str, Any]:
    base = base_url.rstrip("/")
    ws = "ws" + base.removeprefix("http")  # http -> ws, https -> wss
    return {
        "environment": "demo (simulated shop)",
        # The demo's history survives a restart too, in a file of its own: never mixed into a real console's.
        "store": {"history_path": str(demo_history_path())},
        "sources": [
            {
                "name": "api",
                "type": "http",
                "url": f"{base}/api/health",
                "interval": "5s",
                "timeout": "2s",
                "expect": {"status": 200, "max_latency": "800ms"},
            },
            {"name": "homepage", "type": "http", "url": f"{base}/", "interval": "15s", "timeout": "2s"},
            {"name": "admin-login", "type": "http", "url": f"{base}/admin/login", "interval": "30s", "timeout": "2s"},
            {
                "name": "payments",
                "type": "http",
                "url": f"{base}/api/payments/health",
                "interval": "10s",
                "timeout": "2s",
            },
            {
                "name": "app",
                "type": "json",
                "url": f"{base}/api/metrics",
                "interval": "5s",
                "timeout": "2s",
                "metrics": {
                    "queue_length": "jobs.pending",
                    "db_cpu": "db.cpu_percent",
                    "db_connections": "db.connections",
                    "db_max_connections": "db.max_connections",
                    "email_failure_rate": "email.failure_rate",
                    "cache_hit_rate": "cache.hit_rate",
                },
            },
            {"name": "events", "type": "websocket", "url": f"{ws}/ops/events", "stale_after": "10s"},
        ],
        "actions": _demo_actions(base),
        "contacts": DEMO_CONTACTS,
        "kpis": [
            {
                "metric": "error_rate",
                "label": "Error rate",
                "unit": "%",
                "target": "< 0.5",
                "warning": "> 1",
                "critical": "> 5",
            },
            {
                "metric": "latency_p95",
                "label": "p95 latency",
                "unit": "ms",
                "target": "< 500",
                "warning": "> 800",
                "critical": "> 2000",
            },
            {
                "metric": "payment_success_rate",
                "label": "Payment success",
                "unit": "%",
                "target": "> 98",
                "warning": "< 95",
                "critical": "< 90",
            },
            {
                "metric": "queue_length",
                "label": "Queue length",
                "target": "< 50",
                "warning": "> 200",
                "critical": "> 1000",
            },
            {
                "metric": "uptime_pct",
                "label": "Uptime",
                "unit": "%",
                "target": ">= 99.9",
                "warning": "< 99.5",
                "critical": "< 99",
            },
            {
                "metric": "db_connections",
                "label": "DB connections",
                "target": "< 60",
                "warning": "> 75",
                "critical": "> 90",
            },
            {
                "metric": "db_cpu",
                "label": "DB CPU",
                "unit": "%",
                "target": "< 60",
                "warning": "> 75",
                "critical": "> 90",
            },
        ],
    }


DEMO_CONTACTS: list[dict[str, Any]] = [
    {"provider": "Vercel Support", "covers": "Hosting", "url": "https://vercel.com/help"},
    {
        "provider": "MongoDB Atlas Support",
        "covers": "Database",
        "url": "https://support.mongodb.com",
        "applies_to": ["Database Connection Lost", "database-connection-errors", "slow-response-times"],
    },
    {
        "provider": "Stripe Support",
        "covers": "Payments",
        "url": "https://support.stripe.com",
        "applies_to": ["Payment System Down", "Payment Success Rate Low", "payment-failures-spike"],
    },
    {
        "provider": "Mailgun/SendGrid Support",
        "covers": "Email",
        "url": "https://help.mailgun.com",
        "applies_to": ["Email Delivery Issues", "email-delivery-failures", "email-delivery-issues"],
    },
]
"""Seed 004's emergency contacts (the demo's and config.example.yaml's); general ones show on every incident."""


def _demo_actions(base: str) -> list[dict[str, Any]]:
    """Harmless stand-ins for the seed's emergency commands: a real health check against the simulated shop,
    a 'rollback' that only says what it would do (dangerous: you type its name), a payment reconciliation."""
    python = sys.executable
    return [
        {
            "name": "Check API health",
            "description": "curl https://api.../api/health, against the simulated shop",
            "http": {"method": "GET", "url": f"{base}/api/health"},
            "confirm": False,
            "timeout": "10s",
        },
        {
            "name": "Rollback web",
            "description": "vercel rollback (simulated: prints what it would do)",
            "command": [
                python,
                "-c",
                "print('vercel rollback: promoting the previous deployment (demo: nothing done)')",
            ],
            "dangerous": True,
            "timeout": "2m",
            "applies_to": ["High Error Rate", "Elevated Error Rate", "Service Down", "Slow Response Time"],
        },
        {
            "name": "Sync payments",
            "description": "npm run script:sync-payments (simulated)",
            "command": [python, "-c", "print('reconciled 0 payments (demo)')"],
            "applies_to": ["Payment System Down", "Payment Success Rate Low", "payment-failures-spike"],
        },
    ]
