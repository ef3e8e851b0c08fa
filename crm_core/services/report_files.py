"""A report's table written as a file: .xlsx (formula-safe cells), .png (its chart) or .html
(table and chart on one offline page)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from crm_core import charts, i18n, pages
from crm_core.errors import ValidationError
from crm_core.files import replace_file
from crm_core.services.reports import Report, ReportTable
from crm_core.spreadsheets.writing import write_rows

FILE_FORMATS = ("xlsx", "png", "html")


def _header(table: ReportTable) -> list[str]:
    return [i18n._(column) for column in table.columns]


def chart_svg(report: Report, table: ReportTable) -> str | None:
    chart = report.chart_for(table)
    if chart is None:
        return None
    return charts.svg(chart, table.columns, table.rows, report.label())


def html(report: Report, table: ReportTable, params: Mapping[str, Any], actor: str) -> str:
    return pages.render(
        "report.html",
        page_title=report.label(),
        title=report.label(),
        name=report.name,
        params=params,
        actor=actor,
        chart=chart_svg(report, table),
        columns=list(table.columns),
        rows=table.rows,
    )


def write(
    report: Report,
    table: ReportTable,
    params: Mapping[str, Any],
    actor: str,
    fmt: str,
    path: Path,
) -> None:
    """Write the report as `fmt` to `path` (replaced whole, never half-written)."""
    if fmt == "png":
        chart = report.chart_for(table)
        if chart is None:
            raise ValidationError(
                i18n._("report {name} has nothing to chart: use another format", name=report.name)
            )
        data = charts.png(chart, table.columns, table.rows, report.label())
        replace_file(path, data)
    elif fmt == "html":
        replace_file(path, html(report, table, params, actor))
    elif fmt == "xlsx":
        if path.suffix.lower() != ".xlsx":
            raise ValidationError(i18n._("an .xlsx report needs a file name ending in .xlsx"))
        partial = path.with_name(path.name + ".partial.xlsx")
        try:
            write_rows(partial, _header(table), table.rows)
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
    else:
        raise ValidationError(f"unknown file format {fmt!r}")
