"""The floor for the keystroke benchmark: a bare Textual app with two screens of the console's weight.

Screen 1 has eight bordered tiles, a 12-row table and a log (the Engineering screen's shape); screen 2 a table
of incidents and a detail pane (the On-call screen's). Keys ``1`` and ``2`` switch modes, as in the console,
and a 1 Hz timer updates the tiles, so both apps pay for the same kinds of work. The markers the benchmark
looks for (``Error rate`` on 1, ``Sev  State`` on 2) are the console's own.

    python -m bench.bare
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Log, Static

TILES = ("Error rate", "p95 latency", "Payment success", "Queue length", "Uptime", "DB connections", "DB CPU", "Orders")


class One(Screen[None]):
    DEFAULT_CSS = """
    Grid { grid-size: 4 2; height: 10; }
    .tile { border: round $primary; height: 5; }
    DataTable { height: 14; width: 1fr; }
    Log { width: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Static(" OK  BENCH  bare textual  T+00:00")
        with Grid():
            for name in TILES:
                yield Static("0", classes="tile").with_tooltip(name)
        with Horizontal():
            yield DataTable(id="health")
            yield Log()
        yield Footer()

    def on_mount(self) -> None:
        for tile, name in zip(self.query(".tile"), TILES, strict=True):
            tile.border_title = name
        table = self.query_one(DataTable)
        table.add_columns("Source", "Status", "Latency", "Age", "Uptime", "Reason")
        for i in range(12):
            table.add_row(f"source-{i}", "up", f"{20 + i} ms", "1s", "100.0 %", "")
        self.set_interval(1, self.tick)
        self.n = 0

    def tick(self) -> None:
        self.n += 1
        for tile in self.query(".tile"):
            tile.update(f"{self.n}")  # type: ignore[attr-defined]
        self.query_one(Log).write_line(f"event {self.n}")


class Two(Screen[None]):
    DEFAULT_CSS = """
    DataTable { height: 1fr; }
    #detail { height: 12; border: round $primary; }
    """

    def compose(self) -> ComposeResult:
        yield Static(" OK  BENCH  bare textual  T+00:00")
        yield DataTable()
        yield Static("runbook\ntimeline\nnotes", id="detail")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("#", "Sev  State", "Title", "Age", "SLA", "Ack'd by")
        for i in range(20):
            table.add_row(str(i), "P1   triggered", f"Incident {i}", "5m", "10m", "")


class Bare(App[None]):
    MODES: ClassVar[dict[str, type[Screen[None]]]] = {"one": One, "two": Two}  # type: ignore[assignment]
    DEFAULT_MODE = "one"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "switch_mode('one')", "One"),
        Binding("2", "switch_mode('two')", "Two"),
        Binding("q", "quit", "Quit"),
    ]


if __name__ == "__main__":
    Bare().run()
