"""Sources: where samples and ops events come from (http, json, websocket, ...).

Every source has one interface (:class:`opstui.sources.base.Source`): it runs its own loop on the
injected clock, never overlaps its own polls, reports its health as a :class:`SourceStatus`
(up / degraded / down / stale, with the reason and since when) and hands what it reads to a
:class:`Sink`. A failing source is data, not a crash: it backs off and retries.
"""
