"""The hand-drawn braille chart: dots where the points are, axes that say the scale, cheap to build."""

from __future__ import annotations

import time

from textual.app import App, ComposeResult

from opstui.ui.widgets.line_chart import LineChart, Series, draw, nice_ceiling, number, plain, raster

BRAILLE_BLANK = 0x2800


def test_nice_ceiling_and_labels() -> None:
    assert [nice_ceiling(v) for v in (0.0, 0.7, 1.0, 1.2, 2.1, 3.0, 7.0, 950.0, 1001.0)] == [
        1.0,
        1.0,
        1.0,
        2.0,
        2.5,
        5.0,
        10.0,
        1000.0,
        2000.0,
    ]
    assert [number(v) for v in (0.0, 250.0, 2.5, 1500.0, 20000.0)] == ["0", "250", "2.5", "1.5k", "20k"]


def test_a_flat_line_at_the_bottom_fills_the_bottom_dots_of_the_last_row() -> None:
    grid = raster([Series("a", "status-ok", [0.0, 10.0], [0.0, 0.0])], 5, 2, (0.0, 10.0), (0.0, 1.0))
    assert grid.masks[0] == [0] * 5
    assert grid.masks[1] == [0x40 | 0x80] * 5  # the lowest dot of both columns of every cell
    top = raster([Series("a", "status-ok", [0.0, 10.0], [1.0, 1.0])], 5, 2, (0.0, 10.0), (0.0, 1.0))
    assert top.masks[0] == [0x01 | 0x08] * 5 and top.masks[1] == [0] * 5


def test_a_vertical_jump_is_joined_and_the_last_series_owns_the_cell() -> None:
    lines = [
        Series("low", "status-ok", [0.0, 1.0], [0.0, 0.0]),
        Series("jump", "status-crit", [0.0, 1.0], [0.0, 1.0]),
    ]
    grid = raster(lines, 1, 2, (0.0, 1.0), (0.0, 1.0))
    assert all(mask for row in grid.masks for mask in row), "the rise leaves no gap"
    assert grid.owners[1][0] == 1


def test_draw_lays_out_legend_axes_ticks_and_markers() -> None:
    xs = [-15.0 + i * 0.25 for i in range(61)]
    lines = draw(
        [Series("p50", "status-ok", xs, [100.0] * 61), Series("p99", "status-crit", xs, [900.0] * 61)],
        60,
        12,
        (-15.0, 0.0),
        x_label="minutes ago",
        markers=[-5.0],
    )
    text = plain(lines).splitlines()
    assert len(text) == 12 and all(len(line) <= 60 for line in text)
    assert text[0].startswith("━ p50  ━ p99") and text[0].endswith("minutes ago")
    assert text[1].startswith(" 1k┤") and text[-2].startswith("  0┤")  # the scale: 0 to 1,000 ms
    assert sum(line.startswith("500┤") for line in text) == 1
    assert "│" in text[5]  # the marker where no point is
    assert text[-1].split() == ["-15", "-12", "-9", "-6", "-3", "0"] or text[-1].split()[-1] == "0"
    plot_rows = [line[4:] for line in text[1:-1]]
    assert any(chr(BRAILLE_BLANK + 0x01) <= ch <= chr(BRAILLE_BLANK + 0xFF) for ch in plot_rows[0] + plot_rows[1])
    styles = {style for runs in lines for _, style in runs}
    assert {"$status-ok", "$status-crit", "$accent", "$text-muted"} <= styles


def test_no_points_says_so() -> None:
    assert plain(draw([Series("p50", "status-ok", [], [])], 40, 10, (0.0, 1.0), empty="no latency data yet")) == (
        "no latency data yet"
    )
    nan = float("nan")
    assert plain(draw([Series("x", "status-ok", [0.0], [nan])], 40, 10, (0.0, 1.0))) == "no data yet"


def test_building_a_wide_chart_of_three_jagged_series_is_cheap() -> None:
    """A guard on the mechanism, not a timing claim: bench/ measures; this fails only if it grows tenfold."""
    xs = [float(i) for i in range(720)]
    series = [Series(n, "status-ok", xs, [(i * 37 % 101) * 9.0 for i in range(720)]) for n in ("a", "b", "c")]
    start = time.process_time()
    draw(series, 150, 40, (0.0, 719.0))
    assert time.process_time() - start < 0.5


class ChartApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LineChart(id="chart")


async def test_the_widget_draws_and_redraws_at_a_new_size() -> None:
    app = ChartApp()
    async with app.run_test(size=(60, 14)) as pilot:
        chart = app.query_one(LineChart)
        chart.plot([Series("p95", "status-warn", [0.0, 1.0, 2.0], [1.0, 5.0, 2.0])], (0.0, 2.0))
        await pilot.pause()
        assert chart.text.splitlines()[0].startswith("━ p95")
        assert len(chart.text.splitlines()) == 14
        assert chart.render_line(0).text.startswith("━ p95")  # the strips the screen paints
        assert chart.render_line(0).cell_length == 60
        await pilot.resize_terminal(40, 8)
        await pilot.pause()
        assert len(chart.text.splitlines()) == 8 and all(len(line) <= 40 for line in chart.text.splitlines())
