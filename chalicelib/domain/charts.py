"""Bar charts as geometry: where each bar, label and grid line goes in an SVG. Pure.

The dashboard draws its charts on the server, as SVG written by a template from these numbers: no
chart script runs in the browser, and nothing needs an inline style (colours come from ``static/css/staff.css``
classes, positions are SVG attributes), so the strict Content-Security-Policy holds. A charting
library was considered (pygal writes a ``<style>`` element and script tags into its SVG, which the
CSP refuses and which would have to be stripped); two kinds of bar chart are a few dozen lines here.

Every chart is also given to people as a table (the template puts it next to the chart), so the SVG
is a picture of the table, not the only way to read the numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

WIDTH = 640
HEIGHT = 240
LEFT = 40  # room for the value axis labels
BOTTOM = 28  # room for the category labels
TOP = 8
ROW_HEIGHT = 28
ROW_LABEL_WIDTH = 200


class Bar(NamedTuple):
    """One bar: its rectangle, its value and which series it belongs to (the CSS class picks its colour)."""

    x: float
    y: float
    width: float
    height: float
    value: float
    series: int
    title: str


class Tick(NamedTuple):
    """A label on an axis, at ``at`` (x for categories, y for values)."""

    at: float
    text: str


class ColumnChart(NamedTuple):
    """Vertical bars per category, one per series side by side (or stacked)."""

    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    bars: list[Bar]
    categories: list[Tick]
    values: list[Tick]
    series: list[str]


class RowChart(NamedTuple):
    """Horizontal bars, one per labelled row (auto-replies by kind, replies by clinician)."""

    width: int
    height: int
    label_width: int
    bars: list[Bar]
    labels: list[Tick]
    series: list[str]


def nice_step(top: float, ticks: int = 4) -> float:
    """A round step (1, 2 or 5 times a power of ten, at least 1: these charts count things) for ``top``."""
    if top <= ticks:
        return 1.0
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    return float(next(m * power for m in (1, 2, 5, 10) if m * power >= raw))


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _axis_top(highest: float) -> tuple[float, float]:
    step = nice_step(highest)
    return step * max(1, math.ceil(highest / step)), step


def column_chart(categories: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *, stacked: bool = False,
                 label_every: int = 1, unit: str = "") -> ColumnChart:
    """Bars for each category (side by side, or stacked), on a value axis starting at zero."""
    count = max(1, len(categories))
    totals = [sum(values[i] for _, values in series) if stacked else max((v[i] for _, v in series), default=0)
              for i in range(len(categories))]
    top, step = _axis_top(max(totals, default=0))
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    slot = plot_w / count
    lanes = 1 if stacked else max(1, len(series))
    bar_w = slot * 0.8 / lanes
    bars: list[Bar] = []
    for i, category in enumerate(categories):
        base = 0.0
        for s, (name, values) in enumerate(series):
            value = float(values[i])
            height = plot_h * value / top
            x = LEFT + slot * i + slot * 0.1 + (0 if stacked else s * bar_w)
            y = TOP + plot_h - height - (plot_h * base / top if stacked else 0)
            bars.append(Bar(round(x, 2), round(y, 2), round(bar_w, 2), round(height, 2), value, s,
                            f"{category}: {_number(value)}{unit} {name}".strip()))
            base += value if stacked else 0
    labels = [Tick(round(LEFT + slot * (i + 0.5), 2), text) for i, text in enumerate(categories)
              if i % max(1, label_every) == 0]
    values_axis = [Tick(round(TOP + plot_h - plot_h * (n * step) / top, 2), _number(n * step))
                   for n in range(int(round(top / step)) + 1)]
    return ColumnChart(WIDTH, HEIGHT, LEFT, WIDTH - 8, TOP, TOP + int(plot_h), bars, labels, values_axis,
                       [name for name, _ in series])


def row_chart(rows: Sequence[tuple[str, float]], *, series: str = "", unit: str = "") -> RowChart:
    """One horizontal bar per row, longest for the largest value."""
    top, _ = _axis_top(max((value for _, value in rows), default=0))
    plot_w = WIDTH - ROW_LABEL_WIDTH - 48  # room after the bar for its value
    bars = [Bar(ROW_LABEL_WIDTH, i * ROW_HEIGHT + 4, round(plot_w * value / top, 2), ROW_HEIGHT - 8, float(value), 0,
                f"{label}: {_number(value)}{unit}") for i, (label, value) in enumerate(rows)]
    labels = [Tick(i * ROW_HEIGHT + ROW_HEIGHT / 2, label) for i, (label, _) in enumerate(rows)]
    return RowChart(WIDTH, max(ROW_HEIGHT, ROW_HEIGHT * len(rows)), ROW_LABEL_WIDTH, bars, labels, [series])
