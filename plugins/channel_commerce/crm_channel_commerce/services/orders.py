"""Dealer orders: draft -> confirmed (stock reserved, credit consumed) -> shipped -> paid, or cancelled
(releasing both). Every step is one transaction; reservations and credit use conditional UPDATEs, so
stock never goes negative and open credit never passes the limit, even with many confirmations at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

import attrs
from sqlalchemy import select, update

from crm_channel_commerce import settings
from crm_channel_commerce.models import (
    CreditOverride,
    Dealer,
    DealerOrder,
    DealerOrderLine,
    DealerPayment,
)
from crm_channel_commerce.services import dealers, stock
from crm_core.contract import Context, NotFound, PermissionDenied, ValidationError, _, audit, rules
from crm_core.contract.inputs import parse_amount, parse_quantity, within_bounds
from crm_core.contract.models import Customer, Product
from crm_core.contract.tables import table_of, to_money
from crm_core.contract.writes import next_number

CREDIT_CONTROLLER = "credit-controller"
_dealers = table_of(Dealer)


@attrs.frozen
class Line:
    product_code: str
    quantity: int
    price: Decimal | None = None


def parse_line(text: str) -> Line:
    code, sep, rest = text.partition(":")
    qty, _, price = rest.partition("@")
    if not sep or not code or not qty:
        raise ValidationError(f"line {text[:40]!r} is not CODE:QTY[@PRICE]")
    quantity = parse_quantity(qty, f"line {text[:40]!r}: quantity")
    return Line(code, quantity, parse_amount(price, "price") if price else None)


def create(
    ctx: Context,
    dealer_ref: str,
    warehouse_code: str,
    lines: Sequence[Line],
    ordered_on: date | None = None,
) -> DealerOrder:
    if not lines:
        raise ValidationError("an order needs at least one line")
    dealer = dealers.get(ctx, dealer_ref)
    day = ordered_on or ctx.today()
    if dealer.contract_end is not None and day > dealer.contract_end:
        raise ValidationError(f"the dealer's contract ended on {dealer.contract_end}")
    store = stock.warehouse(ctx, warehouse_code)
    codes = {line.product_code for line in lines}
    found = {p.code: p for p in ctx.session.scalars(select(Product).where(Product.code.in_(codes)))}
    if codes - set(found):
        raise NotFound(f"no product {', '.join(sorted(codes - set(found)))}")
    order = DealerOrder(
        customer_id=dealer.customer_id,
        number=_number(ctx, day),
        warehouse_id=store.id,
        status="draft",
        total=Decimal(0),
        paid=Decimal(0),
        ordered_on=day,
        created_by_id=ctx.actor.id,
    )
    ctx.session.add(order)
    ctx.session.flush()
    total = Decimal(0)
    for line in lines:
        product = found[line.product_code]
        price = line.price if line.price is not None else product.price
        amount = to_money(price * line.quantity)
        ctx.session.add(
            DealerOrderLine(
                customer_id=dealer.customer_id,
                order_id=order.id,
                product_id=product.id,
                quantity=line.quantity,
                price=price,
                amount=amount,
            )
        )
        total += amount
    order.total = within_bounds(to_money(total), "the order's total")
    ctx.session.flush()
    return order


def _number(ctx: Context, day: date) -> str:
    return next_number(ctx.session, table_of(DealerOrder).c.number, f"DO{day:%Y%m%d}-")


def get(ctx: Context, number: str) -> DealerOrder:
    order = ctx.session.scalar(select(DealerOrder).where(DealerOrder.number == number))
    if order is None:
        raise NotFound(f"no dealer order {number} (or you may not see it)")
    return order


def lines_of(ctx: Context, order: DealerOrder) -> list[DealerOrderLine]:
    return list(
        ctx.session.scalars(
            select(DealerOrderLine)
            .where(DealerOrderLine.order_id == order.id)
            .order_by(DealerOrderLine.id)
        )
    )


def line_rows(ctx: Context, order: DealerOrder) -> list[dict[str, object]]:
    """An order's lines with their product's code and name."""
    rows = ctx.session.execute(
        select(
            Product.code,
            Product.name,
            DealerOrderLine.quantity,
            DealerOrderLine.price,
            DealerOrderLine.amount,
        )
        .join(Product, Product.id == DealerOrderLine.product_id)
        .where(DealerOrderLine.order_id == order.id)
        .order_by(DealerOrderLine.id)
    )
    keys = ("product", "name", "quantity", "price", "amount")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def payment_rows(ctx: Context, order: DealerOrder) -> list[dict[str, object]]:
    """The payments received on an order, in the order received."""
    rows = ctx.session.execute(
        select(DealerPayment.received_on, DealerPayment.amount)
        .where(DealerPayment.order_id == order.id)
        .order_by(DealerPayment.received_on, DealerPayment.id)
    )
    return [{"received_on": day, "amount": amount} for day, amount in rows]


def _claim_status(
    ctx: Context, order: DealerOrder, expected: str, new: str, **values: object
) -> None:
    """Move status atomically, so two concurrent confirmations of one order cannot both proceed."""
    orders = table_of(DealerOrder)
    done = ctx.session.execute(
        update(orders)
        .where(orders.c.id == order.id, orders.c.status == expected)
        .values(status=new, **values)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        ctx.session.refresh(order)
        raise ValidationError(f"order {order.number} is {order.status}, not {expected}")
    audit.record(
        ctx.session,
        [
            {
                "action": "update",
                "entity": "cc_order",
                "entity_id": str(order.id),
                "field": "status",
                "old_value": expected,
                "new_value": new,
            }
        ],
    )
    ctx.session.refresh(order)


def _audit_credit(ctx: Context, order: DealerOrder, change: Decimal, why: str) -> None:
    audit.record(
        ctx.session,
        [
            {
                "action": "credit",
                "entity": "cc_dealer",
                "entity_id": str(order.customer_id),
                "field": "credit_used",
                "new_value": f"{change:+} ({why} {order.number})",
            }
        ],
    )


#: Share of a dealer's credit limit in use from which "credit.nearly_used" fires.
NEARLY_USED = Decimal("0.9")


def confirm(ctx: Context, number: str, *, override_reason: str | None = None) -> DealerOrder:
    """Reserve every line's stock and consume credit; over the limit only with a credit controller's
    override (audited, with the figures)."""
    order = get(ctx, number)
    _claim_status(ctx, order, "draft", "confirmed", confirmed_at=ctx.now())
    products = {
        p.id: p.code
        for p in ctx.session.scalars(
            select(Product).where(
                Product.id.in_([line.product_id for line in lines_of(ctx, order)])
            )
        )
    }
    for line in sorted(
        lines_of(ctx, order), key=lambda item: item.product_id
    ):  # one lock order for all
        stock.reserve(
            ctx, order.warehouse_id, line.product_id, line.quantity, products[line.product_id]
        )
    done = ctx.session.execute(
        update(_dealers)
        .where(
            _dealers.c.customer_id == order.customer_id,
            _dealers.c.credit_used + order.total <= _dealers.c.credit_limit,
        )
        .values(credit_used=_dealers.c.credit_used + order.total)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        limit, used = ctx.session.execute(
            select(_dealers.c.credit_limit, _dealers.c.credit_used).where(
                _dealers.c.customer_id == order.customer_id
            )
        ).one()
        figures = _(
            "limit {limit}, open {used}, this order {total}, available {available}",
            limit=limit,
            used=used,
            total=order.total,
            available=limit - used,
        )
        if override_reason is None:
            raise ValidationError(_("credit limit exceeded: {figures}", figures=figures))
        if not ctx.actor.has(CREDIT_CONTROLLER):
            raise PermissionDenied(f"only a credit controller may exceed the limit ({figures})")
        if not override_reason.strip():
            raise ValidationError("an override needs a reason")
        ctx.session.execute(
            update(_dealers)
            .where(_dealers.c.customer_id == order.customer_id)
            .values(credit_used=_dealers.c.credit_used + order.total)
        )
        assert ctx.actor.id is not None
        ctx.session.add(
            CreditOverride(
                customer_id=order.customer_id,
                order_id=order.id,
                credit_limit=limit,
                credit_used_before=used,
                order_total=order.total,
                by_id=ctx.actor.id,
                reason=override_reason.strip(),
                at=ctx.now(),
            )
        )
    _audit_credit(ctx, order, order.total, "confirmed")
    ctx.session.flush()
    limit, used = ctx.session.execute(
        select(_dealers.c.credit_limit, _dealers.c.credit_used).where(
            _dealers.c.customer_id == order.customer_id
        )
    ).one()
    if limit > 0 and used >= limit * NEARLY_USED:
        rules.fire(ctx, "credit.nearly_used", [order.customer_id])
    return order


def ship(ctx: Context, number: str) -> DealerOrder:
    order = get(ctx, number)
    terms = int(ctx.settings.get(settings.PAYMENT_DAYS))
    _claim_status(
        ctx,
        order,
        "confirmed",
        "shipped",
        shipped_at=ctx.now(),
        due_on=ctx.today() + timedelta(days=terms),
    )
    for line in lines_of(ctx, order):
        stock.move(
            ctx,
            order.warehouse_id,
            line.product_id,
            "shipment",
            -line.quantity,
            order_id=order.id,
            release_reserved=True,
        )
    if order.paid == order.total:
        _claim_status(ctx, order, "shipped", "paid")
    return order


def pay(
    ctx: Context, number: str, amount: Decimal | str, received_on: date | None = None
) -> DealerPayment:
    """A dealer payment: reduces what the order owes and the dealer's open credit."""
    order = get(ctx, number)
    money = parse_amount(amount, "payment")
    if money <= 0:
        raise ValidationError("a payment must be more than zero")
    if order.status not in ("confirmed", "shipped"):
        raise ValidationError(
            f"order {number} is {order.status}; payments go to confirmed or shipped orders"
        )
    orders = table_of(DealerOrder)
    done = ctx.session.execute(
        update(orders)
        .where(orders.c.id == order.id, orders.c.paid + money <= orders.c.total)
        .values(paid=orders.c.paid + money)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        ctx.session.refresh(order)
        raise ValidationError(
            f"order {number} owes {order.total - order.paid}; {money} is too much"
        )
    ctx.session.execute(
        update(_dealers)
        .where(_dealers.c.customer_id == order.customer_id)
        .values(credit_used=_dealers.c.credit_used - money)
    )
    _audit_credit(ctx, order, -money, "paid")
    payment = DealerPayment(
        customer_id=order.customer_id,
        order_id=order.id,
        amount=money,
        received_on=received_on or ctx.today(),
        recorded_by_id=ctx.actor.id,
    )
    ctx.session.add(payment)
    ctx.session.flush()
    ctx.session.refresh(order)
    if order.status == "shipped" and order.paid == order.total:
        _claim_status(ctx, order, "shipped", "paid")
    return payment


def cancel(ctx: Context, number: str) -> DealerOrder:
    """Cancel a draft, or a confirmed order nothing has been paid on (releasing stock and credit)."""
    order = get(ctx, number)
    if order.status == "draft":
        _claim_status(ctx, order, "draft", "cancelled")
        return order
    if order.paid > 0:
        raise ValidationError(f"order {number} has payments; it cannot be cancelled")
    _claim_status(ctx, order, "confirmed", "cancelled")
    for line in lines_of(ctx, order):
        stock.release(ctx, order.warehouse_id, line.product_id, line.quantity)
    ctx.session.execute(
        update(_dealers)
        .where(_dealers.c.customer_id == order.customer_id)
        .values(credit_used=_dealers.c.credit_used - order.total)
    )
    _audit_credit(ctx, order, -order.total, "cancelled")
    return order


def listing(
    ctx: Context,
    *,
    status: str | None = None,
    dealer_ref: str | None = None,
    after_id: int = 0,
    limit: int = 50,
) -> list[dict[str, object]]:
    query = (
        select(DealerOrder, Customer.name)
        .join(Customer, Customer.id == DealerOrder.customer_id)
        .where(DealerOrder.id > after_id)
        .order_by(DealerOrder.id)
        .limit(limit)
    )
    if status:
        query = query.where(DealerOrder.status == status)
    if dealer_ref:
        query = query.where(DealerOrder.customer_id == dealers.get(ctx, dealer_ref).customer_id)
    return [
        {
            "number": o.number,
            "dealer": name,
            "ordered_on": o.ordered_on,
            "status": o.status,
            "total": o.total,
            "paid": o.paid,
            "due_on": o.due_on,
        }
        for o, name in ctx.session.execute(query)
    ]
