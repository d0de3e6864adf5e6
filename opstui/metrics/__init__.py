"""The metric store: bounded ring buffers per series, sliding windows over ops events, KPI levels.

Nothing here knows about sources or screens: samples come in, aggregates and levels go out.
"""
