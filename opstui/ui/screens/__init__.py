"""The console's screens, one per mode: engineering (1), on-call (2), executive (3), checklist (4)."""
