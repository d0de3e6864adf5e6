"""Widgets the screens share: the header, KPI tiles, the health table, the latency chart, the event tail."""
