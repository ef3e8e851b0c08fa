"""The report engine: plugins register reports; each aggregates in SQL over visible rows.

A report is a name, titles, parameters and a function returning a `ReportTable`. It may say how
to chart it (`chart`, else one is inferred from its columns) and which roles' dashboards show it
(`dashboard`, with `dashboard_params` computed from the day the page is drawn).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

import attrs
from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import aliased

from crm_core.features import rollups
from crm_core.foundation import i18n
from crm_core.foundation.errors import ValidationError
from crm_core.hooks.context import Context
from crm_core.hooks.reports import REPORTS, Report, ReportParam, ReportTable, parse_date
from crm_core.hooks.rollups import Spec
from crm_core.kernel import visibility
from crm_core.kernel.models.teams import Team
from crm_core.kernel.models.users import User
from crm_core.kernel.planner import parallel_for_large_results
from crm_core.kernel.visibility import owner_is_visible, sees_whole_teams


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


def rollup_ready(ctx: Context, rollup: Spec) -> bool:
    """Whether a report may read `rollup` (installed, bucketed in the deployment's zone);
    otherwise it aggregates the source rows, with the same result, only slower."""
    return rollups.ready(ctx.session.connection(), rollup, str(ctx.settings.get("timezone")))


def team_rollup_ready(ctx: Context, rollup: Spec) -> bool:
    """Whether a report may read the totals per team `rollup` for the acting user: ready, and
    the user sees whole teams (`visibility.sees_whole_teams`), so that the teams' totals they
    may see are exactly those of the rows they may see."""
    return sees_whole_teams(ctx.actor) and rollup_ready(ctx, rollup)


def day_key_window(column: Any, params: Mapping[str, Any]) -> list[Any]:
    """WHERE terms for a rollup's 'YYYY-MM-DD' day key: `since`..`until`, if given."""
    terms = []
    if params.get("since"):
        terms.append(column >= params["since"].isoformat())
    if params.get("until"):
        terms.append(column <= params["until"].isoformat())
    return terms


def month_key_window(column: Any, params: Mapping[str, Any]) -> list[Any] | None:
    """WHERE terms for a rollup's 'YYYY-MM' month key, or None when `since`..`until` do not
    cover whole months (a month's total cannot be split by day)."""
    since: date | None = params.get("since")
    until: date | None = params.get("until")
    if since is not None and since.day != 1:
        return None
    if until is not None and (until + timedelta(days=1)).day != 1:
        return None
    terms = []
    if since is not None:
        terms.append(column >= since.isoformat()[:7])
    if until is not None:
        terms.append(column <= until.isoformat()[:7])
    return terms


def month_split(
    since: date | None, until: date | None
) -> tuple[tuple[str | None, str | None] | None, list[tuple[date, date]]]:
    """The days `since`..`until` (both included; None: no bound) as the whole months among
    them, ('YYYY-MM' first, last; None: no bound), or None when there is none, and the days
    outside those months, as ranges of days: a month rollup for the first, a day rollup for
    the rest."""
    if since is not None and until is not None and since > until:
        return None, []
    edges: list[tuple[date, date]] = []
    first = since
    if since is not None and since.day != 1:
        first = _next_month(since)
        last_day = first - timedelta(days=1)
        edges.append((since, last_day if until is None else min(last_day, until)))
    after = None if until is None else until + timedelta(days=1)
    if until is not None and after is not None and after.day != 1:
        after = until.replace(day=1)
        start = after if since is None else max(after, since)
        if (start, until) not in edges:
            edges.append((start, until))
    if first is not None and after is not None and first >= after:
        return None, edges
    last = None if after is None else (after - timedelta(days=1)).isoformat()[:7]
    return (None if first is None else first.isoformat()[:7], last), edges


@attrs.frozen
class MonthSplit:
    """A window of days as `months`, whole months read from a month rollup ('YYYY-MM' first,
    last; None: no bound), plus the source rows of the days in `added` and less those of the
    days in `removed` (ranges of days, both ends included)."""

    months: tuple[str | None, str | None]
    added: list[tuple[date, date]]
    removed: list[tuple[date, date]]


def month_split_nearer(since: date | None, until: date | None) -> MonthSplit | None:
    """`month_split` for totals that can be subtracted (counts, sums; not distinct counts):
    a month that the window cuts is read whole from the rollup when fewer of its days lie
    outside the window than inside, and the days outside are subtracted, so the source rows
    read are at most half a month at each end (from the 3rd of January: the 1st and 2nd, not
    the 3rd to the 31st). None when the window holds no whole month or nothing but whole
    months."""
    months, edges = month_split(since, until)
    if months is None or not edges:
        return None
    first, last = months
    added: list[tuple[date, date]] = []
    removed: list[tuple[date, date]] = []
    for start, end in edges:
        opening = start.replace(day=1)
        closing = _next_month(start) - timedelta(days=1)
        outside = [(opening, start - timedelta(days=1))] if start > opening else []
        outside += [(end + timedelta(days=1), closing)] if end < closing else []
        if sum((b - a).days + 1 for a, b in outside) >= (end - start).days + 1:
            added.append((start, end))
            continue
        removed += outside
        month = start.isoformat()[:7]
        if first is not None and month < first:
            first = month
        if last is not None and month > last:
            last = month
    return MonthSplit((first, last), added, removed)


def month_key_terms(column: Any, months: tuple[str | None, str | None]) -> list[Any]:
    """WHERE terms for a rollup's 'YYYY-MM' month key: the whole months `month_split` found
    ('YYYY-MM' first, last; None: no bound)."""
    first, last = months
    return [
        *([] if first is None else [column >= first]),
        *([] if last is None else [column <= last]),
    ]


def on_days(column: Any, days: Sequence[tuple[date, date]]) -> ColumnElement[bool]:
    """SQL: a DATE column within one of the ranges of days (both ends included), such as the
    days `month_split` leaves around the whole months."""
    return or_(*(and_(column >= first, column <= last) for first, last in days))


def at_moments_of(
    ctx: Context, column: Any, days: Sequence[tuple[date, date]]
) -> ColumnElement[bool]:
    """SQL: a timestamp column within one of the ranges of local days (`moment_window`'s
    terms for each range)."""
    window = [{"since": first, "until": last} for first, last in days]
    return or_(*(and_(*moment_window(ctx, column, bounds)) for bounds in window))


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def last_months(months: int) -> Callable[[date], Mapping[str, str]]:
    """Dashboard parameters: whole months, the `months`-th back to the page's month (to date),
    which a monthly rollup answers."""

    def params(today: date) -> Mapping[str, str]:
        year, month = divmod(today.year * 12 + today.month - 1 - (months - 1), 12)
        return {"since": date(year, month + 1, 1).isoformat()}

    return params


def by_param(choices: tuple[str, ...], default: str, *, combine: bool = False) -> ReportParam:
    """The usual `by=` parameter: which dimension a report groups by (with `combine`, one or
    more of them, comma-separated)."""
    shown = ", ".join(choices) + (" (several: a,b,c)" if combine else "")
    return ReportParam("by", shown, default=default, choices=choices, combine=combine)


def dimensions(value: str) -> list[str]:
    """The dimensions a combined `by=` value names, in order."""
    return value.split(",")


class TeamOf:
    """The `team` dimension of a report: the team that the person in `person` (a user id
    column: a customer's owner, an order's salesperson) belongs to now; their own team, not the
    teams above it. Rows without such a person, or whose person has no team, fall under None.

    Use `name` among the query's keys and `joined(query)` once the query has its FROM; the
    user and team are aliased, so the query may join `User` for another dimension too.
    """

    def __init__(self, person: Any) -> None:
        self.person = person
        self._member = aliased(User, name="crm_team_member")
        self._team = aliased(Team, name="crm_member_team")
        self.name: Any = self._team.name

    def joined(self, query: Select[Any]) -> Select[Any]:
        return query.outerjoin(self._member, self._member.id == self.person).outerjoin(
            self._team, self._team.id == self._member.team_id
        )


SINCE = ReportParam("since", "first day included (YYYY-MM-DD)", parse_date)
UNTIL = ReportParam("until", "last day included (YYYY-MM-DD)", parse_date)
#: Whose work an activity report counts. Visibility follows the customer, so a salesperson sees
#: every interaction on shared-pool customers, logged by anyone; `team` keeps what the reader and
#: the people they manage logged (admins: everyone). Dashboards use it.
LOGGED_BY = ReportParam(
    "logged_by",
    "anyone, or team (what you and the people you manage logged)",
    default="anyone",
    choices=("anyone", "team"),
)


def logged_by_filter(ctx: Context, column: Any, params: Mapping[str, Any]) -> list[Any]:
    """WHERE terms for `logged_by=team` on a column naming the user who did the work."""
    if params.get("logged_by", "anyone") != "team" or ctx.actor.sees_everything:
        return []
    return [owner_is_visible(column, ctx.actor.id or 0)]


def registry(ctx: Context) -> Mapping[str, Report]:
    """Every report the core and the enabled plugins registered, by name."""
    return ctx.registry(REPORTS)


def lookup(ctx: Context, name: str) -> Report:
    report = registry(ctx).get(name)
    if report is None:
        raise ValidationError(f"no report {name!r} (see `crm report list`)")
    return report


def plain_rows(ctx: Context, query: Any) -> list[tuple[Any, ...]]:
    """The query's rows as plain tuples, each value as the driver and its column type gave it:
    for groupings whose values need no conversion (a day x salesperson grouping has 1.4 million
    rows: no per-value work in Python). Counts and sums of whole numbers are ints already."""
    return list(map(tuple, ctx.session.execute(query)))


#: How many rows the report being run is asked for (None: all), for `first_rows`.
_FIRST: ContextVar[int | None] = ContextVar("crm_report_first_rows", default=None)


_Query = TypeVar("_Query", bound="Select[*tuple[Any, ...]]")


def first_rows(query: _Query) -> _Query:
    """A report's final, ordered query, limited to the rows its run asks for (`run_alone(first=
    N)`: a table a person reads) and one more, which tells that there are more; unchanged when
    the run wants them all (a file, the dashboard). Wrap only the query whose rows are the
    report's rows, one for one: the database then stops early where the order allows (a top
    manager's first 1,000 of 1.4 million day x salesperson groups)."""
    first = _FIRST.get()
    return query if first is None else query.limit(first + 1)


def first_rows_bound(ctx: Context, measure: Any) -> Any | None:
    """For a report ordered by `measure` descending, a rollup's column with a row per group and
    an index that leads with it: the value of the last of the first rows a run asks for (the
    N+1th largest the reader may see), so that only the groups at or above it need summing
    (a top manager's thousand largest debtors among a quarter of a million). None when the
    run wants every row, or when there are no more rows than that."""
    first = _FIRST.get()
    if first is None:
        return None
    return ctx.session.scalar(select(measure).order_by(measure.desc()).offset(first).limit(1))


def first_rows_by_key(
    ctx: Context, query: Select[*tuple[Any, ...]], key: Any, terms: Sequence[Any]
) -> list[tuple[Any, ...]]:
    """`plain_rows(ctx, first_rows(query))` for a grouping ordered by `key` first, a column
    of one table whose index leads with it (a rollup's day), filtered there by `terms`: a run
    for its first N rows reads only the keys up to the one 2N rows along that index, so that
    SQLite, which groups every row before a LIMIT, groups a few thousand (a top manager's
    first 1,000 day x salesperson rows of 1.4 million). Whole keys are read, so no group is
    cut short; fewer than N groups there (rows merged into groups) read them all."""
    first = _FIRST.get()
    if first is None:
        return plain_rows(ctx, query)
    along = select(key).where(*terms).order_by(key).offset(2 * (first + 1)).limit(1)
    last = ctx.session.scalar(along)
    if last is not None:
        rows = plain_rows(ctx, query.where(key <= last).limit(first + 1))
        if len(rows) > first:
            return rows
    return plain_rows(ctx, query.limit(first + 1))


@contextmanager
def _asking_for(first: int | None) -> Iterator[None]:
    token = _FIRST.set(first)
    try:
        yield
    finally:
        _FIRST.reset(token)


def run(
    ctx: Context, name: str, raw: Mapping[str, str], *, first: int | None = None
) -> ReportTable:
    """A report asked for on its own (`crm report run`, the API), by name and raw parameters;
    `first`: its first rows only (see `run_alone`)."""
    report = lookup(ctx, name)
    return run_alone(ctx, report, resolve_params(report, raw), first=first)


def run_alone(
    ctx: Context, report: Report, params: Mapping[str, Any], *, first: int | None = None
) -> ReportTable:
    """A report asked for on its own, parameters parsed: unlike a dashboard's tiles, it may be a
    large grouping, which PostgreSQL is encouraged to share among parallel workers. With
    `first`, at most that many rows, in the report's order, and `more` says whether others
    exist: reports that read their rows through `first_rows` stop there, the others are cut."""
    if first is not None and first < 0:
        raise ValidationError(f"first must be 0 or more, not {first}")
    parallel_for_large_results(ctx.session)
    with _asking_for(first), visibility.reporting(ctx.session):
        table = report.run(ctx, params)
    if first is None:
        return table
    return ReportTable(table.columns, table.rows[:first], more=len(table.rows) > first)


def last_days(days: int) -> Callable[[date], Mapping[str, str]]:
    """Dashboard parameters: the `days` days up to the page's day."""

    def params(today: date) -> Mapping[str, str]:
        return {"since": (today - timedelta(days=days - 1)).isoformat(), "until": today.isoformat()}

    return params


def run_report(ctx: Context, report: Report, raw: Mapping[str, str]) -> ReportTable:
    """A report as a dashboard tile reads it: every row, whatever run it is called from."""
    with _asking_for(None), visibility.reporting(ctx.session):
        return report.run(ctx, resolve_params(report, raw))


def _after(since: Any, until: Any) -> bool:
    """Whether a period's start falls after its end (both dates, or both datetimes)."""
    if isinstance(since, date) and isinstance(until, date) and type(since) is type(until):
        return since > until
    return False


def resolve_params(report: Report, raw: Mapping[str, str]) -> dict[str, Any]:
    """Parse raw `KEY=VALUE` text into the report's typed parameters, defaults filled in."""
    known = {p.name: p for p in report.params}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ValidationError(f"report {report.name} has no parameter {', '.join(unknown)}")
    params: dict[str, Any] = {}
    for param in report.params:
        if param.name in raw:
            text = raw[param.name]
            picked = [part.strip() for part in text.split(",")] if param.combine else [text]
            if param.choices and any(part not in param.choices for part in picked):
                raise ValidationError(f"{param.name} must be one of {', '.join(param.choices)}")
            if len(set(picked)) < len(picked):
                raise ValidationError(f"{param.name} names a dimension twice: {text}")
            text = ",".join(picked)
            try:
                params[param.name] = param.parse(text)
            except (ValueError, TypeError) as exc:
                raise ValidationError(f"invalid {param.name}: {text!r} ({exc})") from None
        else:
            params[param.name] = param.default
    since, until = params.get("since"), params.get("until")
    if _after(since, until):
        raise ValidationError(
            i18n._("since {since} is after until {until}", since=since, until=until)
        )
    return params
