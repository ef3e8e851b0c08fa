"""A report's table written as a file: .xlsx or .csv (formula-safe cells; the .csv in UTF-8 with
a BOM, which Excel needs to read Chinese), .png (its chart) or .html (table and chart on one
offline page)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from crm_core.foundation import charts, i18n, pages
from crm_core.foundation.errors import ValidationError
from crm_core.foundation.files import check_folder, replace_file
from crm_core.foundation.spreadsheets.writing import XLSX_ROWS, too_many_for_xlsx, write_rows
from crm_core.hooks.reports import Report, ReportTable

#: Formats that only exist as a file (`-o` required); csv and json print unless given a file.
FILE_FORMATS = ("xlsx", "png", "html")
#: The file name ending each spreadsheet format needs.
SUFFIXES = {"xlsx": ".xlsx", "csv": ".csv"}


def check_output(fmt: str, path: Path) -> None:
    """A one-line error, before any work, for a file name the format cannot be written to."""
    suffix = SUFFIXES.get(fmt)
    if suffix and path.suffix.lower() != suffix:
        raise ValidationError(
            i18n._("a {fmt} report needs a file name ending in {suffix}", fmt=fmt, suffix=suffix)
        )
    check_folder(path)


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
    check_output(fmt, path)
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
    elif fmt in SUFFIXES:
        if fmt == "xlsx" and len(table.rows) >= XLSX_ROWS:
            raise too_many_for_xlsx()
        partial = path.with_name(f"{path.name}.partial{SUFFIXES[fmt]}")
        try:
            write_rows(partial, _header(table), table.rows)
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
    else:
        raise ValidationError(f"unknown file format {fmt!r}")
