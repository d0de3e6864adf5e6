"""Acting on an incident: which runbook actions and contacts apply to it, and running an action safely.

Headless like the rest of the core (the console, the tests and any future command use it without a screen):
:mod:`~opstui.actions.match` picks what applies to an incident, :mod:`~opstui.actions.run` runs one action with
its confirmation rules, a timeout and bounded, redacted output, and records the run on the incident's timeline
(and so in the audit).
"""
