"""Charts drawn on the server as SVG (no script, no library): bars for a few series over months,
lines for many weeks. Each chart is an <svg role="img"> with a <title> and a <desc>; the page puts
the same numbers in a table beside it. The drawing scales with its box (viewBox), so one chart
serves a phone and a desktop; colours come from CSS classes (static/css/insights.css)."""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

# A small box, so the 13-unit labels stay legible when a phone draws it 330 pixels wide.
WIDTH, HEIGHT = 480, 260
LEFT, RIGHT, TOP, BOTTOM = 52, 8, 12, 30
GRID_LINES = 4


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int | Decimal]
    css_class: str  # series-1 … series-4


NICE_STEPS = (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)


def nice_ceiling(value: float, *, whole: bool = False) -> float:
    """The top of an axis of GRID_LINES equal steps that reaches `value`: each step 1, 1.5, 2,
    2.5, 3, 4, 5, 6 or 8 × 10ⁿ, and a whole number when the values are counts (`whole`)."""
    if value <= 0:
        return GRID_LINES if whole else 1
    wanted = value / GRID_LINES
    power = 10 ** math.floor(math.log10(wanted))
    step = next(step * power for step in NICE_STEPS if step * power >= wanted)
    if whole:
        step = max(1, math.ceil(step))
    return step * GRID_LINES


def _scale(series: Sequence[Series]) -> tuple[float, float]:
    """The axis's bottom and top: zero, or below it when a value is negative (a month's net)."""
    values = [float(value) for one in series for value in one.values] or [0]
    whole = all(isinstance(value, int) for one in series for value in one.values)
    top = nice_ceiling(max(max(values), 0), whole=whole)
    bottom = -nice_ceiling(-min(values), whole=whole) if min(values) < 0 else 0
    return bottom, top


def _number(value: float) -> str:
    """Whole from 10 up; below, as many decimals as it has, up to two (an axis of 0.25 steps)."""
    if abs(value) >= 10 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _frame(*, title: str, description: str, bottom: float, top: float, labels: Sequence[str],
           x_of: Callable[[int], float], label_every: int, body: SafeString) -> SafeString:
    plot_height = HEIGHT - TOP - BOTTOM

    def y_of(value: float) -> float:
        return TOP + plot_height * (top - value) / (top - bottom)

    grid = []
    for line in range(GRID_LINES + 1):
        value = bottom + (top - bottom) * line / GRID_LINES
        y = y_of(value)
        grid.append(format_html('<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                                '<text class="axis" x="{}" y="{}" text-anchor="end">{}</text>',
                                LEFT, WIDTH - RIGHT, f"{y:.1f}", f"{y:.1f}", LEFT - 6, f"{y + 4:.1f}", _number(value)))
    ticks = [format_html('<text class="axis" x="{}" y="{}" text-anchor="middle">{}</text>',
                         f"{x_of(index):.1f}", HEIGHT - 8, label)
             for index, label in enumerate(labels) if index % label_every == 0]
    zero = format_html('<line class="zero" x1="{}" x2="{}" y1="{}" y2="{}"/>', LEFT, WIDTH - RIGHT,
                       f"{y_of(0):.1f}", f"{y_of(0):.1f}")
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{}-title {}-desc" '
        'preserveAspectRatio="xMidYMid meet"><title id="{}-title">{}</title><desc id="{}-desc">{}</desc>'
        '{}{}{}{}</svg>',
        WIDTH, HEIGHT, _slug(title), _slug(title), _slug(title), title, _slug(title), description,
        mark_safe("".join(grid)), zero, body, mark_safe("".join(ticks)),
    )


def _slug(title: str) -> str:
    return "chart-" + "".join(ch if ch.isalnum() else "-" for ch in title.lower())[:40]


def _legend(series: Sequence[Series]) -> SafeString:
    return format_html('<ul class="chart-legend">{}</ul>', format_html_join(
        "", '<li><span class="swatch {}" aria-hidden="true"></span>{}</li>',
        ((one.css_class, one.name) for one in series)))


def bar_chart(*, title: str, description: str, labels: Sequence[str], series: Sequence[Series],
              label_every: int = 1) -> SafeString:
    """Grouped bars: one group per label, one bar per series (negative values hang below zero)."""
    bottom, top = _scale(series)
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group = plot_width / max(len(labels), 1)
    bar = group * 0.8 / max(len(series), 1)

    def y_of(value: float) -> float:
        return TOP + plot_height * (top - value) / (top - bottom)

    bars = []
    for number, one in enumerate(series):
        for index, value in enumerate(one.values):
            value = float(value)
            y_top, y_bottom = sorted((y_of(value), y_of(0)))
            bars.append(format_html(
                '<rect class="{}" x="{}" y="{}" width="{}" height="{}"><title>{}: {}</title></rect>',
                one.css_class, f"{LEFT + group * index + group * 0.1 + bar * number:.1f}", f"{y_top:.1f}",
                f"{bar:.1f}", f"{max(y_bottom - y_top, 0):.1f}", labels[index], f"{one.name} {_number(value)}"))
    svg = _frame(title=title, description=description, bottom=bottom, top=top, labels=labels,
                 x_of=lambda index: LEFT + group * index + group / 2, label_every=label_every,
                 body=mark_safe("".join(bars)))
    return format_html('<figure class="chart-figure">{}{}</figure>', svg, _legend(series))


def line_chart(*, title: str, description: str, labels: Sequence[str], series: Sequence[Series],
               label_every: int = 4) -> SafeString:
    """One line per series over many points (weeks)."""
    bottom, top = _scale(series)
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_width / max(len(labels) - 1, 1)

    def x_of(index: int) -> float:
        return LEFT + step * index

    def y_of(value: float) -> float:
        return TOP + plot_height * (top - value) / (top - bottom)

    def points(values) -> str:
        return " ".join(f"{x_of(index):.1f},{y_of(float(value)):.1f}" for index, value in enumerate(values))

    lines = [format_html('<polyline class="line {}" points="{}"/>', one.css_class, points(one.values))
             for one in series]
    svg = _frame(title=title, description=description, bottom=bottom, top=top, labels=labels, x_of=x_of,
                 label_every=label_every, body=mark_safe("".join(lines)))
    return format_html('<figure class="chart-figure">{}{}</figure>', svg, _legend(series))
