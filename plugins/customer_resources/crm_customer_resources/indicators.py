"""Rollout indicators of the customer-resources block: what the sales department sells."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import case, func, select, type_coerce

from crm_core.contract import Context
from crm_core.contract.records import Indicator
from crm_core.contract.reports import rollup_ready
from crm_core.contract.tables import Money
from crm_customer_resources.models import Installment, Order, Payment
from crm_customer_resources.models.rollups import OWED_BY_DUE_MONTH, OwedByDueDay, OwedByDueMonth


def sales_30d(ctx: Context, day: date) -> Decimal:
    """Ordered amount (cancelled orders left out) in the 30 days up to `day`."""
    total = ctx.session.scalar(
        select(func.sum(Order.total)).where(
            Order.ordered_on > day - timedelta(days=30),
            Order.ordered_on <= day,
            Order.status != "cancelled",
        )
    )
    return Decimal(str(total or 0))


def overdue_receivables(ctx: Context, day: date) -> Decimal:
    """Owed on installments due before `day`, as it stood at the end of `day`: each order's
    payments received by then applied to its installments earliest due first (as `pay` applies
    them), so the value at go-live can be computed afterwards. Cancelled orders left out.

    Applied earliest due first, an order's payments by `day` cover its installments due
    before `day` before any later one: the order owes what those add up to less its payments,
    if that is more than nothing. Two sums per order, no installment-by-installment walk.

    When nothing was received or ordered after `day` (today's value, as a rule), the
    installments' `paid` is what it was then, and the rollups of what is owed by due month and
    day answer it: whole months before `day`'s, then its days (2 million installments: about
    4 s -> well under a second)."""
    if _nothing_after(ctx, day) and rollup_ready(ctx, OWED_BY_DUE_MONTH):
        whole, days = OwedByDueMonth, OwedByDueDay
        before = [
            select(type_coerce(func.sum(whole.owed), Money())).where(
                whole.due_month < f"{day:%Y-%m}"
            ),
            select(type_coerce(func.sum(days.owed), Money())).where(
                days.due_on >= day.replace(day=1), days.due_on < day
            ),
        ]
        return sum((ctx.session.scalar(part) or Decimal(0) for part in before), Decimal("0.00"))
    paid = (
        select(Payment.order_id, func.sum(Payment.amount).label("amount"))
        .where(Payment.received_on <= day)
        .group_by(Payment.order_id)
        .subquery()
    )
    due = (
        select(Installment.order_id, func.sum(Installment.amount).label("amount"))
        .join(Order, Order.id == Installment.order_id)
        .where(Installment.due_on < day, Order.ordered_on <= day, Order.status != "cancelled")
        .group_by(Installment.order_id)
        .subquery()
    )
    short = due.c.amount - func.coalesce(paid.c.amount, 0)
    owed = select(type_coerce(func.sum(case((short > 0, short), else_=0)), Money()))
    total = ctx.session.scalar(owed.outerjoin(paid, paid.c.order_id == due.c.order_id))
    return total or Decimal("0.00")


def _nothing_after(ctx: Context, day: date) -> bool:
    """No payment received and no order placed after `day` (both along their day's index)."""
    later = [
        select(Payment.id).where(Payment.received_on > day).limit(1),
        select(Order.id).where(Order.ordered_on > day).limit(1),
    ]
    return all(ctx.session.scalar(query) is None for query in later)


def register_all(register: Callable[[Indicator], None]) -> None:
    register(
        Indicator(
            "sales-30d",
            "Sales in the last 30 days",
            sales_30d,
            unit="amount",
            title_zh="近30天销售额",
        )
    )
    register(
        Indicator(
            "receivables-overdue",
            "Overdue receivables",
            overdue_receivables,
            unit="amount",
            better="lower",
            title_zh="逾期应收款",
        )
    )
