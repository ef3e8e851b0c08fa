"""What block 1 adds to customization: its entities, the periodic "order.overdue" event, the
"release-to-pool" rule action, and the ERP exchange of orders, order status and payments."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from crm_core.contract import Context, ValidationError, _
from crm_core.contract.models import Customer
from crm_core.contract.records import Entity, RuleAction, RuleEvent, SyncKind
from crm_core.contract.sync import changed_ids
from crm_core.contract.transfers import lock_owners, reassign
from crm_customer_resources.models import Expense, Installment, Order, Payment, ServiceCase
from crm_customer_resources.services import orders


def register_entities(register: Callable[[Entity], None]) -> None:
    register(Entity("orders", Order, "Orders", "订单", label_column="number"))
    register(Entity("expenses", Expense, "Expenses", "费用", label_column=None))
    register(Entity("cases", ServiceCase, "Service cases", "服务工单", label_column="title"))


def overdue_since(ctx: Context, day: date) -> Sequence[int]:
    """Orders (not cancelled) with an installment that fell due the day before `day`, still unpaid: they
    become overdue on `day`, so a daily sweep fires each order once per missed installment."""
    query = (
        select(Order.id)
        .join(Installment, Installment.order_id == Order.id)
        .where(
            Order.status != "cancelled",
            Installment.due_on == day - timedelta(days=1),
            Installment.paid < Installment.amount,
        )
        .distinct()
        .order_by(Order.id)
    )
    return list(ctx.session.scalars(query))


def register_events(register: Callable[[RuleEvent], None]) -> None:
    register(
        RuleEvent(
            "order.overdue",
            "orders",
            "an installment of an order became overdue (fired by `crm rules sweep`)",
            sweep=overdue_since,
        )
    )


def release_to_pool(ctx: Context, entity: Entity, ids: Sequence[int], argument: str) -> None:
    """Give the records' customers back to the shared pool."""
    if entity.model is Customer:
        customer_ids = list(ids)
    else:
        table = entity.model.__table__
        query = select(table.c.customer_id).where(table.c.id.in_(list(ids)))
        customer_ids = sorted({row[0] for row in ctx.session.execute(query)})
    owners = lock_owners(ctx, customer_ids)
    reassign(ctx, {k: v for k, v in owners.items() if v is not None}, None, "released by rule")


def register_actions(register: Callable[[RuleAction], None]) -> None:
    register(
        RuleAction(
            "release-to-pool",
            "give the customer back to the shared pool (customer_resources)",
            release_to_pool,
            entities=("customers", "orders", "cases"),
        )
    )


# -- ERP exchange --------------------------------------------------------------------------------


def export_orders(ctx: Context, since: datetime) -> Iterator[Mapping[str, Any]]:
    """Orders changed since `since`: the order itself, its installments or its payments."""
    ids = set(changed_ids(ctx, ["cr_order"], since))
    for model, table in ((Installment, "cr_installment"), (Payment, "cr_payment")):
        child_ids = changed_ids(ctx, [table], since)
        for start in range(0, len(child_ids), 500):
            batch = child_ids[start : start + 500]
            ids.update(ctx.session.scalars(select(model.order_id).where(model.id.in_(batch))))
    ordered = sorted(ids)
    for start in range(0, len(ordered), 500):
        batch = ordered[start : start + 500]
        query = (
            select(Order, Customer.name)
            .join(Customer, Customer.id == Order.customer_id)
            .where(Order.id.in_(batch))
            .order_by(Order.id)
        )
        for order, customer in ctx.session.execute(query):
            yield {
                "number": order.number,
                "customer": customer,
                "ordered_on": order.ordered_on,
                "status": order.status,
                "total": order.total,
                "outstanding": orders.outstanding(ctx, order),
            }


def apply_order_status(ctx: Context, item: Mapping[str, Any]) -> None:
    """ERP says an order is closed (delivered and settled there) or cancelled."""
    order = orders.get(ctx, str(item["order"]).strip())
    status = str(item["status"]).strip().lower()
    if status == order.status:
        return
    if status == "cancelled":
        orders.cancel(ctx, order.number)
    elif status == "closed":
        if order.status == "cancelled":
            raise ValidationError(_("order {number} is cancelled", number=order.number))
        order.status = "closed"
        ctx.session.flush()
    else:
        raise ValidationError(
            _("status must be closed or cancelled, not {status!r}", status=status)
        )


def apply_payment(ctx: Context, item: Mapping[str, Any]) -> None:
    """A payment the ERP booked; the receipt of its id makes a second import a no-op."""
    received = item.get("received_on")
    orders.pay(
        ctx,
        str(item["order"]).strip(),
        Decimal(str(item["amount"]).strip()),
        received_on=date.fromisoformat(str(received)) if received else None,
        notes=_("ERP payment {id}", id=item["id"]),
    )


def register_sync_kinds(register: Callable[[SyncKind], None]) -> None:
    register(SyncKind("orders", "orders changed since the moment", export=export_orders))
    register(
        SyncKind(
            "order_status",
            "ERP order status: closed or cancelled",
            apply=apply_order_status,
            required=("order", "status"),
        )
    )
    register(
        SyncKind(
            "payment",
            "a payment booked in the ERP",
            apply=apply_payment,
            required=("order", "amount"),
        )
    )
