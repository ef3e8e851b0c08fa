"""`crm dashboard`: one offline HTML page per person with their reminders and the reports their
role's dashboard shows (reports opt in with `Report.dashboard`), each over what they may see."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import attrs

from crm_core import i18n, pages
from crm_core.context import Context
from crm_core.errors import CrmError
from crm_core.models import User
from crm_core.services import reminders, reports
from crm_core.services.report_files import chart_svg

#: Rows shown under each chart; the chart itself draws them all.
TABLE_ROWS = 25
#: Reminder rows on the page; each collector is asked for this many of each kind, no more.
REMINDER_ROWS = 50


@attrs.frozen
class Tile:
    name: str
    title: str
    params: dict[str, str]
    columns: list[str]
    rows: list[Any]
    total_rows: int
    chart: str | None
    millis: float


def tiles(ctx: Context, today: date) -> list[Tile]:
    """Run every report the acting user's role has on its dashboard."""
    role = "admin" if ctx.actor.is_admin else ctx.actor.role
    found = []
    for report in sorted(reports.registry(ctx).values(), key=lambda r: r.name):
        if role not in report.dashboard:
            continue
        wanted = dict(report.dashboard_params(today)) if report.dashboard_params else {}
        known = {p.name for p in report.params}
        params = {k: v for k, v in wanted.items() if k in known}
        started = time.perf_counter()
        table = reports.run_report(ctx, report, params)
        millis = (time.perf_counter() - started) * 1000
        found.append(
            Tile(
                report.name,
                report.label(),
                params,
                list(table.columns),
                list(table.rows[:TABLE_ROWS]),
                len(table.rows),
                chart_svg(report, table),
                millis,
            )
        )
    return found


def html(ctx: Context, today: date) -> str:
    if ctx.actor.id is None:
        raise CrmError("a dashboard is drawn for a person: pass --as LOGIN")
    user = ctx.session.get(User, ctx.actor.id)
    assert user is not None
    due = reminders.collect(ctx, today, limit=REMINDER_ROWS)
    return pages.render(
        "dashboard.html",
        page_title=i18n._("Dashboard: {name}", name=user.name),
        user_name=user.name,
        login=user.login,
        role=user.role,
        today=today.isoformat(),
        reminders=[[r[c] for c in reminders.COLUMNS] for r in due[:REMINDER_ROWS]],
        reminder_columns=list(reminders.COLUMNS),
        tiles=tiles(ctx, today),
    )
