"""Reports and reminders through the API: every figure is aggregated in SQL over the rows the
acting user may see."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import attrs

from crm_core.features import reminders
from crm_core.features.reports import engine as reports
from crm_core.features.reports import files as report_files
from crm_core.foundation.errors import ValidationError
from crm_core.hooks.context import Context
from crm_core.hooks.reports import ReportTable


@attrs.frozen
class ReportParamInfo:
    name: str
    help: str
    default: Any
    choices: tuple[str, ...]


@attrs.frozen
class ReportInfo:
    """A report the deployment offers (the core's and every enabled plugin's)."""

    name: str
    title: str
    params: tuple[ReportParamInfo, ...]


def _raw(params: Mapping[str, object]) -> dict[str, str]:
    """Parameters as the report parses them: dates as ISO text, everything else as str."""
    return {
        key: value.isoformat() if isinstance(value, date) else str(value)
        for key, value in params.items()
        if value is not None
    }


class Reports:
    """`desk.reports`: list, run and write reports; the day's reminders."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def available(self) -> list[ReportInfo]:
        return [
            ReportInfo(
                report.name,
                report.label(),
                tuple(ReportParamInfo(p.name, p.help, p.default, p.choices) for p in report.params),
            )
            for report in sorted(reports.registry(self._ctx).values(), key=lambda r: r.name)
        ]

    def run(self, name: str, *, first_rows: int | None = None, **params: object) -> ReportTable:
        """Run a report, e.g. `run("funnel", since=date(2026, 1, 1), by="team")`. With
        `first_rows=N`, its first N rows only (what a screen shows), read alone where the report
        can; `table.more` says whether there are others."""
        return reports.run(self._ctx, name, _raw(params), first=first_rows)

    def write(self, name: str, path: Path, fmt: str = "xlsx", **params: object) -> ReportTable:
        """Run a report and write it to `path` as xlsx, html (a self-contained page) or png
        (its chart); the file is replaced whole, never half-written."""
        if fmt not in report_files.FILE_FORMATS:
            raise ValidationError(
                f"format must be one of {', '.join(report_files.FILE_FORMATS)}, not {fmt!r}"
            )
        report = reports.lookup(self._ctx, name)
        resolved = reports.resolve_params(report, _raw(params))
        table = report.run(self._ctx, resolved)
        report_files.write(report, table, resolved, self._ctx.actor.login, fmt, path)
        return table

    def reminders(self, on: date | None = None, user: str | None = None) -> list[dict[str, Any]]:
        """What is due for `user` (default: you; a manager may name their people) on a day."""
        return reminders.collect(self._ctx, on or self._ctx.today(), user)
