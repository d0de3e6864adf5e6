"""The SQLite store's promises, run unchanged against PostgreSQL: the backends behave identically.

The imported tests take ``state``, ``manager`` and ``clock`` fixtures; here those are PostgreSQL-backed.
"""

from __future__ import annotations

from tests.incidents.test_manager import (  # noqa: F401 - collected here against PostgreSQL
    test_a_fingerprint_silence_leaves_other_alerts_of_the_rule_alone,
    test_a_refiring_alert_does_not_open_a_second_incident,
    test_acknowledged_incidents_do_not_escalate,
    test_acknowledging_twice_is_a_no_op_and_resolved_cannot_be_acknowledged,
    test_an_alert_firing_again_during_the_quiet_time_keeps_the_incident_open,
    test_auto_resolves_after_the_alert_has_been_quiet,
    test_escalation_happens_at_exactly_the_right_minute,
    test_flapping_reopens_instead_of_opening_a_new_incident,
    test_milestones_are_on_the_timeline,
    test_missed_ticks_still_record_every_step,
    test_open_acknowledge_note_resolve_records_who_where_and_when,
    test_open_incidents_are_sorted_by_urgency,
    test_outbox_rows_on_open_escalation_acknowledge_and_resolve,
    test_silences_suppress_and_expire,
    test_unsnooze_ends_the_silence_and_snooze_is_on_open_timelines,
)
from tests.state.test_sqlite import (  # noqa: F401
    test_a_change_from_a_stale_snapshot_is_a_conflict,
    test_delivered_and_failed_notifications,
    test_incidents_round_trip_with_labels,
    test_the_audit_lists_on_call_and_component_overrides,
    test_ticks_last_tick_and_undo,
)
