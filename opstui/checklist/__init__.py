"""The checklist: recurring tasks from the seeds, their cadences, and which are done, due or overdue.

Headless like the rest of the core: the clock, the task list, ``launch_at`` and the ticks in the state
store decide each task's status; the console's Checklist screen and ``opstui checklist --export`` only
read it and send ticks back.
"""
