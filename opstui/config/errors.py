"""The one error a bad config file produces."""

from __future__ import annotations


class ConfigError(Exception):
    """A config problem told in the user's terms: file, line, key path and what is wrong."""

    def __init__(self, message: str, *, file: str = "<config>", line: int | None = None, path: str = "") -> None:
        self.file = file
        self.line = line
        self.path = path
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        key = f" {self.path}:" if self.path else ""
        if not self.file:  # a problem with no file to name (none was found): the message alone
            return f"{key.strip()} {self.message}".strip()
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}:{key} {self.message}"
