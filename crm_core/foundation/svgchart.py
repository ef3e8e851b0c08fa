"""Bar and line charts as inline SVG for HTML pages, drawn directly: a dashboard draws several,
and matplotlib takes 60-160 ms for each (docs/decisions/0009-svg-charts-for-pages.md). Text stays
text, so the browser's own fonts draw Chinese; every label is XML-escaped."""

from __future__ import annotations

import math
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

WIDTH, HEIGHT = 760, 340
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 34, 78
LEGEND_WIDTH = 130
MAX_LABELS = 24


def _nice_step(top: float, ticks: int = 5) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving about `ticks` gridlines up to `top`."""
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return float(factor * power)
    return float(10 * power)


def _number(value: float) -> str:
    if value.is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def render(
    kind: str,
    categories: Sequence[str],
    lines: Sequence[tuple[str, Sequence[float]]],
    title: str,
    x_label: str,
    y_label: str,
    colours: Sequence[str],
) -> str:
    legend = len(lines) > 1
    right = RIGHT + (LEGEND_WIDTH if legend else 0)
    plot_w = WIDTH - LEFT - right
    plot_h = HEIGHT - TOP - BOTTOM
    values = [v for _, vs in lines for v in vs]
    low = min(0.0, *values) if values else 0.0
    high = max(0.0, *values) if values else 1.0
    if high == low:
        high = low + 1
    step = _nice_step(high - low)
    if step < 1 and all(float(v).is_integer() for v in values):
        step = 1.0  # counts: no half gridlines
    bottom_value = math.floor(low / step) * step
    top_value = math.ceil(high / step) * step

    def y(value: float) -> float:
        return TOP + plot_h - (value - bottom_value) / (top_value - bottom_value) * plot_h

    count = max(1, len(categories))
    slot = plot_w / count

    def x(index: int) -> float:
        return LEFT + slot * (index + 0.5)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label={quoteattr(title)} '
        'font-family="system-ui, sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<text x="{WIDTH / 2}" y="18" text-anchor="middle" font-size="14">{escape(title)}</text>',
    ]
    tick = bottom_value
    while tick <= top_value + step / 2:
        ty = y(tick)
        out.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{ty:.1f}" y2="{ty:.1f}" '
            'stroke="#ddd" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{ty + 4:.1f}" text-anchor="end">{_number(tick)}</text>'
        )
        tick += step
    every = max(1, math.ceil(count / MAX_LABELS))
    slanted = count > 8 or any(len(c) > 8 for c in categories)
    for index in range(0, len(categories), every):
        label = escape(categories[index])
        lx, ly = x(index), TOP + plot_h + 14
        if slanted:
            out.append(
                f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="end" '
                f'transform="rotate(-40 {lx:.1f} {ly:.1f})">{label}</text>'
            )
        else:
            out.append(f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="middle">{label}</text>')
    zero = y(max(bottom_value, 0.0))
    if kind == "bar":
        width_each = slot * 0.8 / max(1, len(lines))
        for number, (name, series) in enumerate(lines):
            colour = colours[number % len(colours)]
            for index, value in enumerate(series):
                left = LEFT + slot * index + slot * 0.1 + width_each * number
                top, height = min(y(value), zero), abs(zero - y(value))
                out.append(
                    f'<rect id="bar-{number}-{index}" x="{left:.1f}" y="{top:.1f}" '
                    f'width="{width_each:.1f}" height="{height:.1f}" fill="{colour}">'
                    f"<title>{escape(name)} · {escape(categories[index])}: {_number(value)}"
                    "</title></rect>"
                )
    else:
        for number, (name, series) in enumerate(lines):
            colour = colours[number % len(colours)]
            points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(series))
            out.append(
                f'<g id="line-{number}"><polyline points="{points}" fill="none" '
                f'stroke="{colour}" stroke-width="2"/>'
            )
            if len(series) <= 40:
                for i, v in enumerate(series):
                    out.append(
                        f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}">'
                        f"<title>{escape(name)} · {escape(categories[i])}: {_number(v)}"
                        "</title></circle>"
                    )
            out.append("</g>")
    out.append(
        f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{zero:.1f}" y2="{zero:.1f}" stroke="#333"/>'
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle">'
        f"{escape(x_label)}</text>"
        f'<text x="14" y="{TOP + plot_h / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {TOP + plot_h / 2:.1f})">{escape(y_label)}</text>'
    )
    if legend:
        for number, (name, _) in enumerate(lines):
            ly = TOP + 16 * number
            lx = WIDTH - LEGEND_WIDTH + 6
            out.append(
                f'<rect x="{lx}" y="{ly}" width="10" height="10" '
                f'fill="{colours[number % len(colours)]}"/>'
                f'<text x="{lx + 16}" y="{ly + 9}">{escape(name)}</text>'
            )
    if not categories:
        out.append(f'<text x="{WIDTH / 2}" y="{TOP + plot_h / 2}" text-anchor="middle">—</text>')
    out.append("</svg>")
    return "".join(out)
