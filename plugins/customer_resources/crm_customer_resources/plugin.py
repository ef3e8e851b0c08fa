"""customer_resources: block 1, the customer-resource platform (客户资源平台).

For customer-development companies: customer levels and grades, segmentation picklists, protection
and claiming, orders with payment plans and dunning, expenses, a knowledge base and service cases.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from random import Random
from typing import Any

import click
from sqlalchemy import case, func, literal, select, update

from crm_core.contract import Context, PluginSpec, audit, hookimpl, writes
from crm_core.contract.customers import OpenBusiness
from crm_core.contract.models import Customer, Interaction
from crm_core.contract.products import parse_amount
from crm_core.contract.queries import among, id_batches
from crm_core.contract.records import (
    ApiPart,
    Column,
    CustomerChange,
    Entity,
    Importer,
    Indicator,
    Picklist,
    Reminder,
    RuleAction,
    RuleEvent,
    Section,
    SettingSpec,
    SyncKind,
    Transfer,
)
from crm_core.contract.reports import Report
from crm_core.contract.rollups import Spec
from crm_core.contract.server import ApiRoute
from crm_core.contract.tables import UTCDateTime, table_of
from crm_core.contract.transfers import move_assigned
from crm_customer_resources import (
    api,
    automation,
    commands,
    indicators,
    reminders,
    reports,
    routes,
    settings,
    translations,
)
from crm_customer_resources.models import (
    OPEN_CASE_STATUSES,
    CustomerProfile,
    Installment,
    Order,
    ServiceCase,
)
from crm_customer_resources.models.rollups import (
    NEW_CUSTOMERS_ROLLUPS,
    OWED_BY_CUSTOMER,
    OWED_BY_DUE_DAY,
    OWED_BY_DUE_MONTH,
    OWED_BY_SELLER,
    RECEIPTS_ROLLUPS,
    SALES_BY_PRODUCT,
    SALES_ROLLUPS,
    TEAM_OWED_BY_DUE_DAY,
    TEAM_OWED_BY_DUE_MONTH,
    TEAM_OWED_BY_SELLER,
    TEAM_SALES_BY_PRODUCT,
    TEAM_SALES_ROLLUPS,
    UNPAID_INSTALLMENTS,
)
from crm_customer_resources.services import expenses, lifecycle, orders, picklists, protection

plugin = PluginSpec(
    name="customer_resources",
    title="Customer-resource platform",
    title_zh="客户资源平台",
    version="0.1.0",
    table_prefix="cr_",
    migrations="crm_customer_resources.migrations.versions",
    description="Levels, grades, segmentation, protection, orders and receivables, expenses, knowledge, service.",
)

_orders = table_of(Order)
_installments = table_of(Installment)
_cases = table_of(ServiceCase)
_profiles = table_of(CustomerProfile)


# -- bootstrap ---------------------------------------------------------------------------------


@hookimpl
def crm_register_api_parts(register: Callable[[ApiPart], None]) -> None:
    for part in api.PARTS:
        register(part)


@hookimpl
def crm_register_routes(register: Callable[[ApiRoute], None]) -> None:
    for route in routes.ROUTES:
        register(route)


@hookimpl
def crm_register_commands(cli: click.Group) -> None:
    commands.register(cli)


@hookimpl
def crm_register_rollups(register: Callable[[Spec], None]) -> None:
    for rollup, _model, _dimensions in (*SALES_ROLLUPS, *RECEIPTS_ROLLUPS):
        register(rollup)
    register(OWED_BY_DUE_DAY)
    register(OWED_BY_DUE_MONTH)
    register(OWED_BY_SELLER)
    register(OWED_BY_CUSTOMER)
    register(UNPAID_INSTALLMENTS)
    register(TEAM_OWED_BY_DUE_DAY)
    register(TEAM_OWED_BY_DUE_MONTH)
    register(TEAM_OWED_BY_SELLER)
    for team_totals, *_ in TEAM_SALES_ROLLUPS:
        register(team_totals)
    register(SALES_BY_PRODUCT)
    register(TEAM_SALES_BY_PRODUCT)
    for rollup, team_totals in NEW_CUSTOMERS_ROLLUPS:
        register(rollup)
        register(team_totals)


@hookimpl
def crm_register_settings(register: Callable[[SettingSpec], None]) -> None:
    for spec in settings.SPECS:
        register(spec)


@hookimpl
def crm_register_translations(register: Callable[[str, Mapping[str, str]], None]) -> None:
    register("zh", translations.ZH)


@hookimpl
def crm_plugin_enabled(ctx: Context, name: str) -> None:
    if name == plugin.name:
        picklists.seed_defaults(ctx)
        lifecycle.backfill_profiles(ctx)


# -- customer events ---------------------------------------------------------------------------


@hookimpl
def crm_validate_customer_changes(ctx: Context, changes: Sequence[CustomerChange]) -> None:
    lifecycle.check_level_changes(ctx, changes)


@hookimpl
def crm_customers_created(ctx: Context, customer_ids: Sequence[int]) -> None:
    lifecycle.ensure_profiles(ctx, customer_ids)


@hookimpl
def crm_customer_level_changed(
    ctx: Context, customer: Customer, old_level: str, new_level: str
) -> None:
    lifecycle.ensure_profiles(ctx, [customer.id])
    ctx.session.execute(
        update(_profiles)
        .where(_profiles.c.customer_id == customer.id)
        .values(level_changed_at=ctx.now())
    )
    if "signed" in (old_level, new_level):
        lifecycle.recompute_grades(ctx, [customer.id])


def _later_of(column: Any, moment: datetime) -> Any:
    value = literal(moment, UTCDateTime())
    return case((column.is_(None) | (column < value), value), else_=column)


@hookimpl
def crm_interactions_logged(ctx: Context, interactions: Sequence[Interaction]) -> None:
    ids = sorted({i.customer_id for i in interactions})
    lifecycle.ensure_profiles(ctx, ids)
    latest: dict[int, datetime] = {}
    for item in interactions:
        latest[item.customer_id] = max(
            item.occurred_at, latest.get(item.customer_id, item.occurred_at)
        )
    for cid, moment in latest.items():
        # A backdated interaction never moves these back; once a customer has interactions,
        # the last contact is the newest of them (registration counts only before the first).
        newest = _later_of(_profiles.c.last_interaction_at, moment)
        ctx.session.execute(
            update(_profiles)
            .where(_profiles.c.customer_id == cid)
            .values(
                last_interaction_at=newest,
                last_contact_at=newest,
                last_activity_at=_later_of(_profiles.c.last_activity_at, moment),
            )
        )
    lifecycle.mark_contacted(ctx, ids)


@hookimpl
def crm_records_changed(
    ctx: Context, entity: str, ids: Sequence[int], how: str, customer_ids: Sequence[int]
) -> None:
    """An interaction corrected, deleted or restored: its customers' last interaction, last
    contact and protection clock are recomputed from the interactions that remain."""
    if entity != "interactions" or not customer_ids:
        return
    interactions = table_of(Interaction)
    customers_table = table_of(Customer)
    lifecycle.ensure_profiles(ctx, list(customer_ids))
    for cid in sorted(set(customer_ids)):
        newest = ctx.session.scalar(
            select(func.max(interactions.c.occurred_at)).where(interactions.c.customer_id == cid)
        )
        registered = ctx.session.scalar(
            select(customers_table.c.created_at).where(customers_table.c.id == cid)
        )
        claimed = ctx.session.scalar(
            select(_profiles.c.claimed_at).where(_profiles.c.customer_id == cid)
        )
        moments = [m for m in (newest, claimed, registered) if m is not None]
        ctx.session.execute(
            update(_profiles)
            .where(_profiles.c.customer_id == cid)
            .values(
                last_interaction_at=newest,
                last_contact_at=newest or registered,
                last_activity_at=max(moments) if moments else None,
            )
        )


@hookimpl
def crm_customers_transferred(ctx: Context, transfer: Transfer) -> Mapping[str, int]:
    """Orders still owed (open, or closed by the ERP with money outstanding) follow the customer,
    so its receivables and dunning reach the new owner; fully paid and cancelled orders stay
    credited to the salesperson who made them. Open service cases assigned to the previous owner
    go to the new one. Returning to the pool leaves everything with its seller."""
    if transfer.to_user_id is None:
        return {}
    moved = receivables = 0
    for batch in id_batches(ctx.session, list(transfer.customer_ids)):
        ids = list(
            ctx.session.scalars(
                select(_orders.c.id).where(
                    among(ctx.session, _orders.c.customer_id, batch), orders.still_owed()
                )
            )
        )
        with writes.parents_changing(ctx.session, _orders.name, ids):
            ctx.session.execute(
                update(_orders)
                .where(among(ctx.session, _orders.c.id, ids))
                .values(owner_id=transfer.to_user_id)
            )
        audit.record_field(
            ctx.session, "cr_order", ids, "owner_id", transfer.to_user_id, "transfer"
        )
        moved += len(ids)
        receivables += len(
            ctx.session.scalars(
                select(_installments.c.id)
                .join(_orders, _orders.c.id == _installments.c.order_id)
                .where(
                    among(ctx.session, _installments.c.customer_id, batch),
                    _installments.c.paid < _installments.c.amount,
                    _orders.c.status != "cancelled",
                )
            ).all()
        )
    cases = move_assigned(
        ctx, transfer, _cases, _cases.c.assignee_id, _cases.c.status.in_(OPEN_CASE_STATUSES)
    )
    return {
        "orders still owed": moved,
        "receivables": receivables,
        "open service cases": len(cases),
    }


@hookimpl
def crm_open_business(ctx: Context) -> Iterable[OpenBusiness]:
    """Orders still owed and open service cases keep a customer with its holder."""
    yield OpenBusiness(
        "orders still owed", select(_orders.c.customer_id).where(orders.still_owed())
    )
    yield OpenBusiness(
        "open service cases",
        select(_cases.c.customer_id).where(_cases.c.status.in_(OPEN_CASE_STATUSES)),
    )


# -- contributions -----------------------------------------------------------------------------


@hookimpl
def crm_register_importers(register: Callable[[Importer], None]) -> None:
    register(
        Importer(
            entity="expenses",
            title="Expenses",
            columns=(
                Column("user", ("业务员", "报销人"), required=True),
                Column(
                    "category", ("费用类别", "类别"), required=True, parse=expenses.parse_category
                ),
                Column(
                    "amount", ("金额",), required=True, parse=lambda t: parse_amount(t, "amount")
                ),
                Column("spent_on", ("日期", "发生日期"), required=True, parse=expenses.parse_day),
                Column("customer", ("客户名称", "客户")),
                Column("notes", ("备注", "说明")),
            ),
            insert=expenses.write_rows,
            check=expenses.check_rows,
            export=expenses.export_rows,
            export_count=expenses.count_rows,
        )
    )


@hookimpl
def crm_register_entities(register: Callable[[Entity], None]) -> None:
    automation.register_entities(register)


@hookimpl
def crm_register_rule_events(register: Callable[[RuleEvent], None]) -> None:
    automation.register_events(register)


@hookimpl
def crm_register_rule_actions(register: Callable[[RuleAction], None]) -> None:
    automation.register_actions(register)


@hookimpl
def crm_register_sync_kinds(register: Callable[[SyncKind], None]) -> None:
    automation.register_sync_kinds(register)


@hookimpl
def crm_register_picklists(register: Callable[[Picklist], None]) -> None:
    picklists.register_all(register)


@hookimpl
def crm_register_indicators(register: Callable[[Indicator], None]) -> None:
    indicators.register_all(register)


@hookimpl
def crm_register_reports(register: Callable[[Report], None]) -> None:
    reports.register_all(register)


@hookimpl
def crm_collect_reminders(
    ctx: Context, user_ids: Sequence[int], on: date, limit: int | None, overdue_only: bool
) -> Iterable[Reminder]:
    return list(reminders.collect(ctx, user_ids, on, limit, overdue_only))


@hookimpl
def crm_customer_sections(ctx: Context, customer: Customer) -> Iterable[Section]:
    profile = ctx.session.get(CustomerProfile, customer.id)
    until = protection.protected_until(ctx, customer, profile)
    yield Section(
        "Customer resources",
        [
            {
                "level": customer.level,
                "grade": profile.effective_grade if profile else None,
                "grade_source": "manual"
                if profile and profile.grade_override is not None
                else "orders",
                "last_interaction": ctx.local(profile.last_interaction_at).strftime("%Y-%m-%d")
                if profile and profile.last_interaction_at
                else None,
                "protected_until": until,
            }
        ],
        order=30,
        source=plugin.name,
    )
    yield Section(
        "Orders",
        orders.list_page(ctx, customer_ref=str(customer.id), limit=20),
        order=40,
        source=plugin.name,
    )
    yield Section(
        "Service cases",
        [
            {"id": c.id, "kind": c.kind, "title": c.title, "status": c.status}
            for c in ctx.session.scalars(
                select(ServiceCase)
                .where(ServiceCase.customer_id == customer.id)
                .order_by(ServiceCase.id.desc())
                .limit(10)
            )
        ],
        order=60,
        source=plugin.name,
    )


@hookimpl
def crm_seed_demo_data(ctx: Context, rng: Random, scale: int) -> None:
    from crm_customer_resources import demo

    demo.seed(ctx, rng, scale)
