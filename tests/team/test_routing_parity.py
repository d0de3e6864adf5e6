"""Re-alerting's promises, run unchanged against PostgreSQL (the tests take ``state`` and ``clock`` only)."""

from __future__ import annotations

from tests.incidents.test_escalate_unack_reassign import (  # noqa: F401, E402
    test_escalate_now_pages_the_next_step_and_the_timetable_holds,
    test_reassign_pages_the_person_until_escalation_moves_on,
    test_unacknowledge_triggers_again_from_the_first_step,
)
from tests.incidents.test_manual import (  # noqa: F401, E402
    test_a_manual_incident_lives_like_any_other,
    test_a_severity_change_is_recorded_notified_and_moves_the_sla,
)
from tests.incidents.test_overrides import (  # noqa: F401, E402
    test_an_override_changes_who_is_paged_while_it_lasts,
    test_an_override_follows_the_person_a_policy_names_and_can_end_early,
)
from tests.incidents.test_policies import (  # noqa: F401, E402
    test_a_p0_on_payments_follows_its_policy_and_repeats_after_the_last_level,
    test_a_policy_per_service_pages_the_person_it_names,
    test_a_policy_per_severity_and_the_default_for_the_rest,
)
from tests.incidents.test_realert import (  # noqa: F401 - collected here against PostgreSQL
    test_a_resolved_incident_never_times_out,
    test_ack_timeout_per_severity_and_off,
    test_ack_timeout_triggers_again_at_the_exact_minute,
    test_no_reminder_once_acknowledged_and_none_by_default,
    test_reminders_repeat_while_triggered_and_firing,
    test_repeat_starts_the_chain_again_after_the_last_level,
)
from tests.incidents.test_silences import (  # noqa: F401, E402
    test_a_pending_silence_can_be_expired_before_it_starts,
    test_a_reason_and_a_bounded_length_are_required,
    test_a_silence_pending_then_active_then_expired,
    test_expire_early_and_the_timeline_says_silenced,
)
