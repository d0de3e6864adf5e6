"""Incidents: firing alerts become incidents that people acknowledge, annotate and resolve, with
response-time SLAs by severity, escalation along the on-call path, silences, and the post-incident
review. Headless: the manager talks to the state store, never to a screen."""
