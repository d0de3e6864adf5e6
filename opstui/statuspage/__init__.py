"""The public status page: components and their status, incident updates written with the seed's template, and
the static page ``opstui status-page export`` writes (HTML, JSON, Markdown).

Updates are recorded on the incident's timeline as ``status page updated`` milestones (who, when, from which
host, like every other action), so they are in the review, the audit and team mode with nothing new to store.
"""
