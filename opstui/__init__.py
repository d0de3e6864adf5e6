"""opstui: the on-call engineer's terminal console."""

__version__ = "0.1.0"
