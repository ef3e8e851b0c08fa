"""The core's own answers to the hooks, registered first in every plugin manager as "crm_core"."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, and_, cast, func, or_, select, true, union_all
from sqlalchemy.orm import aliased

from crm_core import __version__
from crm_core.features.customers.rollups import (
    CORE_ROLLUPS,
    CUSTOMERS_BY_INDUSTRY,
    CUSTOMERS_BY_LEVEL,
    CUSTOMERS_BY_MONTH,
    CUSTOMERS_BY_REGION,
    INTERACTIONS_BY_DAY,
    NEWEST_INTERACTION,
    TEAM_CUSTOMERS_BY_LEVEL,
    TEAM_CUSTOMERS_BY_MONTH,
    TEAM_INTERACTIONS_BY_DAY,
    CustomersByIndustry,
    CustomersByLevel,
    CustomersByMonth,
    CustomersByRegion,
    InteractionsByDay,
    NewestInteraction,
    TeamCustomersByLevel,
    TeamCustomersByMonth,
    TeamInteractionsByDay,
)
from crm_core.features.reports.engine import (
    LOGGED_BY,
    SINCE,
    UNTIL,
    TeamOf,
    at_moments_of,
    day_key_window,
    first_rows,
    first_rows_by_key,
    last_days,
    last_months,
    logged_by_filter,
    moment_window,
    month_key_terms,
    month_key_window,
    month_split,
    plain_rows,
    rollup_ready,
    team_rollup_ready,
)
from crm_core.features.tracking.indicators import day_end, share
from crm_core.foundation import i18n
from crm_core.foundation.schema import table_of
from crm_core.foundation.sqltime import local_day, local_month
from crm_core.hooks.context import Context
from crm_core.hooks.importers import Importer
from crm_core.hooks.indicators import Indicator
from crm_core.hooks.markers import hookimpl
from crm_core.hooks.plugin_spec import PluginSpec
from crm_core.hooks.reminders import Reminder
from crm_core.hooks.reports import Report, ReportParam, ReportTable
from crm_core.hooks.rollups import Rollup, Spec
from crm_core.hooks.sections import Section
from crm_core.kernel.models import Contact, Customer, Interaction, OwnershipPeriod, Team, User
from crm_core.kernel.planner import among, owned_by
from crm_core.kernel.visibility import teams_managed_by
from crm_core.services import bulk_customers, bulk_records

# --- importers --------------------------------------------------------------------------------


plugin = PluginSpec(
    name="customers",
    title="Customers",
    title_zh="客户",
    version=__version__,
    description="The core's reports, importers, indicators, reminders and 360 sections about customers.",
)


@hookimpl
def crm_register_importers(register: Callable[[Importer], None]) -> None:
    register(bulk_customers.importer())
    register(bulk_records.contacts_importer())
    register(bulk_records.products_importer())
    register(bulk_records.interactions_importer())


# --- reports ----------------------------------------------------------------------------------

SEGMENTS = ("kind", "level", "industry", "region", "owner", "team")
_interactions = table_of(Interaction)
_customers = table_of(Customer)


#: The rollup that counts customers by each segment (owner and kind are keys of them all).
_SEGMENT_ROLLUPS: dict[str, tuple[Rollup, type[Any]]] = {
    "kind": (CUSTOMERS_BY_LEVEL, CustomersByLevel),
    "level": (CUSTOMERS_BY_LEVEL, CustomersByLevel),
    "owner": (CUSTOMERS_BY_LEVEL, CustomersByLevel),
    "team": (CUSTOMERS_BY_LEVEL, CustomersByLevel),
    "industry": (CUSTOMERS_BY_INDUSTRY, CustomersByIndustry),
    "region": (CUSTOMERS_BY_REGION, CustomersByRegion),
}


def _customers_by_segment(ctx: Context, params: Mapping[str, Any]) -> ReportTable:
    by = params["by"]
    if by in ("kind", "level", "team") and team_rollup_ready(ctx, TEAM_CUSTOMERS_BY_LEVEL):
        return _customers_per_team(ctx, by, params.get("kind"))
    rollup, row = _SEGMENT_ROLLUPS[by]
    source: Any = row if rollup_ready(ctx, rollup) else Customer
    team = TeamOf(source.owner_id)
    people = {"owner": User.login, "team": team.name}
    column = people[by] if by in people else getattr(source, by)
    counted = func.sum(source.customers) if source is row else func.count(Customer.id)
    query = select(column.label(by), counted).select_from(source)
    if by == "owner":
        query = query.outerjoin(User, User.id == source.owner_id)
    elif by == "team":
        query = team.joined(query)
    query = query.group_by(column).order_by(counted.desc(), column)
    if params.get("kind"):
        query = query.where(source.kind == params["kind"])
    rows = [(value, int(count)) for value, count in ctx.session.execute(query)]
    return ReportTable((by, "count"), rows)


def _customers_per_team(ctx: Context, by: str, kind: str | None) -> ReportTable:
    """Customers by kind, level or the owner's team from the totals per team (decision
    0025): the same counts as per owner, from a row per team."""
    row = TeamCustomersByLevel
    team = aliased(Team, name="owner_team")
    column = {"kind": row.kind, "level": row.level, "team": team.name}[by]
    counted = func.sum(row.customers)
    query = select(column.label(by), counted).select_from(row)
    if by == "team":
        query = query.outerjoin(team, team.id == row.owner_team_id)
    if kind:
        query = query.where(row.kind == kind)
    query = query.group_by(column).order_by(counted.desc(), column)
    return ReportTable(
        (by, "count"), [(value, int(count)) for value, count in ctx.session.execute(query)]
    )


def _new_customers_by_month(ctx: Context, params: Mapping[str, Any]) -> ReportTable:
    row: Any = CustomersByMonth
    if team_rollup_ready(ctx, TEAM_CUSTOMERS_BY_MONTH):
        row = TeamCustomersByMonth  # a row per team, not per owner: same totals
    ready = row is TeamCustomersByMonth or rollup_ready(ctx, CUSTOMERS_BY_MONTH)
    months = month_key_window(row.month, params)
    month = local_month(Customer.created_at, str(ctx.settings.get("timezone"))).label("month")
    rolled: Any = None
    if ready and months is not None:
        rolled = (
            select(row.month, row.level, func.sum(row.customers))
            .where(*months)
            .group_by(row.month, row.level)
            .order_by(row.month, row.level)
        )
    whole, edges = month_split(params.get("since"), params.get("until"))
    if ready and months is None and whole is not None:
        # A window that splits months: the whole ones from the rollup, the days around them
        # from the customers, in one grouping.
        days = at_moments_of(ctx, Customer.created_at, edges)
        counted = cast(func.count(Customer.id), Integer)  # as the rollup's: sums stay ints
        both = union_all(
            select(row.month, row.level, row.customers).where(*month_key_terms(row.month, whole)),
            select(month, Customer.level, counted).where(days).group_by(month, Customer.level),
        ).subquery()
        key, level, customers = both.c
        rolled = select(key, level, func.sum(customers)).group_by(key, level).order_by(key, level)
    if rolled is not None:
        return ReportTable(
            ("month", "level", "count"),
            [(m, lvl, int(c)) for m, lvl, c in ctx.session.execute(rolled)],
        )
    query = (
        select(month, Customer.level, func.count(Customer.id))
        .where(*moment_window(ctx, Customer.created_at, params))
        .group_by(month, Customer.level)
        .order_by(month, Customer.level)
    )
    return ReportTable(
        ("month", "level", "count"), [(m, lvl, int(c)) for m, lvl, c in ctx.session.execute(query)]
    )


def _interactions_per_day(ctx: Context, params: Mapping[str, Any]) -> ReportTable:
    """Interactions per local day and salesperson, or per day alone (`by=day`)."""
    source: Any
    by_day = params.get("by", "salesperson") == "day"
    if by_day and team_rollup_ready(ctx, TEAM_INTERACTIONS_BY_DAY):
        return _interactions_per_day_per_team(ctx, params)
    if rollup_ready(ctx, INTERACTIONS_BY_DAY):
        source = InteractionsByDay
        day: Any = source.day
        count: Any = func.sum(source.interactions)
        window = day_key_window(source.day, params)
    else:
        source = Interaction
        day = local_day(source.occurred_at, str(ctx.settings.get("timezone"))).label("day")
        count = func.count(source.id)
        window = moment_window(ctx, source.occurred_at, params)
    window += logged_by_filter(ctx, source.user_id, params)
    if by_day:
        totals = select(day, count).where(*window).group_by(day).order_by(day)
        return ReportTable(("day", "count"), plain_rows(ctx, first_rows(totals)))
    query = (
        select(day, User.login, count)
        .join(User, User.id == source.user_id)
        .where(*window)
        .group_by(day, User.login)
        .order_by(day, User.login)
    )
    if source is InteractionsByDay:  # its key index leads with the day
        rows = first_rows_by_key(ctx, query, source.day, window)
    else:
        rows = plain_rows(ctx, first_rows(query))
    return ReportTable(("day", "user", "count"), rows)


def _interactions_per_day_per_team(ctx: Context, params: Mapping[str, Any]) -> ReportTable:
    """Each day's interactions from the totals per team (decision 0025); `logged_by=team`
    keeps those logged by people of the teams the reader manages (as `logged_by_filter`
    keeps the people themselves)."""
    row = TeamInteractionsByDay
    window = day_key_window(row.day, params)
    if params.get("logged_by", "anyone") == "team" and not ctx.actor.sees_everything:
        window.append(row.user_team_id.in_(teams_managed_by(ctx.actor.id or 0)))
    count = func.sum(row.interactions)
    totals = select(row.day, count).where(*window).group_by(row.day).order_by(row.day)
    return ReportTable(("day", "count"), plain_rows(ctx, first_rows(totals)))


@hookimpl
def crm_register_reports(register: Callable[[Report], None]) -> None:
    register(
        Report(
            "customers-by-segment",
            "Customers by segment",
            _customers_by_segment,
            (
                ReportParam(
                    "by",
                    "kind, level, industry, region, owner or team (the owner's team)",
                    default="level",
                    choices=SEGMENTS,
                ),
                ReportParam("kind", "only customers of this kind"),
            ),
            title_zh="客户分布",
            dashboard=("admin", "manager", "sales"),
            dashboard_params=lambda today: {"by": "level"},
        )
    )
    register(
        Report(
            "new-customers-by-month",
            "New customers by month and level",
            _new_customers_by_month,
            (SINCE, UNTIL),
            title_zh="每月新增客户",
            dashboard=("admin", "manager"),
            dashboard_params=last_months(12),
        )
    )
    register(
        Report(
            "interactions-per-day",
            "Interactions per salesperson per day",
            _interactions_per_day,
            (
                SINCE,
                UNTIL,
                ReportParam(
                    "by",
                    "salesperson (per day and salesperson) or day (the day's total)",
                    default="salesperson",
                    choices=("salesperson", "day"),
                ),
                LOGGED_BY,
            ),
            title_zh="每日联系次数",
            dashboard=("admin", "manager", "sales"),
            dashboard_params=lambda today: {
                **last_days(14)(today),
                "by": "day",
                "logged_by": "team",
            },
        )
    )


# --- rollout indicators ------------------------------------------------------------------------


def _contact_coverage(ctx: Context, day: date) -> Decimal | None:
    """Share of customers (existing by `day`) with an interaction in the 30 days up to `day`.

    A baseline dated before the customers were entered (the go-live day of a block whose
    customer list was imported afterwards) counts today's customers instead: the share of them
    contacted in those 30 days, 0% when nothing was recorded, rather than no figure at all."""
    end = day_end(ctx, day)
    start = end - timedelta(days=30)
    customers = ctx.session.scalar(select(func.count(Customer.id)).where(Customer.created_at < end))
    existing: Any = Customer.created_at < end
    touched = _touched_by_newest(ctx, start, end)
    if not customers:
        customers = ctx.session.scalar(select(func.count(Customer.id)))
        existing, touched = true(), None
    if touched is None:
        touched = ctx.session.scalar(
            select(func.count(func.distinct(Interaction.customer_id)))
            .join(Customer, Customer.id == Interaction.customer_id)
            .where(Interaction.occurred_at >= start, Interaction.occurred_at < end, existing)
        )
    return share(touched, customers)


def _touched_by_newest(ctx: Context, start: datetime, end: datetime) -> int | None:
    """Customers with an interaction in [start, end), from each customer's newest interaction,
    when that answers exactly: the rollup is installed and no interaction or customer lies at
    or after `end` (as for today's value), so a customer's newest is its last before `end`. At
    a million customers it counts 1M rollup rows instead of joining the window's 400,000
    interactions to their customers (SQLite 1.7 s; None: the caller reads the interactions)."""
    if not rollup_ready(ctx, NEWEST_INTERACTION):
        return None
    later = or_(
        select(_interactions.c.id).where(_interactions.c.occurred_at >= end).exists(),
        select(_customers.c.id).where(_customers.c.created_at >= end).exists(),
    )
    if ctx.session.scalar(select(later)):
        return None
    newest = NewestInteraction
    return int(
        ctx.session.scalar(select(func.count()).select_from(newest).where(newest.moment >= start))
        or 0
    )


def _interactions_per_seller(ctx: Context, day: date) -> Decimal | None:
    """Interactions in the 7 days up to `day`, per active salesperson (those registered by
    `day`; for a baseline dated before anyone was registered, today's salespeople)."""
    end = day_end(ctx, day)
    active = (User.role == "sales", User.active.is_(True))
    sellers = ctx.session.scalar(select(func.count(User.id)).where(*active, User.created_at < end))
    if not sellers:
        sellers = ctx.session.scalar(select(func.count(User.id)).where(*active))
    if not sellers:
        return None
    logged = ctx.session.scalar(
        select(func.count(Interaction.id)).where(
            Interaction.occurred_at >= end - timedelta(days=7), Interaction.occurred_at < end
        )
    )
    return Decimal(int(logged or 0)) / sellers


def _new_customers(ctx: Context, day: date) -> int:
    end = day_end(ctx, day)
    return int(
        ctx.session.scalar(
            select(func.count(Customer.id)).where(
                Customer.created_at >= end - timedelta(days=30), Customer.created_at < end
            )
        )
        or 0
    )


@hookimpl
def crm_register_indicators(register: Callable[[Indicator], None]) -> None:
    register(
        Indicator(
            "contact-coverage",
            "Customers contacted in the last 30 days",
            _contact_coverage,
            unit="%",
            title_zh="近30天有联系的客户占比",
        )
    )
    register(
        Indicator(
            "interactions-per-seller",
            "Interactions per salesperson in the last 7 days",
            _interactions_per_seller,
            title_zh="近7天人均联系次数",
        )
    )
    register(
        Indicator(
            "new-customers",
            "New customers in the last 30 days",
            _new_customers,
            unit="count",
            title_zh="近30天新增客户",
        )
    )


# --- reminders and the 360 view ---------------------------------------------------------------


def _due_follow_ups(ctx: Context, by: date, user_ids: Sequence[int], limit: int | None) -> Any:
    """(due day, customer name, kind, notes, owner) of each follow-up of the customers of
    `user_ids` due by `by`, earliest first, at most `limit`: from the newest-interaction
    rollup (its copy of the owner: a team's are an index range), or (while it is not
    installed) from every interaction that no later one of its customer superseded."""
    columns = (Interaction.next_contact_on, Customer.name, Interaction.kind, Interaction.notes)
    if rollup_ready(ctx, NEWEST_INTERACTION):
        # The interaction read as a table beside its customer's model, which the visibility
        # policy filters (docs/visibility.md, rule 3): a check of its own would look the same
        # customer up again for every candidate.
        newest, read = NewestInteraction, _interactions.c
        return (
            select(read.next_contact_on, Customer.name, read.kind, read.notes, Customer.owner_id)
            .select_from(newest)
            .join(_interactions, read.id == newest.source_id)
            .join(Customer, Customer.id == read.customer_id)
            .where(newest.due_on <= by, owned_by(ctx.session, newest.owner_id, user_ids, limit))
            .order_by(newest.due_on, newest.source_id)
            .limit(limit)
        )
    later = aliased(Interaction)
    superseded = (
        select(later.id)
        .where(
            later.customer_id == Interaction.customer_id,
            or_(
                later.occurred_at > Interaction.occurred_at,
                and_(later.occurred_at == Interaction.occurred_at, later.id > Interaction.id),
            ),
        )
        .exists()
    )
    return (
        select(*columns, Customer.owner_id)
        .join(Customer, Customer.id == Interaction.customer_id)
        .where(
            Interaction.next_contact_on <= by,
            ~superseded,
            among(ctx.session, Customer.owner_id, user_ids),
        )
        .order_by(Interaction.next_contact_on, Interaction.id)
        .limit(limit)
    )


@hookimpl
def crm_collect_reminders(
    ctx: Context, user_ids: Sequence[int], on: date, limit: int | None, overdue_only: bool
) -> Iterable[Reminder]:
    """Follow-ups: a customer's newest interaction planned a next contact that is now due."""
    by = on - timedelta(days=1) if overdue_only else on
    for due, name, kind, notes, owner in ctx.session.execute(
        _due_follow_ups(ctx, by, user_ids, limit)
    ):
        assert due is not None
        what = i18n._("follow up after {kind}", kind=i18n._(kind)) + (f": {notes}" if notes else "")
        yield Reminder(due, "follow-up", what, name, person_id=owner)


@hookimpl
def crm_customer_sections(ctx: Context, customer: Customer) -> Iterable[Section]:
    contacts = ctx.session.scalars(
        select(Contact).where(Contact.customer_id == customer.id).order_by(Contact.id)
    )
    yield Section(
        "Contacts",
        [{"name": c.name, "title": c.title, "phone": c.phone, "email": c.email} for c in contacts],
        order=10,
    )
    recent = ctx.session.execute(
        select(Interaction, User.login)
        .join(User, User.id == Interaction.user_id)
        .where(Interaction.customer_id == customer.id)
        .order_by(Interaction.occurred_at.desc())
        .limit(10)
    )
    yield Section(
        "Recent interactions",
        [
            {
                "occurred_at": ctx.local(i.occurred_at).strftime("%Y-%m-%d %H:%M"),
                "kind": i.kind,
                "user": login,
                "notes": i.notes,
                "next_contact_on": i.next_contact_on,
            }
            for i, login in recent
        ],
        order=20,
    )
    history = ctx.session.execute(
        select(OwnershipPeriod, User.login)
        .outerjoin(User, User.id == OwnershipPeriod.owner_id)
        .where(OwnershipPeriod.customer_id == customer.id)
        .order_by(OwnershipPeriod.started_at, OwnershipPeriod.id)
    )
    yield Section(
        "Ownership",
        [
            {
                "owner": login or i18n._("the shared pool"),
                "from": ctx.local(p.started_at).strftime("%Y-%m-%d"),
                "to": ctx.local(p.ended_at).strftime("%Y-%m-%d") if p.ended_at else None,
                "reason": p.reason,
            }
            for p, login in history
        ],
        order=90,
    )


# --- rollups -----------------------------------------------------------------------------------


@hookimpl
def crm_register_rollups(register: Callable[[Spec], None]) -> None:
    for rollup in CORE_ROLLUPS:
        register(rollup)
