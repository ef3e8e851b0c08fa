"""Charts of report tables: PNG files drawn by matplotlib, and SVG for HTML pages drawn by
`crm_core.foundation.svgchart` (labels stay text there, so the browser's own Chinese fonts draw them, and the
page works offline). Both take the same `Chart` and the same prepared data.

matplotlib's object API is used directly (no pyplot, no global figure state). Chinese labels need
a CJK font: the first one installed on the system is used, else the one shipped by the optional
`mplfonts` distribution (`pip install crm-core[cjk-fonts]`); without either, PNG labels in
Chinese are drawn as boxes and `cjk_font()` returns None so that callers can say so.
"""

from __future__ import annotations

import importlib.util
import io
import math
import warnings
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import attrs

from crm_core.foundation import svgchart

if TYPE_CHECKING:  # matplotlib is imported when a PNG is drawn: it costs 0.4 s per command
    from matplotlib.figure import Figure

#: Columns that make a time axis: drawn as a line, in the table's order.
TIME_COLUMNS = frozenset({"day", "week", "month", "quarter", "year", "date", "period"})
MAX_CATEGORIES = 40
MAX_SERIES = 10
MAX_TICKS = 24
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "Arial Unicode MS",
)
#: The first colours of matplotlib's default cycle, named so tests can find the bars.
COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)


@attrs.frozen
class Chart:
    """How to draw a table: `x` along the axis, one bar/line per `y` column, or per value of
    `series` (then only `y[0]` is drawn)."""

    x: str
    y: tuple[str, ...]
    series: str | None = None
    kind: Literal["bar", "line"] = "bar"

    def describe(self) -> str:
        """What the chart plots, in words: "amount by month", "amount per seller by region"."""
        measures = self.y[:1] if self.series else self.y
        what = ", ".join(measures)
        if self.series:
            what += f" per {self.series}"
        return f"{what} by {self.x}"


#: Value types of a measure column (bool is an int subclass, but no measure).
NUMERIC_TYPES = frozenset({int, float, Decimal})


def _column(rows: Sequence[Sequence[Any]], i: int) -> list[Any]:
    """One column's values; `map` with `itemgetter` keeps a 100,000-row table's pass in C."""
    return list(map(itemgetter(i), rows))


def infer(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Chart | None:
    """A sensible chart for a table: the first text column as the axis, the second (if it has
    few values) as series, and as the measure the money where the table has any, else the first
    numeric column. Money is a column of exact decimals (counts are integers; a `_pct` column is
    a ratio): `amount` when there is one; else the parts beside a `total` (ageing buckets); else
    the first. None when nothing fits."""
    numeric, money = [], []
    for i in range(len(columns)):
        kinds = set(map(type, _column(rows, i)))
        kinds.discard(type(None))
        if kinds and kinds <= NUMERIC_TYPES:
            numeric.append(i)
            if kinds == {Decimal} and not columns[i].endswith("_pct"):
                money.append(columns[i])
    text = [i for i in range(len(columns)) if i not in numeric]
    if not numeric or not text:
        return None
    x = columns[text[0]]
    series = None
    if len(text) > 1 and len(set(_column(rows, text[1]))) <= MAX_SERIES:
        series = columns[text[1]]
    kind: Literal["bar", "line"] = "line" if x in TIME_COLUMNS else "bar"
    y: tuple[str, ...] = (columns[numeric[0]],)
    if "amount" in money:
        y = ("amount",)
    elif "total" in money and len(money) > 1 and series is None:
        y = tuple(name for name in money if name != "total")[:MAX_SERIES]
    elif money:
        y = (money[0],)
    return Chart(x, y, series, kind)


@attrs.frozen
class _Plot:
    categories: list[str]
    lines: list[tuple[str, list[float]]]  # label, one value per category
    truncated_from: int | None


def _label(value: Any) -> str:
    return "—" if value is None else str(value)


def _prepare(chart: Chart, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> _Plot:
    index = {c: i for i, c in enumerate(columns)}
    missing = [c for c in (chart.x, *chart.y, chart.series) if c and c not in index]
    if missing:
        raise ValueError(f"chart names column(s) not in the table: {', '.join(missing)}")
    xs = _column(rows, index[chart.x])
    label_of = {value: _label(value) for value in dict.fromkeys(xs)}  # table order, once each
    categories = list(dict.fromkeys(label_of.values()))
    if chart.kind == "line":
        categories = _continuous(categories)
    truncated_from = None
    if chart.kind == "bar" and len(categories) > MAX_CATEGORIES:
        truncated_from = len(categories)
        categories = categories[:MAX_CATEGORIES]
    position = {c: i for i, c in enumerate(categories)}
    # Each row's place on the axis (None: beyond the categories drawn).
    places = [position.get(label_of[x]) for x in xs]
    values: dict[str, list[float]] = {}
    if chart.series:
        measures = _column(rows, index[chart.y[0]])
        series = _column(rows, index[chart.series])
        names = {value: _label(value) for value in set(series)}
        for at, value, name in zip(places, measures, series, strict=True):
            if at is None:
                continue
            line = values.setdefault(names[name], [0.0] * len(categories))
            line[at] += float(value or 0)
        if len(values) > MAX_SERIES:  # keep the biggest, fold the rest into one
            ranked = sorted(values, key=lambda k: -sum(values[k]))
            folded = [values[k] for k in ranked[MAX_SERIES - 1 :]]
            other = [sum(vs) for vs in zip(*folded, strict=True)]
            values = {k: values[k] for k in ranked[: MAX_SERIES - 1]}
            values["…"] = other
    else:
        for name in chart.y:
            line = [0.0] * len(categories)
            for at, value in zip(places, _column(rows, index[name]), strict=True):
                if at is not None:
                    line[at] += float(value or 0)
            values[name] = line
    return _Plot(categories, list(values.items()), truncated_from)


def _continuous(categories: list[str]) -> list[str]:
    """Days (YYYY-MM-DD) or months (YYYY-MM) with the missing ones put back, so that a time axis
    is to scale; anything else as it is."""
    if not categories:
        return categories
    try:
        if all(len(c) == 10 for c in categories):
            days = sorted(date.fromisoformat(c) for c in categories)
            span = (days[-1] - days[0]).days
            if span > 4 * 366:
                return categories
            return [(days[0] + timedelta(days=n)).isoformat() for n in range(span + 1)]
        if all(len(c) == 7 for c in categories):
            months = sorted(date.fromisoformat(c + "-01") for c in categories)
            first, last = months[0], months[-1]
            count = (last.year - first.year) * 12 + last.month - first.month + 1
            return [
                f"{first.year + (first.month - 1 + n) // 12:04d}-{(first.month - 1 + n) % 12 + 1:02d}"
                for n in range(count)
            ]
    except ValueError:
        pass
    return categories


@cache
def cjk_font() -> str | None:
    """The family used for Chinese labels, or None when no CJK font can be found."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    spec = importlib.util.find_spec("mplfonts")
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            path = Path(folder) / "fonts" / "NotoSansCJKsc-Regular.otf"
            if path.exists():
                font_manager.fontManager.addfont(str(path))
                return font_manager.FontProperties(fname=str(path)).get_name()
    return None


def _style() -> dict[str, Any]:
    family = cjk_font()
    return {
        "font.family": ["DejaVu Sans", family] if family else ["DejaVu Sans"],
        "axes.unicode_minus": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


def _draw(chart: Chart, plot: _Plot, title: str) -> Figure:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    width = min(16.0, max(6.4, 0.45 * min(len(plot.categories), MAX_TICKS) + 2))
    figure = Figure(figsize=(width, 4.2), dpi=100, layout="constrained")
    axes = figure.add_subplot()
    positions = list(range(len(plot.categories)))
    if chart.kind == "line":
        for number, (name, values) in enumerate(plot.lines):
            (line,) = axes.plot(
                positions,
                values,
                marker="o" if len(positions) <= 40 else None,
                color=COLOURS[number % len(COLOURS)],
                label=name,
            )
            line.set_gid(f"line-{number}")
    else:
        count = max(1, len(plot.lines))
        width_each = 0.8 / count
        for number, (name, values) in enumerate(plot.lines):
            offset = (number - (count - 1) / 2) * width_each
            bars = axes.bar(
                [p + offset for p in positions],
                values,
                width=width_each,
                color=COLOURS[number % len(COLOURS)],
                label=name,
            )
            for at, bar in enumerate(bars):
                bar.set_gid(f"bar-{number}-{at}")
    step = max(1, math.ceil(len(positions) / MAX_TICKS))  # a label every `step` points
    axes.set_xticks(positions[::step], plot.categories[::step])
    if all(float(v).is_integer() for _, values in plot.lines for v in values):
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    if len(plot.categories) > 8 or max((len(c) for c in plot.categories), default=0) > 8:
        for tick in axes.get_xticklabels():
            tick.set_rotation(45)
            tick.set_horizontalalignment("right")
    if plot.truncated_from:
        title = f"{title} ({len(plot.categories)} / {plot.truncated_from})"
    axes.set_title(title)
    axes.set_xlabel(chart.x)
    axes.set_ylabel(chart.y[0] if len(chart.y) == 1 or chart.series else "")
    axes.grid(axis="y", alpha=0.3)
    if len(plot.lines) > 1:
        axes.legend(fontsize="small", frameon=False)
    if not plot.categories:
        axes.text(0.5, 0.5, "—", ha="center", va="center", transform=axes.transAxes)
    return figure


def _render(
    chart: Chart, columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str, fmt: str
) -> bytes:
    from matplotlib import rc_context

    plot = _prepare(chart, columns, rows)
    buffer = io.BytesIO()
    with rc_context(_style()), warnings.catch_warnings():  # type: ignore[arg-type]
        warnings.filterwarnings("ignore", message="Glyph .* missing from")
        figure = _draw(chart, plot, title)
        figure.savefig(buffer, format=fmt, metadata={"Software": "crm-core"})
    return buffer.getvalue()


def captioned(title: str, chart: Chart) -> str:
    """A chart's title with what it plots: "Sales by month · amount by month"."""
    return f"{title} · {chart.describe()}"


def png(chart: Chart, columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str) -> bytes:
    return _render(chart, columns, rows, captioned(title, chart), "png")


def svg(chart: Chart, columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str) -> str:
    """The chart as an `<svg>` element to inline in an HTML page (drawn by crm_core.foundation.svgchart)."""
    plot = _prepare(chart, columns, rows)
    title = captioned(title, chart)
    if plot.truncated_from:
        title = f"{title} ({len(plot.categories)} / {plot.truncated_from})"
    y_label = chart.y[0] if len(chart.y) == 1 or chart.series else ""
    return svgchart.render(
        chart.kind, plot.categories, plot.lines, title, chart.x, y_label, COLOURS
    )
