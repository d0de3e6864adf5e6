"""The built-in checklist: every recurring task of both seeds, with its cadence, used when the config
has no ``checklist:``.

Titles are the seeds' words (markdown removed) so that a test can match them task for task:

- the first seed's "Real-Time Monitoring (First 48 Hours)": application health, business metrics and
  user experience, each with its own cadence (every 5 / 15 / 30 minutes, hourly, every 2 hours,
  daily), active for 48 hours after launch;
- the first seed's weekly (performance, security, business, infrastructure) and monthly
  (performance, security, cost) tasks;
- the second seed's daily / weekly / monthly maintenance schedule.

Some tasks overlap between the seeds (both review error logs, both update dependencies); they are
kept, because each is a promise one of the two practices makes. Links to metrics use the names the
monitor derives (``error_rate``, ``latency_p95``, ...) and the demo's source names (``api``); a link
to a metric or source a config does not have shows "no data" and never auto-ticks; the backup tasks tick
themselves (``backups verified``) only where ``backup`` sources are configured and every one is up.
"""

from __future__ import annotations

from typing import Any

from opstui.config.checklist import ChecklistTask

FIRST_48H = "First 48 hours"
DAILY = "Daily"
WEEKLY = "Weekly"
MONTHLY = "Monthly"

_FIRST: list[dict[str, Any]] = [
    # Application health
    {"title": "Check /api/health endpoint status", "every": "5m", "check": "api", "auto": "api is up"},
    {"title": "Review error logs in monitoring tool", "every": "15m", "metric": "error_rate"},
    {"title": "Check response time metrics (p50, p95, p99)", "every": "30m", "metric": "latency_p95"},
    {"title": "Review database connection pool usage", "every": "hourly", "metric": "db_connections"},
    # Business metrics
    {"title": "Monitor order creation rate", "every": "hourly", "metric": "payments_per_min"},
    {"title": "Monitor payment success rate", "every": "hourly", "metric": "payment_success_rate"},
    {"title": "Check refund request volume", "every": "2h"},
    {"title": "Review revenue vs. projections", "every": "daily"},
    # User experience
    {"title": "Monitor user registration rate", "every": "hourly"},
    {"title": "Check cart abandonment rate", "every": "hourly"},
    {"title": "Review customer support tickets", "every": "2h"},
    {"title": "Analyze most-visited pages", "every": "daily"},
]

_DAILY = [
    {"title": "Monitor error logs", "metric": "error_rate"},
    {"title": "Check uptime status", "metric": "uptime_pct"},
    {"title": "Review critical alerts"},
]

_WEEKLY = [
    # First seed: performance review
    {"title": "Analyze slow API endpoints (> 500ms)", "metric": "latency_p95"},
    {"title": "Review database query performance"},
    {"title": "Identify and fix N+1 query issues"},
    {"title": "Review cache hit rates", "metric": "cache_hit_rate"},
    # Security review
    {"title": "Review failed login attempts"},
    {"title": "Check for suspicious admin activity"},
    {"title": "Review payment refund patterns"},
    {"title": "Audit role/permission changes"},
    # Business analysis
    {"title": "Generate weekly revenue report"},
    {"title": "Analyze top-selling products"},
    {"title": "Review customer churn rate"},
    {"title": "Identify drop-off points in checkout"},
    # Infrastructure health
    {"title": "Check disk space utilization"},
    {"title": "Review database backup logs", "auto": "backups verified"},
    {"title": "Verify SSL certificate expiration dates"},
    {"title": "Test rollback procedure (staging)"},
    # Second seed: weekly maintenance
    {"title": "Review performance metrics", "metric": "latency_p95"},
    {"title": "Check backup status", "auto": "backups verified"},
    {"title": "Review security logs"},
    {"title": "Update dependencies (if needed)"},
]

_MONTHLY = [
    # First seed: performance optimization
    {"title": "Analyze traffic patterns and scale accordingly", "metric": "requests_per_min"},
    {"title": "Review and optimize database indexes"},
    {"title": "Implement new caching strategies"},
    {"title": "Optimize image sizes and CDN usage"},
    # Security hardening
    {"title": "Update dependencies with security patches"},
    {"title": "Review and rotate API keys"},
    {"title": "Audit user permissions"},
    {"title": "Penetration testing (if applicable)"},
    # Cost optimization
    {"title": "Review hosting costs"},
    {"title": "Optimize database query efficiency"},
    {"title": "Review third-party service usage (Stripe fees, email costs)"},
    {"title": "Archive old data"},
    # Second seed: monthly maintenance
    {"title": "Full system audit"},
    {"title": "Performance optimization review"},
    {"title": "Security scan"},
    {"title": "Backup verification"},
    {"title": "Dependency updates"},
]


def builtin_entries() -> list[dict[str, Any]]:
    """The built-in list as config entries (what ``config.example.yaml`` shows under ``checklist:``)."""
    entries: list[dict[str, Any]] = [{**task, "group": FIRST_48H, "first": "48h"} for task in _FIRST]
    entries += [{**task, "group": DAILY, "every": "daily"} for task in _DAILY]
    entries += [{**task, "group": WEEKLY, "every": "weekly"} for task in _WEEKLY]
    entries += [{**task, "group": MONTHLY, "every": "monthly"} for task in _MONTHLY]
    return entries


def builtin_tasks() -> list[ChecklistTask]:
    """The built-in list, validated like a config's ``checklist:``."""
    return [ChecklistTask.model_validate(entry) for entry in builtin_entries()]
