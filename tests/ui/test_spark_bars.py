"""The tiles' sparkline: buckets as Textual's Sparkline cuts them (the snapshots hold the look), drawn once."""

from __future__ import annotations

from textual.app import App, ComposeResult

from opstui.ui.widgets.spark_bars import SparkBars, bucket_tops


def test_buckets_keep_each_cells_largest_value() -> None:
    assert bucket_tops([1, 5, 2, 3, 9, 0], 3) == [5, 3, 9]
    assert bucket_tops([1, 2], 4) == [1, 1, 2, 2]  # fewer values than cells: each one widens
    assert bucket_tops([], 4) == []


class SparkApp(App[None]):
    def compose(self) -> ComposeResult:
        yield SparkBars()


async def test_the_line_is_drawn_again_only_when_the_values_change() -> None:
    app = SparkApp()
    async with app.run_test(size=(8, 3)) as pilot:
        spark = app.query_one(SparkBars)
        spark.data = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
        await pilot.pause()
        first = spark.render_line(0)
        assert first.text == "▁▂▃▄▅▆▇█"
        assert spark.render_line(0) is first  # the same values: the kept strip
        spark.data = [7.0, 0.0]
        await pilot.pause()
        assert spark.render_line(0).text == "████▁▁▁▁"
