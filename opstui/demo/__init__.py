"""The built-in simulated food shop behind ``opstui --demo`` and ``opstui demo-server``.

It serves the endpoints and the ops event stream a real shop would (``shop``), generates plausible
traffic (``traffic``) and walks a fixed loop of incidents (``scenarios``) on the injected clock, so a
newcomer sees the console react to a bad deploy, a payment failure spike, slow responses and an
outage with no set-up; ``config`` is the console config pointed at it.
"""
