"""Orders with lines and a payment plan; payments received; what is still owed.

An order's total is the sum of its lines; its installments must add up to the total. A payment is
applied to the earliest unpaid installments and may not exceed what is still owed. An order closes
when fully paid; it may be cancelled only while nothing has been paid.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

import attrs
from sqlalchemy import ColumnElement, and_, exists, func, or_, select

from crm_core.contract import Context, NotFound, PermissionDenied, ValidationError, _, customers
from crm_core.contract.inputs import parse_amount, parse_quantity, within_bounds
from crm_core.contract.models import Customer, Product, User
from crm_core.contract.tables import CENT, table_of, to_money
from crm_core.contract.writes import next_number
from crm_customer_resources.models import Installment, Order, OrderLine, Payment
from crm_customer_resources.services.lifecycle import recompute_grades

_orders = table_of(Order)
_installments = table_of(Installment)


def still_owed() -> ColumnElement[bool]:
    """Orders whose money is not all in: open, or closed elsewhere (by an ERP) with instalments
    unpaid. The one rule receivables, dunning, transfers and protection expiry share."""
    # Correlated on the order (an index probe each): an `IN (subquery)` is built whole first,
    # every unpaid instalment, even to answer for one customer's orders.
    unpaid = exists().where(
        _installments.c.order_id == _orders.c.id, _installments.c.paid < _installments.c.amount
    )
    return and_(_orders.c.status != "cancelled", or_(_orders.c.status == "open", unpaid))


@attrs.frozen
class LineRequest:
    product_code: str
    quantity: int
    price: Decimal | None = None  # None: the product's list price


def parse_line(text: str) -> LineRequest:
    """ "CODE:QTY" or "CODE:QTY@PRICE", e.g. "JS-100:2@1899"."""
    code, sep, rest = text.partition(":")
    if not sep or not code:
        raise ValidationError(f"line {text!r} is not CODE:QTY[@PRICE]")
    qty_text, _, price_text = rest.partition("@")
    quantity = parse_quantity(qty_text, f"line {text[:40]!r}: quantity")
    price = parse_amount(price_text, "price") if price_text else None
    return LineRequest(code.strip(), quantity, price)


def split_plan(
    total: Decimal, first_due: date, count: int, every_days: int
) -> list[tuple[date, Decimal]]:
    """`count` installments `every_days` apart; cents left over go to the last one."""
    if count <= 0 or every_days < 0:
        raise ValidationError("installments must be at least 1, days between them not negative")
    share = (total / count).quantize(CENT, rounding="ROUND_DOWN")
    plan = [(first_due + timedelta(days=every_days * i), share) for i in range(count)]
    plan[-1] = (plan[-1][0], total - share * (count - 1))
    return [(due, amount) for due, amount in plan if amount > 0]


def create(
    ctx: Context,
    customer_ref: str,
    lines: Sequence[LineRequest],
    *,
    ordered_on: date | None = None,
    plan: Sequence[tuple[date, Decimal]] | None = None,
    installments: int = 1,
    every_days: int = 30,
    notes: str | None = None,
) -> Order:
    if not lines:
        raise ValidationError("an order needs at least one line (--line CODE:QTY)")
    customer = customers.get(ctx, customer_ref)
    if customer.level == "blacklist":
        raise ValidationError(f"{customer.name} is blacklisted")
    if ctx.actor.role == "sales" and customer.owner_id != ctx.actor.id:
        raise PermissionDenied(f"{ctx.actor.login} does not own {customer.name}")
    codes = {line.product_code for line in lines}
    products = {
        p.code: p for p in ctx.session.scalars(select(Product).where(Product.code.in_(codes)))
    }
    unknown = sorted(codes - set(products))
    if unknown:
        raise NotFound(f"no product {', '.join(unknown)}")
    inactive = sorted(code for code, p in products.items() if not p.active)
    if inactive:
        raise ValidationError(f"product {', '.join(inactive)} is no longer sold")
    day = ordered_on or ctx.today()
    priced = [
        (
            line,
            products[line.product_code],
            line.price if line.price is not None else products[line.product_code].price,
        )
        for line in lines
    ]
    total = within_bounds(
        to_money(sum((price * line.quantity for line, _, price in priced), Decimal(0))),
        "the order's total",
    )
    schedule = (
        list(plan)
        if plan
        else split_plan(total, day + timedelta(days=every_days), installments, every_days)
    )
    if plan:
        planned = sum((amount for _, amount in schedule), Decimal(0))
        if planned != total:
            raise ValidationError(f"the payment plan adds up to {planned}, the order to {total}")
        if any(amount <= 0 for _, amount in schedule):
            raise ValidationError("each installment must be more than zero")
    order = Order(
        customer_id=customer.id,
        number=_next_number(ctx, day),
        owner_id=customer.owner_id or ctx.actor.id,
        ordered_on=day,
        status="open" if total > 0 else "closed",
        total=total,
        notes=notes,
    )
    ctx.session.add(order)
    ctx.session.flush()
    for line, product, price in priced:
        ctx.session.add(
            OrderLine(
                customer_id=customer.id,
                order_id=order.id,
                product_id=product.id,
                quantity=line.quantity,
                price=price,
                amount=to_money(price * line.quantity),
            )
        )
    for seq, (due, amount) in enumerate(sorted(schedule), start=1):
        ctx.session.add(
            Installment(
                customer_id=customer.id,
                order_id=order.id,
                seq=seq,
                due_on=due,
                amount=amount,
                paid=Decimal("0.00"),
            )
        )
    ctx.session.flush()
    recompute_grades(ctx, [customer.id])
    return order


def _next_number(ctx: Context, day: date) -> str:
    return next_number(ctx.session, table_of(Order).c.number, f"SO{day:%Y%m%d}-")


def get(ctx: Context, number: str) -> Order:
    order = ctx.session.scalar(select(Order).where(Order.number == number))
    if order is None:
        raise NotFound(f"no order {number} (or you may not see it)")
    return order


def outstanding(ctx: Context, order: Order) -> Decimal:
    owed = ctx.session.scalar(
        select(func.sum(Installment.amount - Installment.paid)).where(
            Installment.order_id == order.id
        )
    )
    return to_money(owed or 0)


def pay(
    ctx: Context,
    number: str,
    amount: Decimal,
    *,
    received_on: date | None = None,
    notes: str | None = None,
) -> Payment:
    """Record money received against an order, applied to its earliest unpaid installments."""
    order = get(ctx, number)
    if order.status == "cancelled":
        raise ValidationError(f"order {number} is cancelled")
    amount = parse_amount(amount, "payment")
    if amount <= 0:
        raise ValidationError("a payment must be more than zero")
    query = select(Installment).where(
        Installment.order_id == order.id, Installment.paid < Installment.amount
    )
    if ctx.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    open_items = list(ctx.session.scalars(query.order_by(Installment.due_on, Installment.seq)))
    owed = sum((i.amount - i.paid for i in open_items), Decimal(0))
    if amount > owed:
        raise ValidationError(
            _(
                "order {number} owes {owed}; a payment of {amount} is too much",
                number=number,
                owed=owed,
                amount=amount,
            )
        )
    left = amount
    for item in open_items:
        applied = min(left, item.amount - item.paid)
        item.paid = item.paid + applied
        left -= applied
        if left == 0:
            break
    payment = Payment(
        customer_id=order.customer_id,
        order_id=order.id,
        received_on=received_on or ctx.today(),
        amount=amount,
        recorded_by_id=ctx.actor.id,
        notes=notes,
    )
    ctx.session.add(payment)
    if amount == owed:
        order.status = "closed"
    ctx.session.flush()
    return payment


def cancel(ctx: Context, number: str) -> Order:
    order = get(ctx, number)
    if order.status != "open":
        raise ValidationError(f"order {number} is {order.status}")
    paid = ctx.session.scalar(
        select(func.count()).select_from(Payment).where(Payment.order_id == order.id)
    )
    if paid:
        raise ValidationError(f"order {number} has payments; it cannot be cancelled")
    if ctx.actor.role == "sales" and order.owner_id != ctx.actor.id:
        raise PermissionDenied(f"{ctx.actor.login} may not cancel order {number}")
    order.status = "cancelled"
    ctx.session.flush()
    recompute_grades(ctx, [order.customer_id])
    return order


def list_page(
    ctx: Context,
    *,
    customer_ref: str | None = None,
    status: str | None = None,
    after_id: int = 0,
    limit: int = 50,
) -> list[dict[str, object]]:
    paid = (
        select(func.coalesce(func.sum(Installment.paid), 0))
        .where(Installment.order_id == Order.id)
        .correlate(Order)
        .scalar_subquery()
    )
    query = (
        select(Order, Customer.name, paid.label("paid"))
        .join(Customer, Customer.id == Order.customer_id)
        .where(Order.id > after_id)
        .order_by(Order.id)
        .limit(limit)
    )
    if customer_ref is not None:
        query = query.where(Order.customer_id == customers.get(ctx, customer_ref).id)
    if status is not None:
        query = query.where(Order.status == status)
    return [
        {
            "id": o.id,
            "number": o.number,
            "customer": name,
            "ordered_on": o.ordered_on,
            "status": o.status,
            "total": o.total,
            "paid": to_money(p),
            "owed": o.total - to_money(p) if o.status != "cancelled" else to_money(0),
        }
        for o, name, p in ctx.session.execute(query)
    ]


def installments_of(ctx: Context, order: Order) -> list[Installment]:
    return list(
        ctx.session.scalars(
            select(Installment).where(Installment.order_id == order.id).order_by(Installment.seq)
        )
    )


def lines_of(ctx: Context, order: Order) -> list[dict[str, object]]:
    """An order's lines with their product's code and name."""
    rows = ctx.session.execute(
        select(Product.code, Product.name, OrderLine.quantity, OrderLine.price, OrderLine.amount)
        .join(Product, Product.id == OrderLine.product_id)
        .where(OrderLine.order_id == order.id)
        .order_by(OrderLine.id)
    )
    return [
        {"product": code, "name": name, "quantity": qty, "price": price, "amount": amount}
        for code, name, qty, price, amount in rows
    ]


def payments_of(ctx: Context, order: Order) -> list[dict[str, object]]:
    """The payments received on an order, in the order received."""
    rows = ctx.session.execute(
        select(Payment.received_on, Payment.amount, User.login, Payment.notes)
        .outerjoin(User, User.id == Payment.recorded_by_id)
        .where(Payment.order_id == order.id)
        .order_by(Payment.received_on, Payment.id)
    )
    return [
        {"received_on": day, "amount": amount, "recorded_by": login, "notes": notes}
        for day, amount, login, notes in rows
    ]


def payments_page(
    ctx: Context,
    *,
    customer_ref: str | None = None,
    since: date | None = None,
    until: date | None = None,
    after_id: int = 0,
    limit: int = 50,
) -> list[dict[str, object]]:
    """Payments received that the user may see (their customers'), a keyset page by id."""
    query = (
        select(
            Payment.id,
            Payment.received_on,
            Order.number,
            Customer.name,
            Payment.amount,
            User.login,
            Payment.notes,
        )
        .join(Order, Order.id == Payment.order_id)
        .join(Customer, Customer.id == Payment.customer_id)
        .outerjoin(User, User.id == Payment.recorded_by_id)
        .where(Payment.id > after_id)
        .order_by(Payment.id)
        .limit(limit)
    )
    if customer_ref is not None:
        query = query.where(Payment.customer_id == customers.get(ctx, customer_ref).id)
    if since is not None:
        query = query.where(Payment.received_on >= since)
    if until is not None:
        query = query.where(Payment.received_on <= until)
    keys = ("id", "received_on", "order", "customer", "amount", "recorded_by", "notes")
    return [dict(zip(keys, row, strict=True)) for row in ctx.session.execute(query)]
