"""The built-in alert rules: every rule of the seeds' "Alerting Rules" section, used when the config
has no ``alerts:`` key.

Severities follow the section's tiers: Critical (SMS + email) is P0, High Priority (email + Slack) is
P1, Medium Priority (Slack only) is P2. Each seed condition is written over the metrics the console
already produces (docs/alert-rules.md):

- ``health_check_failed for 2 minutes`` -> ``check_up == 0`` for 2m, one alert per checked endpoint;
- ``prisma_connection_error`` -> ``db_connections < 1``: the app's pool holds no connection. A PostgreSQL
  source measuring the database itself is the better signal where there is one (its up metric);
- ``stripe_webhook_failures > 10 in 5 minutes`` -> more than 10 failed payments in 5 minutes *while* the
  success rate is below the seeds' warning level (95 %), so that ordinary card declines at high volume
  do not page anyone at night;
- the rates, latencies and success rates are the console's sliding-window series (``error_rate``,
  ``latency_p95``, ``payment_success_rate``) and the app's ``email_failure_rate`` gauge.
"""

from __future__ import annotations

from typing import Any

from opstui.config.alerting import AlertRule
from opstui.config.models import Config

SEED_RULES: tuple[dict[str, Any], ...] = (
    # Critical Alerts (SMS + Email): page the on-call engineer.
    {
        "name": "Service Down",
        "expr": "check_up == 0",
        "for": "2m",
        "severity": "P0",
        "runbook": "service-down",
        "summary": "{{ labels.source }} health check failing for 2 minutes",
    },
    {
        "name": "Database Connection Lost",
        "expr": "db_connections < 1",
        "severity": "P0",
        "runbook": "database-connection-issues",
        "summary": "No database connections in the app's pool (page on-call engineer + DBA)",
    },
    {
        "name": "Payment System Down",
        "expr": "increase(payments_failed_total, 5m) > 10 and payment_success_rate < 95",
        "severity": "P0",
        "runbook": "payment-system-down",
        "summary": "{{ value }} failed payments in the last 5 minutes",
    },
    # High Priority Alerts (Email + Slack): notify the engineering channel.
    {
        "name": "High Error Rate",
        "expr": "error_rate > 5",
        "for": "5m",
        "severity": "P1",
        "runbook": "high-error-rate",
        "summary": "Error rate {{ value }}% for 5 minutes",
    },
    {
        "name": "Slow Response Time",
        "expr": "latency_p95 > 2000",
        "for": "10m",
        "severity": "P1",
        "runbook": "slow-response-time",
        "summary": "p95 response time {{ value }} ms for 10 minutes",
    },
    {
        "name": "Payment Success Rate Low",
        "expr": "payment_success_rate < 90",
        "for": "15m",
        "severity": "P1",
        "runbook": "payment-system-down",
        "summary": "Payment success rate {{ value }}% for 15 minutes (notify engineering + finance)",
    },
    # Medium Priority Alerts (Slack only).
    {
        "name": "Elevated Error Rate",
        "expr": "error_rate > 1",
        "for": "15m",
        "severity": "P2",
        "runbook": "high-error-rate",
        "summary": "Error rate {{ value }}% for 15 minutes",
    },
    {
        "name": "Email Delivery Issues",
        "expr": "email_failure_rate > 10",
        "for": "30m",
        "severity": "P2",
        "runbook": "email-delivery-issues",
        "summary": "Email failure rate {{ value }}% for 30 minutes",
    },
)
"""As config dicts, so they read exactly like (and are checked exactly as) an ``alerts:`` section."""


BACKUP_RULES: tuple[dict[str, Any], ...] = (
    # The second seed's backup strategy (daily backups, point-in-time recovery), watched by ``backup`` sources.
    {
        "name": "Backup Overdue",
        "expr": "backup_overdue == 1",
        "severity": "P2",
        "runbook": "backup-overdue",
        "summary": "{{ labels.source }}: no backup newer than its max_age",
    },
    {
        "name": "WAL Archiving Failing",
        "expr": "wal_archive_failing == 1",
        "severity": "P1",
        "runbook": "wal-archiving-failing",
        "summary": "{{ labels.source }}: WAL archiving failing; recovery stops at the last archived segment",
    },
)
"""Added to the seed rules when the config has a ``backup`` source (and no ``alerts:`` of its own)."""


SOURCE_DOWN = "Source Down"


def source_down_rule(after: float) -> AlertRule:
    """The built-in rule that makes a blind spot an incident: a source other than an ``http`` check (whose
    own Service Down rule pages) down, unreachable or stale for ``after`` seconds (``source_up`` is recorded
    by the monitor once a second for every source that has been checked)."""
    return AlertRule.model_validate(
        {
            "name": SOURCE_DOWN,
            "expr": 'source_up{kind!="http"} == 0',
            "for": after,
            "severity": "P1",
            "runbook": "source-down",
            "summary": "{{ labels.source }} ({{ labels.kind }}) down or stale: its figures are not current",
        }
    )


def console_rules(config: Config) -> list[AlertRule]:
    """What the console's engine runs: :func:`builtin_rules`, plus Source Down unless switched off
    (``alerting.source_down_after: null``) or the config has a rule of that name (theirs wins)."""
    rules = builtin_rules(config)
    after = config.alerting.source_down_after
    if after is not None and all(rule.name != SOURCE_DOWN for rule in rules):
        rules.append(source_down_rule(after))
    return rules


def default_rules() -> list[AlertRule]:
    """The seed rules as validated config models."""
    return [AlertRule.model_validate(rule) for rule in SEED_RULES]


def builtin_rules(config: Config) -> list[AlertRule]:
    """The rules a config runs: its own ``alerts:``, else the seed rules plus the backup rules if it watches backups."""
    if config.alerts is not None:
        return list(config.alerts)
    rules = default_rules()
    if any(source.type == "backup" for source in config.sources):
        rules += [AlertRule.model_validate(rule) for rule in BACKUP_RULES]
    return rules
