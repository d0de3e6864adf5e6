"""Benchmarks: run ``python -m bench.run``; the README's figures come from its output."""
