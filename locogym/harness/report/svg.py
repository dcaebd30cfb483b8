"""Small inline SVG charts for the HTML report, drawn here so the page needs no library and no network.

Each function returns one ``<svg>`` element as a string. Colours come from CSS classes (``s0``…``s9``) so the
page's stylesheet owns the palette; every mark has a ``<title>`` so hovering shows the exact number.
"""

from __future__ import annotations

import math
from html import escape

from locogym.core.tokens import format_length
from locogym.harness.report.summary import fmt_interval
from locogym.scoring.aggregate import Interval

PALETTE_SIZE = 10


def series_class(index: int) -> str:
    return f"s{index % PALETTE_SIZE}"


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def line_chart(series: dict[str, list[tuple[int, Interval]]], colours: dict[str, int], lengths: list[int],
               title: str, width: int = 420, height: int = 250) -> str:
    """Score (0–1) against context length (log scale), one line with a 95% band per agent."""
    left, right, top, bottom = 40, 16, 30, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    xs = sorted(set(lengths)) or [1]
    lo, hi = math.log2(xs[0]), math.log2(xs[-1])

    def x_of(length: int) -> float:
        if hi == lo:
            return left + plot_w / 2
        return left + (math.log2(length) - lo) / (hi - lo) * plot_w

    def y_of(score: float, nudge: float = 0.0) -> float:
        return top + (1 - max(0.0, min(1.0, score))) * plot_h + nudge

    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
           f'aria-label="{escape(title)}">', f'<text class="chart-title" x="{left}" y="18">{escape(title)}</text>']
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        y = y_of(tick)
        out.append(f'<line class="grid" x1="{left}" x2="{left + plot_w}" y1="{_fmt(y)}" y2="{_fmt(y)}"/>'
                   f'<text class="tick" x="{left - 6}" y="{_fmt(y + 4)}" text-anchor="end">{tick:g}</text>')
    for length in xs:
        x = x_of(length)
        out.append(f'<line class="axis" x1="{_fmt(x)}" x2="{_fmt(x)}" y1="{top + plot_h}" y2="{top + plot_h + 4}"/>'
                   f'<text class="tick" x="{_fmt(x)}" y="{top + plot_h + 17}" text-anchor="middle">'
                   f'{format_length(length)}</text>')
    out.append(f'<text class="axis-label" x="{left + plot_w / 2:.0f}" y="{height - 2}" text-anchor="middle">'
               'context length (tokens)</text>')
    drawn = [agent for agent, points in series.items() if points]
    for order, agent in enumerate(drawn):
        points = series[agent]
        # lines on the same value would hide each other: nudge each by a pixel or two, never more than 3
        nudge = 0.0 if len(drawn) < 2 else (order - (len(drawn) - 1) / 2) * min(1.5, 6 / len(drawn))
        cls = series_class(colours[agent])
        band = [(x_of(n), y_of(iv.high)) for n, iv in points] + [(x_of(n), y_of(iv.low)) for n, iv in reversed(points)]
        if len(points) > 1:
            out.append(f'<polygon class="band {cls}" points="{" ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in band)}"/>')
        path = " ".join(f"{'M' if i == 0 else 'L'}{_fmt(x_of(n))},{_fmt(y_of(iv.mean, nudge))}"
                        for i, (n, iv) in enumerate(points))
        out.append(f'<path class="line {cls}" d="{path}"><title>{escape(agent)}</title></path>')
        for n, iv in points:
            out.append(f'<circle class="dot {cls}" cx="{_fmt(x_of(n))}" cy="{_fmt(y_of(iv.mean, nudge))}" r="3.5">'
                       f'<title>{escape(agent)} @ {format_length(n)}: {fmt_interval(iv)} (n={iv.n})</title></circle>')
    out.append("</svg>")
    return "".join(out)


def interval_bar(iv: Interval, cls: str, width: int = 180, height: int = 18) -> str:
    """A bar for the mean (0–1) with a whisker for its 95% interval, sized for a table cell."""
    def x_of(value: float) -> float:
        return 2 + max(0.0, min(1.0, value)) * (width - 4)

    mid = height / 2
    return (f'<svg class="ibar" viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
            f'<rect class="track" x="2" y="3" width="{width - 4}" height="{height - 6}" rx="3"/>'
            f'<rect class="fill {cls}" x="2" y="3" width="{_fmt(x_of(iv.mean) - 2)}" height="{height - 6}" rx="3"/>'
            f'<line class="whisker" x1="{_fmt(x_of(iv.low))}" x2="{_fmt(x_of(iv.high))}" y1="{mid}" y2="{mid}"/>'
            f'<line class="whisker" x1="{_fmt(x_of(iv.low))}" x2="{_fmt(x_of(iv.low))}" y1="{mid - 4}" y2="{mid + 4}"/>'
            f'<line class="whisker" x1="{_fmt(x_of(iv.high))}" x2="{_fmt(x_of(iv.high))}" '
            f'y1="{mid - 4}" y2="{mid + 4}"/>'
            f'<title>{fmt_interval(iv, 3)} (n={iv.n})</title></svg>')


def hbar_chart(rows: list[tuple[str, float | None, str]], colours: dict[str, int], title: str,
               maximum: float | None = None, note: str = "", width: int = 420, row_h: int = 24,
               log2: bool = False, tick_fmt: str = "number") -> str:
    """Horizontal bars, one per agent: ``rows`` are (agent, value or None, label shown at the bar's end)."""
    left, right, top = 110, 150, 30
    height = top + row_h * max(1, len(rows)) + (22 if note else 8)
    values = [v for _, v, _ in rows if v is not None and v > 0]
    top_value = maximum if maximum is not None else (max(values) if values else 1.0)
    plot_w = width - left - right
    low = math.log2(min(values)) - 1 if log2 and values else 0.0

    def w_of(value: float) -> float:
        if top_value <= 0:
            return 0.0
        if log2:
            span = math.log2(top_value) - low
            return max(2.0, (math.log2(value) - low) / span * plot_w) if span > 0 else plot_w
        return max(0.0, min(1.0, value / top_value)) * plot_w

    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
           f'aria-label="{escape(title)}">', f'<text class="chart-title" x="8" y="18">{escape(title)}</text>']
    for i, (agent, value, label) in enumerate(rows):
        y = top + i * row_h
        cls = series_class(colours[agent])
        out.append(f'<text class="bar-label" x="{left - 8}" y="{y + row_h / 2 + 4:.0f}" text-anchor="end">'
                   f'{escape(agent[:16])}</text>')
        if value is None:
            out.append(f'<text class="na" x="{left + 4}" y="{y + row_h / 2 + 4:.0f}">{escape(label or "n/a")}</text>')
            continue
        bar_w = w_of(value) if value > 0 else 0.0
        out.append(f'<rect class="bar {cls}" x="{left}" y="{y + 4}" width="{_fmt(bar_w)}" height="{row_h - 8}" rx="3">'
                   f'<title>{escape(agent)}: {escape(label)}</title></rect>'
                   f'<text class="bar-value" x="{_fmt(left + bar_w + 6)}" y="{y + row_h / 2 + 4:.0f}">'
                   f'{escape(label)}</text>')
    if note:
        out.append(f'<text class="note" x="8" y="{height - 6}">{escape(note)}</text>')
    out.append("</svg>")
    return "".join(out)
