"""channel_commerce: block 3, channel commerce for standard products (渠道分销).

Dealers with levels, regions, contracts and credit; sales plans; warehouses with a stock ledger; dealer
orders that reserve stock and consume credit atomically; payments; marketing materials. Works with or
without the other blocks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from random import Random

import click
from sqlalchemy import select, update

from crm_channel_commerce import (
    api,
    commands,
    indicators,
    pages,
    reports,
    routes,
    settings,
    translations,
)
from crm_channel_commerce.models import Dealer, DealerOrder
from crm_channel_commerce.services.orders import CREDIT_CONTROLLER
from crm_channel_commerce.services.stock import STOCK_KEEPER
from crm_core.contract import Context, PluginSpec, _, audit, hookimpl
from crm_core.contract.customers import OpenBusiness
from crm_core.contract.models import Customer, User
from crm_core.contract.queries import among, chunks
from crm_core.contract.records import (
    ApiPart,
    Entity,
    Indicator,
    Reminder,
    RuleEvent,
    Section,
    SettingSpec,
    Transfer,
)
from crm_core.contract.reports import Report
from crm_core.contract.server import ApiRoute
from crm_core.contract.tables import table_of
from crm_core.contract.web import WebPage

plugin = PluginSpec(
    name="channel_commerce",
    title="Channel commerce",
    title_zh="渠道分销",
    version="0.1.0",
    table_prefix="cc_",
    migrations="crm_channel_commerce.migrations.versions",
    description="Dealers, sales plans, stock ledger, dealer orders with credit control, marketing materials.",
)
SOURCE = plugin.name
_dealers = table_of(Dealer)
_dealer_orders = table_of(DealerOrder)


@hookimpl
def crm_register_api_parts(register: Callable[[ApiPart], None]) -> None:
    for part in api.PARTS:
        register(part)


@hookimpl
def crm_register_pages(register: Callable[[WebPage], None]) -> None:
    for page in pages.PAGES:
        register(page)


@hookimpl
def crm_register_routes(register: Callable[[ApiRoute], None]) -> None:
    for route in routes.ROUTES:
        register(route)


@hookimpl
def crm_register_commands(cli: click.Group) -> None:
    commands.register(cli)


@hookimpl
def crm_register_settings(register: Callable[[SettingSpec], None]) -> None:
    for spec in settings.SPECS:
        register(spec)


@hookimpl
def crm_register_permissions(register: Callable[[str, str], None]) -> None:
    register(CREDIT_CONTROLLER, "may confirm dealer orders beyond the credit limit (audited)")
    register(STOCK_KEEPER, "may receive, return and adjust stock and marketing materials")


@hookimpl
def crm_register_translations(register: Callable[[str, Mapping[str, str]], None]) -> None:
    register("zh", translations.ZH)


@hookimpl
def crm_customers_transferred(ctx: Context, transfer: Transfer) -> Mapping[str, int]:
    """A dealer whose responsible salesperson was the old owner gets the new owner."""
    if transfer.to_user_id is None:
        return {}
    # One statement per previous owner and batch (a leaver's book is one group), not per customer.
    by_previous: dict[int | None, list[int]] = {}
    for cid in transfer.customer_ids:
        by_previous.setdefault(transfer.previous_owners.get(cid), []).append(cid)
    moved = 0
    for previous, customer_ids in by_previous.items():
        for batch in chunks(customer_ids):
            ids = list(
                ctx.session.scalars(
                    update(_dealers)
                    .where(
                        _dealers.c.customer_id.in_(batch),
                        _dealers.c.sales_rep_id == previous,
                    )
                    .values(sales_rep_id=transfer.to_user_id)
                    .returning(_dealers.c.customer_id)
                )
            )
            audit.record_field(
                ctx.session, "cc_dealer", ids, "sales_rep_id", transfer.to_user_id, "transfer"
            )
            moved += len(ids)
    return {"dealers": moved} if moved else {}


@hookimpl
def crm_open_business(ctx: Context) -> Iterable[OpenBusiness]:
    """Dealer credit in use and dealer orders not yet paid or cancelled keep a customer."""
    yield OpenBusiness(
        "dealer credit in use", select(_dealers.c.customer_id).where(_dealers.c.credit_used > 0)
    )
    yield OpenBusiness(
        "open dealer orders",
        select(_dealer_orders.c.customer_id).where(
            _dealer_orders.c.status.in_(("draft", "confirmed", "shipped"))
        ),
    )


@hookimpl
def crm_register_entities(register: Callable[[Entity], None]) -> None:
    register(
        Entity("dealer-orders", DealerOrder, "Dealer orders", "经销商订单", label_column="number")
    )


@hookimpl
def crm_register_rule_events(register: Callable[[RuleEvent], None]) -> None:
    register(
        RuleEvent(
            "credit.nearly_used",
            "customers",
            "a dealer's confirmed orders use 90% or more of its credit limit",
        )
    )


@hookimpl
def crm_register_indicators(register: Callable[[Indicator], None]) -> None:
    indicators.register_all(register)


@hookimpl
def crm_register_reports(register: Callable[[Report], None]) -> None:
    reports.register_all(register)


@hookimpl
def crm_collect_reminders(
    ctx: Context, user_ids: Sequence[int], on: date, limit: int | None
) -> Iterable[Reminder]:
    """Overdue dealer balances, for the dealer's responsible salesperson."""
    query = (
        select(
            DealerOrder.due_on,
            DealerOrder.number,
            DealerOrder.total - DealerOrder.paid,
            Customer.name,
            Dealer.sales_rep_id,
        )
        .join(Dealer, Dealer.customer_id == DealerOrder.customer_id)
        .join(Customer, Customer.id == DealerOrder.customer_id)
        .where(
            among(ctx.session, Dealer.sales_rep_id, user_ids),
            DealerOrder.status == "shipped",
            DealerOrder.due_on < on,
        )
        .order_by(DealerOrder.due_on, DealerOrder.id)
        .limit(limit)
    )
    return [
        Reminder(
            due,
            "dealer overdue",
            _("order {number}: {owed} overdue", number=number, owed=owed),
            name,
            SOURCE,
            person,
        )
        for due, number, owed, name, person in ctx.session.execute(query)
        if due is not None
    ]


@hookimpl
def crm_customer_sections(ctx: Context, customer: Customer) -> Iterable[Section]:
    dealer = ctx.session.get(Dealer, customer.id)
    if dealer is None:
        return []
    rep = ctx.session.get(User, dealer.sales_rep_id) if dealer.sales_rep_id else None
    recent = ctx.session.scalars(
        select(DealerOrder)
        .where(DealerOrder.customer_id == customer.id)
        .order_by(DealerOrder.id.desc())
        .limit(10)
    )
    return [
        Section(
            "Dealer",
            [
                {
                    "level": dealer.level,
                    "region": dealer.region,
                    "contract_start": dealer.contract_start,
                    "contract_end": dealer.contract_end,
                    "credit_limit": dealer.credit_limit,
                    "credit_used": dealer.credit_used,
                    "rep": rep.login if rep else None,
                }
            ],
            order=32,
            source=SOURCE,
        ),
        Section(
            "Dealer orders",
            [
                {
                    "number": o.number,
                    "status": o.status,
                    "total": o.total,
                    "paid": o.paid,
                    "due_on": o.due_on,
                }
                for o in recent
            ],
            order=42,
            source=SOURCE,
        ),
    ]


@hookimpl
def crm_seed_demo_data(ctx: Context, rng: Random, scale: int) -> None:
    from crm_channel_commerce import demo

    demo.seed(ctx, rng, scale)
