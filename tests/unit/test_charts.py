"""Chart geometry: bars stay inside the plot, heights follow the values, stacks add up, axes are round numbers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import charts


def test_nice_steps_are_one_two_or_five_times_a_power_of_ten():
    assert [charts.nice_step(v) for v in (0, 3, 7, 9, 30, 95, 1200)] == [1, 1, 2, 5, 10, 50, 500]


@given(st.lists(st.tuples(st.integers(0, 500), st.integers(0, 500)), min_size=1, max_size=31), st.booleans())
def test_bars_stay_inside_the_plot_and_follow_their_values(values, stacked):
    chart = charts.column_chart([str(i) for i in range(len(values))],
                                [("a", [v[0] for v in values]), ("b", [v[1] for v in values])], stacked=stacked)
    top = float(chart.values[-1].text)
    assert top >= max((a + b if stacked else max(a, b)) for a, b in values)
    height = chart.plot_bottom - chart.plot_top
    for bar in chart.bars:
        assert chart.plot_left <= bar.x and bar.x + bar.width <= chart.plot_right + 0.05
        assert chart.plot_top - 0.05 <= bar.y and bar.y + bar.height <= chart.plot_bottom + 0.05
        assert abs(bar.height - height * bar.value / top) < 0.05
    if stacked:  # each category's bars sit one on another
        for i in range(len(values)):
            lower, upper = chart.bars[2 * i], chart.bars[2 * i + 1]
            assert abs(upper.y + upper.height - lower.y) < 0.05


def test_rows_are_one_per_label_longest_for_the_largest():
    chart = charts.row_chart([("Out of hours", 8), ("Closure", 2)], series="automatic replies")
    assert [t.text for t in chart.labels] == ["Out of hours", "Closure"]
    assert chart.bars[0].width > chart.bars[1].width > 0 and chart.bars[0].title == "Out of hours: 8"
    assert charts.row_chart([]).bars == [] and charts.column_chart([], []).bars == []
