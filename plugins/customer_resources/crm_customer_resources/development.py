"""The `customer-development` report: new customers per local month of creation, split by
level, industry, region, owner, the owner's team or grade.

Over whole months it reads a rollup of customers by month (the core's, by level; this
plugin's, by industry or region), per team for readers who see whole teams: a million
customers are a few thousand rows per team instead of a scan that formats a million creation
times as local months. A window that splits months reads the whole months inside it from the
rollup and the days around them from the customers, in one grouping.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import attrs
from sqlalchemy import Integer, cast, func, null, select, union_all
from sqlalchemy.orm import aliased

from crm_core.contract import Context
from crm_core.contract.models import Customer, Team, User
from crm_core.contract.reports import (
    ReportTable,
    TeamOf,
    at_moments_of,
    first_rows,
    local_month,
    moment_window,
    month_key_terms,
    month_key_window,
    month_split,
    rollup_ready,
    team_rollup_ready,
)
from crm_core.contract.rollups import (
    CUSTOMERS_BY_MONTH,
    TEAM_CUSTOMERS_BY_MONTH,
    CustomersByMonth,
    Spec,
    TeamCustomersByMonth,
)
from crm_customer_resources.models import CustomerProfile
from crm_customer_resources.models.rollups import (
    NEW_CUSTOMERS_BY_INDUSTRY,
    NEW_CUSTOMERS_BY_REGION,
    PROFILES_BY_GRADE,
    TEAM_NEW_CUSTOMERS_BY_INDUSTRY,
    TEAM_NEW_CUSTOMERS_BY_REGION,
    TEAM_PROFILES_BY_GRADE,
    NewCustomersByIndustry,
    NewCustomersByRegion,
    ProfilesByGrade,
    TeamNewCustomersByIndustry,
    TeamNewCustomersByRegion,
    TeamProfilesByGrade,
)

DEVELOPMENT_BY = ("level", "industry", "region", "owner", "team", "grade", "month")


@attrs.frozen
class _Counted:
    """A rollup of customers per owner and month that answers some dimensions, and its totals
    per team (None: the dimension is a person, which only the per-owner rows hold)."""

    rollup: Spec
    row: Any
    team_rollup: Spec | None
    team_row: Any


_BY_LEVEL = _Counted(
    CUSTOMERS_BY_MONTH, CustomersByMonth, TEAM_CUSTOMERS_BY_MONTH, TeamCustomersByMonth
)
_ROLLED_UP: dict[str, _Counted] = {
    "month": _BY_LEVEL,
    "level": _BY_LEVEL,
    "team": _BY_LEVEL,
    "owner": _Counted(CUSTOMERS_BY_MONTH, CustomersByMonth, None, None),
    "industry": _Counted(
        NEW_CUSTOMERS_BY_INDUSTRY,
        NewCustomersByIndustry,
        TEAM_NEW_CUSTOMERS_BY_INDUSTRY,
        TeamNewCustomersByIndustry,
    ),
    "region": _Counted(
        NEW_CUSTOMERS_BY_REGION,
        NewCustomersByRegion,
        TEAM_NEW_CUSTOMERS_BY_REGION,
        TeamNewCustomersByRegion,
    ),
}


def customer_development(ctx: Context, params: Mapping[str, Any]) -> ReportTable:
    by = params["by"]
    rolled = _by_grade(ctx, params) if by == "grade" else _from_rollup(ctx, by, params)
    if rolled is not None:
        return rolled
    return _from_customers(ctx, by, params)


def _from_rollup(ctx: Context, by: str, params: Mapping[str, Any]) -> ReportTable | None:
    """The report from the smallest rollup that holds `by`, or None when none is ready or the
    window splits a month."""
    counted = _ROLLED_UP.get(by)
    if counted is None:
        return None
    if counted.team_rollup is not None and team_rollup_ready(ctx, counted.team_rollup):
        row = counted.team_row
    elif rollup_ready(ctx, counted.rollup):
        row = counted.row
    else:
        return None
    per_team = row is counted.team_row
    month, person, customers = (
        row.month,
        row.owner_team_id if per_team else row.owner_id,
        row.customers,
    )
    key = getattr(row, by) if by in ("level", "industry", "region") else None
    months = month_key_window(row.month, params)
    source: Any = row
    if months is None:  # a window that splits months: the days around them from the customers
        whole, edges = month_split(params.get("since"), params.get("until"))
        if whole is None:
            return None
        around = _customers_around(ctx, by, edges, per_team)
        rolled = select(
            month.label("month"),
            *([] if key is None else [key.label("key")]),
            *([person.label("person")] if by in ("owner", "team") else []),
            customers.label("customers"),
        ).where(*month_key_terms(row.month, whole))
        source = union_all(rolled, around).subquery()
        month, customers, months = source.c.month, source.c.customers, []
        key = None if key is None else source.c.key
        person = source.c.person if by in ("owner", "team") else None
    owner_team = aliased(Team, name="owner_team")
    # Per-owner rows name the owner's team through the owner; team totals hold the team.
    team = None if per_team else TeamOf(person)
    dimension: Any = key
    if by == "owner":
        dimension = User.login
    elif by == "team":
        dimension = owner_team.name if team is None else team.name
    columns = [month.label("month")]
    if dimension is not None:
        columns.append(dimension.label(by))
    query = select(*columns, func.sum(customers)).select_from(source)
    if by == "owner":
        query = query.outerjoin(User, User.id == person)
    elif by == "team" and team is None:
        query = query.outerjoin(owner_team, owner_team.id == person)
    elif by == "team" and team is not None:
        query = team.joined(query)
    query = query.where(*months).group_by(*columns).order_by(*columns)
    names = ("month", "count") if dimension is None else ("month", by, "count")
    rows = ctx.session.execute(first_rows(query))
    return ReportTable(names, [(*keys, int(n)) for *keys, n in rows])


def _customers_around(ctx: Context, by: str, edges: list[tuple[date, date]], per_team: bool) -> Any:
    """The customers created on the local days `edges`, counted as the rollups hold them: per
    month, the dimension `by` (as `key`) or the owner (as `person`; with `per_team`, the
    owner's team) and `customers`."""
    owner = aliased(User, name="crm_owner")
    month = local_month(Customer.created_at, str(ctx.settings.get("timezone"))).label("month")
    columns: list[Any] = [month]
    if by in ("level", "industry", "region"):
        columns.append(getattr(Customer, by).label("key"))
    if by in ("owner", "team"):
        columns.append((owner.team_id if per_team else Customer.owner_id).label("person"))
    counted = cast(func.count(Customer.id), Integer).label("customers")  # sums stay ints
    query = select(*columns, counted).select_from(Customer)
    if per_team and by in ("owner", "team"):
        query = query.outerjoin(owner, owner.id == Customer.owner_id)
    return query.where(at_moments_of(ctx, Customer.created_at, edges)).group_by(*columns)


def _graded_around(ctx: Context, edges: list[tuple[date, date]]) -> Any:
    """The customers created on the local days `edges` per month and grade (the override if
    set; None without a grade or a profile), counted as `_by_grade` counts the rollups'."""
    month = local_month(Customer.created_at, str(ctx.settings.get("timezone")))
    grade = func.coalesce(CustomerProfile.grade_override, CustomerProfile.grade)
    counted = cast(func.count(Customer.id), Integer)  # as the rollups: sums stay ints
    return (
        select(month, grade, counted)
        .outerjoin(CustomerProfile, CustomerProfile.customer_id == Customer.id)
        .where(at_moments_of(ctx, Customer.created_at, edges))
        .group_by(month, grade)
    )


def _by_grade(ctx: Context, params: Mapping[str, Any]) -> ReportTable | None:
    """By grade from the profiles per grade and the customers per month (per team where the
    reader sees whole teams), or None when they are not ready or the window splits a month.

    A customer without a grade is one whose profile has none, or one without a profile: all
    the month's customers less its graded profiles."""
    if team_rollup_ready(ctx, TEAM_PROFILES_BY_GRADE) and team_rollup_ready(
        ctx, TEAM_CUSTOMERS_BY_MONTH
    ):
        profiles: Any = TeamProfilesByGrade
        everyone: Any = TeamCustomersByMonth
    elif rollup_ready(ctx, PROFILES_BY_GRADE) and rollup_ready(ctx, CUSTOMERS_BY_MONTH):
        profiles, everyone = ProfilesByGrade, CustomersByMonth
    else:
        return None
    graded_months = month_key_window(profiles.month, params)
    all_months = month_key_window(everyone.month, params)
    around: list[Any] = []
    if graded_months is None or all_months is None:  # a window that splits months
        whole, edges = month_split(params.get("since"), params.get("until"))
        if whole is None:
            return None
        graded_months = month_key_terms(profiles.month, whole)
        all_months = month_key_terms(everyone.month, whole)
        around = [_graded_around(ctx, edges)]  # the days around them, from the customers
    ungraded = null().cast(Integer)
    graded = profiles.grade.is_not(None)
    parts = union_all(
        select(profiles.month, profiles.grade, profiles.customers).where(graded, *graded_months),
        select(everyone.month, ungraded, everyone.customers).where(*all_months),
        select(profiles.month, ungraded, -profiles.customers).where(graded, *graded_months),
        *around,
    ).subquery()
    month, grade, customers = parts.c
    count = func.sum(customers)
    query = (
        select(month, grade, count).group_by(month, grade).having(count > 0).order_by(month, grade)
    )
    return ReportTable(
        ("month", "grade", "count"), [(m, g, int(n)) for m, g, n in ctx.session.execute(query)]
    )


def _from_customers(ctx: Context, by: str, params: Mapping[str, Any]) -> ReportTable:
    """The report counted from the customers themselves."""
    month = local_month(Customer.created_at, str(ctx.settings.get("timezone"))).label("month")
    grade = func.coalesce(CustomerProfile.grade_override, CustomerProfile.grade)
    team = TeamOf(Customer.owner_id)
    dimension = {
        "level": Customer.level,
        "industry": Customer.industry,
        "region": Customer.region,
        "owner": User.login,
        "team": team.name,
        "grade": grade,
        "month": None,
    }[by]
    columns = [month] if dimension is None else [month, dimension.label(by)]
    query = select(*columns, func.count(Customer.id)).select_from(Customer)
    if by == "owner":
        query = query.outerjoin(User, User.id == Customer.owner_id)
    elif by == "team":
        query = team.joined(query)
    elif by == "grade":
        query = query.outerjoin(CustomerProfile, CustomerProfile.customer_id == Customer.id)
    query = (
        query.where(*moment_window(ctx, Customer.created_at, params))
        .group_by(*columns)
        .order_by(*columns)
    )
    names = ("month", "count") if dimension is None else ("month", by, "count")
    return ReportTable(names, [tuple(row) for row in ctx.session.execute(first_rows(query))])
