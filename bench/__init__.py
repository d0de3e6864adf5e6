"""Benchmarks: run ``python -m bench.run``; docs/performance.md's figures come from its output."""
