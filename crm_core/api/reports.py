"""Reports and reminders through the API: every figure is aggregated in SQL over the rows the
acting user may see."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from itertools import chain
from pathlib import Path
from typing import Any

import attrs

from crm_core.api.serializers import json_chunks
from crm_core.features import reminders
from crm_core.features.reports import engine as reports
from crm_core.features.reports import files as report_files
from crm_core.foundation.errors import ValidationError
from crm_core.foundation.files import replace_file
from crm_core.hooks.context import Context
from crm_core.hooks.reminders import Digest
from crm_core.hooks.reports import ReportTable

#: Items of each kind a short list of reminders holds.
REMINDER_LIMIT = reminders.FIRST_ITEMS
#: The file formats `Reports.write` writes.
WRITE_FORMATS = ("csv", "json", *report_files.FILE_FORMATS)
#: The columns of a reminder row, in order.
REMINDER_COLUMNS = reminders.COLUMNS


@attrs.frozen
class ReportParamInfo:
    name: str
    help: str
    default: Any
    choices: tuple[str, ...]


@attrs.frozen
class ReportEntry:
    """A report in the list (`crm report list`)."""

    name: str
    title: str
    params: tuple[str, ...]
    dashboard: tuple[str, ...]


@attrs.frozen
class ReportInfo:
    """A report the deployment offers (the core's and every enabled plugin's)."""

    name: str
    title: str
    params: tuple[ReportParamInfo, ...]
    #: What the report counts and how, in the user's language ("" when it says nothing more).
    about: str = ""
    #: The columns its chart draws, when the report names them (else the money columns).
    plots: tuple[str, ...] = ()


@attrs.frozen
class DashboardTile:
    """One report on a person's dashboard: its first rows and its chart (SVG, or None)."""

    name: str
    title: str
    params: dict[str, str]
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    total_rows: int
    chart: str | None


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

    def catalogue(self) -> tuple[ReportEntry, ...]:
        """Every report by name, with its parameters' names and the dashboards it is on."""
        return tuple(
            ReportEntry(r.name, r.label(), tuple(p.name for p in r.params), tuple(r.dashboard))
            for r in sorted(reports.registry(self._ctx).values(), key=lambda r: r.name)
        )

    def title(self, name: str) -> str:
        """A report's title in the acting user's language."""
        return reports.lookup(self._ctx, name).label()

    def available(self) -> list[ReportInfo]:
        return [
            self._info(report)
            for report in sorted(reports.registry(self._ctx).values(), key=lambda r: r.name)
        ]

    def describe(self, name: str) -> ReportInfo:
        """One report: title, what it counts (its definitions), parameters, what it plots."""
        return self._info(reports.lookup(self._ctx, name))

    @staticmethod
    def _info(report: Any) -> ReportInfo:
        return ReportInfo(
            report.name,
            report.label(),
            tuple(ReportParamInfo(p.name, p.help, p.default, p.choices) for p in report.params),
            report.description(),
            tuple(report.plots),
        )

    def run(self, name: str, /, *, first_rows: int | None = None, **params: object) -> ReportTable:
        """Run a report, e.g. `run("funnel", since=date(2026, 1, 1), by="team")`. With
        `first_rows=N`, its first N rows only (what a screen shows), read alone where the report
        can; `table.more` says whether there are others."""
        return reports.run(self._ctx, name, _raw(params), first=first_rows)

    def write(self, name: str, path: Path, fmt: str = "xlsx", /, **params: object) -> ReportTable:
        """Run a report and write it to `path` as xlsx, csv (UTF-8 with a BOM, for Excel), json,
        html (a self-contained page) or png (its chart); the file is replaced whole, never
        half-written. The file name is checked before the report runs."""
        if fmt not in WRITE_FORMATS:
            raise ValidationError(f"format must be one of {', '.join(WRITE_FORMATS)}, not {fmt!r}")
        report_files.check_output(fmt, path)
        report = reports.lookup(self._ctx, name)
        resolved = reports.resolve_params(report, _raw(params))
        table = reports.run_alone(self._ctx, report, resolved)
        if fmt == "json":
            replace_file(path, chain(json_chunks(list(table.columns), table.rows), ["\n"]))
        else:
            report_files.write(report, table, resolved, self._ctx.actor.login, fmt, path)
        return table

    def chart(self, name: str, table: ReportTable) -> str | None:
        """The report's chart of `table` as an SVG document (None: nothing to chart)."""
        return report_files.chart_svg(reports.lookup(self._ctx, name), table)

    def dashboard(self, on: date | None = None) -> list[DashboardTile]:
        """The reports the acting user's role has on its dashboard, run over what they may see
        (a manager of several teams sees them by team), each with its first rows and chart."""
        from crm_core.features.reports import dashboard

        return [
            DashboardTile(
                t.name,
                t.title,
                dict(t.params),
                tuple(t.columns),
                tuple(tuple(row) for row in t.rows),
                t.total_rows,
                t.chart,
            )
            for t in dashboard.tiles(self._ctx, on or self._ctx.today())
        ]

    def reminders(
        self, on: date | None = None, user: str | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """What is due for `user` (default: you; a manager may name their people) on a day, and
        for a manager their team's overdue items; with `limit`, at most that many of each kind
        for the user and as many for the team, the earliest due first."""
        return reminders.collect(self._ctx, on or self._ctx.today(), user, limit)

    def reminders_cut(
        self, rows: list[dict[str, Any]], limit: int, user: str | None = None
    ) -> bool:
        """Whether `reminders(..., limit=limit)` may have left items out."""
        return reminders.reached_limit(rows, limit, user or self._ctx.actor.login)

    def digest(
        self, on: date | None = None, user: str | None = None, limit: int | None = None
    ) -> Digest:
        """The reminders as a plain-text message (subject, text and the items)."""
        return reminders.digest(self._ctx, on or self._ctx.today(), user, limit)

    def deliver(self, digest: Digest) -> list[str]:
        """Hand a digest to the delivering plugins (reminders_outbox ...); where it went."""
        return reminders.deliver(self._ctx, digest)

    def dashboard_html(self, on: date | None = None) -> str:
        """The acting user's dashboard (reminders and their role's reports) as one page."""
        from crm_core.features.reports import dashboard

        return dashboard.html(self._ctx, on or self._ctx.today())
