"""Notifiers: deliver incident notifications to a webhook, Slack or email, from a durable outbox.

The incident core never talks to the network: it enqueues one outbox row per notifier that wants the
notification (:func:`opstui.notify.dispatcher.fan_out`). The
:class:`~opstui.notify.dispatcher.NotificationDispatcher` runs beside the console, takes due rows,
sends each through its channel with a timeout and bounded concurrency, marks it delivered right after
the server accepts it, and retries failures with exponential backoff; so a channel that is down never
slows the console, and a delivered row is never sent twice.
"""
