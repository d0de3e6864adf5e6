"""Re-alerting's promises, run unchanged against PostgreSQL (the tests take ``state`` and ``clock`` only)."""

from __future__ import annotations

from tests.incidents.test_realert import (  # noqa: F401 - collected here against PostgreSQL
    test_a_resolved_incident_never_times_out,
    test_ack_timeout_per_severity_and_off,
    test_ack_timeout_triggers_again_at_the_exact_minute,
    test_no_reminder_once_acknowledged_and_none_by_default,
    test_reminders_repeat_while_triggered_and_firing,
    test_repeat_starts_the_chain_again_after_the_last_level,
)
