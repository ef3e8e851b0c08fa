"""A report as the core and plugins declare it (`crm_register_reports`): name, titles,
parameters, the function that computes its table in SQL, its chart and its dashboards."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import attrs

from crm_core.foundation import i18n
from crm_core.foundation.charts import Chart, infer
from crm_core.foundation.errors import ValidationError
from crm_core.hooks.registry import Collection

if TYPE_CHECKING:
    from crm_core.hooks.context import Context


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{text!r} is not a date (YYYY-MM-DD)") from None


@attrs.frozen
class ReportParam:
    name: str
    help: str
    parse: Callable[[str], Any] = str
    default: Any = None
    choices: tuple[str, ...] = ()
    #: The value may name several choices, comma-separated ("month,salesperson,industry").
    combine: bool = False


@attrs.frozen
class ReportTable:
    columns: tuple[str, ...]
    rows: Sequence[Sequence[Any]]
    #: Rows beyond these exist: the run asked for the first rows only (`run_alone(first=N)`).
    more: bool = False

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


@attrs.frozen
class Report:
    """A named report. `run(ctx, params)` returns a ReportTable computed with SQL aggregation."""

    name: str
    title: str
    run: Callable[[Context, Mapping[str, Any]], ReportTable]
    params: tuple[ReportParam, ...] = ()
    title_zh: str = ""
    #: How to draw it: a Chart, "auto" (inferred from the columns) or None (no chart).
    chart: Chart | Literal["auto"] | None = "auto"
    #: With "auto": the measure columns to draw (e.g. ("amount", "weighted")), the axis inferred;
    #: empty, the money columns (`charts.infer`).
    plots: tuple[str, ...] = ()
    #: What the report counts and how (definitions a reader needs), shown by `crm report show`.
    about: str = ""
    about_zh: str = ""
    #: Roles ("admin", "manager", "sales") whose `crm dashboard` page shows this report.
    dashboard: tuple[str, ...] = ()
    #: Raw parameters for the dashboard, from the day the page is drawn.
    dashboard_params: Callable[[date], Mapping[str, str]] | None = None
    #: Parameters that replace some of those on the page of a reader whose people are more than
    #: a tile lists and belong to several teams (a manager of managers): `{"by": "team"}`.
    dashboard_team_params: Mapping[str, str] = attrs.field(factory=dict)

    def label(self) -> str:
        return self.title_zh if i18n.language() == "zh" and self.title_zh else self.title

    def description(self) -> str:
        return self.about_zh if i18n.language() == "zh" and self.about_zh else self.about

    def chart_for(self, table: ReportTable) -> Chart | None:
        if self.chart != "auto":
            return self.chart
        chart = infer(table.columns, table.rows)
        wanted = tuple(name for name in self.plots if name in table.columns)
        if chart is not None and wanted:
            chart = attrs.evolve(chart, y=wanted, series=None)
        return chart


REPORTS: Collection[Report] = Collection("crm_register_reports", "report", lambda r: r.name)
