"""The Textual console: the app, its screens, widgets, styles and themes.

Only this folder imports ``textual``. It reads :class:`opstui.core.Core` at a fixed refresh rate
and sends it commands; it never opens a socket or a database itself.
"""
