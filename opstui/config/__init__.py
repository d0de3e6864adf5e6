"""The config file: YAML in, typed and validated models out, one clear error on a bad file.

``load_config(path)`` is the only way in; it substitutes ``${VAR}`` from the environment, parses
durations, validates every key and, on any problem, raises :class:`ConfigError` naming the file,
the line and the key path.
"""

from opstui.config.errors import ConfigError
from opstui.config.loader import find_config, load_config, load_config_text
from opstui.config.models import Config

__all__ = ["Config", "ConfigError", "find_config", "load_config", "load_config_text"]
