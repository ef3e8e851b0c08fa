"""The core's own answers to the hooks, registered first in every plugin manager as "crm_core"."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import and_, func, select

from crm_core import i18n
from crm_core.context import Context
from crm_core.hookspecs import hookimpl
from crm_core.imports.importer import Importer
from crm_core.models import (
    Contact,
    Customer,
    Interaction,
    OwnershipPeriod,
    User,
)
from crm_core.services import bulk_customers, bulk_records
from crm_core.services.reminders import Reminder
from crm_core.services.reports import SINCE, UNTIL, Report, ReportParam, ReportTable, moment_window
from crm_core.services.sections import Section
from crm_core.settings import SettingSpec, parse_text, parse_timezone
from crm_core.sqltime import local_day, local_month

# --- settings and permissions -----------------------------------------------------------------


@hookimpl
def crm_register_settings(register: Callable[[SettingSpec], None]) -> None:
    register(
        SettingSpec(
            "timezone", "Asia/Shanghai", "time zone for dates shown and reports", parse_timezone
        )
    )
    register(
        SettingSpec("currency", "CNY", "the deployment's one currency (ISO code)", _parse_currency)
    )
    register(SettingSpec("default_actor", "admin", "login used when --as is not given", parse_text))


def _parse_currency(text: str) -> str:
    code = text.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValueError("a three-letter ISO code such as CNY")
    return code


@hookimpl
def crm_register_permissions(register: Callable[[str, str], None]) -> None:
    register("audit-reader", "may read the audit log of records they can see")


# --- importers --------------------------------------------------------------------------------


@hookimpl
def crm_register_importers(register: Callable[[Importer], None]) -> None:
    register(bulk_customers.importer())
    register(bulk_records.contacts_importer())
    register(bulk_records.products_importer())
    register(bulk_records.interactions_importer())


# --- reports ----------------------------------------------------------------------------------

SEGMENTS = ("kind", "level", "industry", "region", "owner")


def _customers_by_segment(ctx: Context, params: Mapping[str, Any]) -> ReportTable:
    by = params["by"]
    column = User.login if by == "owner" else getattr(Customer, by)
    query = (
        select(column.label(by), func.count(Customer.id))
        .select_from(Customer)
        .outerjoin(User, User.id == Customer.owner_id)
        .group_by(column)
        .order_by(func.count(Customer.id).desc(), column)
    )
    if params.get("kind"):
        query = query.where(Customer.kind == params["kind"])
    rows = [(value, int(count)) for value, count in ctx.session.execute(query)]
    return ReportTable((by, "count"), rows)


def _new_customers_by_month(ctx: Context, params: Mapping[str, Any]) -> ReportTable:
    month = local_month(Customer.created_at, str(ctx.settings.get("timezone"))).label("month")
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
    day = local_day(Interaction.occurred_at, str(ctx.settings.get("timezone"))).label("day")
    query = (
        select(day, User.login, func.count(Interaction.id))
        .join(User, User.id == Interaction.user_id)
        .where(*moment_window(ctx, Interaction.occurred_at, params))
        .group_by(day, User.login)
        .order_by(day, User.login)
    )
    return ReportTable(
        ("day", "user", "count"), [(d, u, int(c)) for d, u, c in ctx.session.execute(query)]
    )


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
                    "kind, level, industry, region or owner",
                    default="level",
                    choices=SEGMENTS,
                ),
                ReportParam("kind", "only customers of this kind"),
            ),
            title_zh="客户分布",
        )
    )
    register(
        Report(
            "new-customers-by-month",
            "New customers by month and level",
            _new_customers_by_month,
            (SINCE, UNTIL),
            title_zh="每月新增客户",
        )
    )
    register(
        Report(
            "interactions-per-day",
            "Interactions per salesperson per day",
            _interactions_per_day,
            (SINCE, UNTIL),
            title_zh="每日联系次数",
        )
    )


# --- reminders and the 360 view ---------------------------------------------------------------


@hookimpl
def crm_collect_reminders(ctx: Context, user_id: int, on: date) -> Iterable[Reminder]:
    """Follow-ups: a customer's latest interaction planned a next contact that is now due."""
    latest = (
        select(Interaction.customer_id, func.max(Interaction.occurred_at).label("last_at"))
        .group_by(Interaction.customer_id)
        .subquery()
    )
    query = (
        select(Interaction.next_contact_on, Customer.name, Interaction.kind, Interaction.notes)
        .join(
            latest,
            and_(
                latest.c.customer_id == Interaction.customer_id,
                latest.c.last_at == Interaction.occurred_at,
            ),
        )
        .join(Customer, Customer.id == Interaction.customer_id)
        .where(Interaction.next_contact_on <= on, Customer.owner_id == user_id)
    )
    for due, name, kind, notes in ctx.session.execute(query):
        assert due is not None
        what = i18n._("follow up after {kind}", kind=kind) + (f": {notes}" if notes else "")
        yield Reminder(due, "follow-up", what, name)


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
