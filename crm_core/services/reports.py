"""The report engine: plugins register reports; each aggregates in SQL over visible rows."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time
from typing import Any

import attrs

from crm_core.context import Context
from crm_core.errors import PluginError, ValidationError


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


@attrs.frozen
class ReportTable:
    columns: tuple[str, ...]
    rows: Sequence[Sequence[Any]]

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


def moment_window(ctx: Context, column: Any, params: Mapping[str, Any]) -> list[Any]:
    """WHERE terms for a timestamp column: local days `since`..`until` (both included), if given."""
    terms = []
    if params.get("since"):
        terms.append(column >= datetime.combine(params["since"], time.min, ctx.zone))
    if params.get("until"):
        terms.append(column <= datetime.combine(params["until"], time.max, ctx.zone))
    return terms


def date_window(column: Any, params: Mapping[str, Any]) -> list[Any]:
    """WHERE terms for a DATE column: `since`..`until` (both included), if given."""
    terms = []
    if params.get("since"):
        terms.append(column >= params["since"])
    if params.get("until"):
        terms.append(column <= params["until"])
    return terms


def by_param(choices: tuple[str, ...], default: str) -> ReportParam:
    """The usual `by=` parameter: which dimension a report groups by."""
    return ReportParam("by", ", ".join(choices), default=default, choices=choices)


SINCE = ReportParam("since", "first day included (YYYY-MM-DD)", parse_date)
UNTIL = ReportParam("until", "last day included (YYYY-MM-DD)", parse_date)


def registry(ctx: Context) -> dict[str, Report]:
    reports: dict[str, Report] = {}

    def register(report: Report) -> None:
        if report.name in reports:
            raise PluginError(f"report {report.name!r} is registered twice")
        reports[report.name] = report

    ctx.hook.crm_register_reports(register=register)
    return reports


def run(ctx: Context, name: str, raw: Mapping[str, str]) -> ReportTable:
    reports = registry(ctx)
    report = reports.get(name)
    if report is None:
        raise ValidationError(f"no report {name!r} (see `crm reports list`)")
    known = {p.name: p for p in report.params}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ValidationError(f"report {name} has no parameter {', '.join(unknown)}")
    params: dict[str, Any] = {}
    for param in report.params:
        if param.name in raw:
            text = raw[param.name]
            if param.choices and text not in param.choices:
                raise ValidationError(f"{param.name} must be one of {', '.join(param.choices)}")
            try:
                params[param.name] = param.parse(text)
            except (ValueError, TypeError) as exc:
                raise ValidationError(f"invalid {param.name}: {text!r} ({exc})") from None
        else:
            params[param.name] = param.default
    return report.run(ctx, params)
