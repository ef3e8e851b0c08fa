"""Rollout indicators of the channel-commerce block: what dealers owe late, and how much they order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from crm_channel_commerce.models import DealerOrder, DealerPayment
from crm_core.contract import Context
from crm_core.contract.records import Indicator
from crm_core.contract.reports import day_end


def overdue_balance(ctx: Context, day: date) -> Decimal:
    """Owed by dealers on orders shipped and past due on `day`, payments received by then
    deducted (so the value at go-live can be computed afterwards)."""
    paid = (
        select(DealerPayment.order_id, func.sum(DealerPayment.amount).label("amount"))
        .where(DealerPayment.received_on <= day)
        .group_by(DealerPayment.order_id)
        .subquery()
    )
    owed = ctx.session.scalar(
        select(func.sum(DealerOrder.total - func.coalesce(paid.c.amount, 0)))
        .select_from(DealerOrder)
        .outerjoin(paid, paid.c.order_id == DealerOrder.id)
        .where(
            DealerOrder.shipped_at.is_not(None),
            DealerOrder.shipped_at < day_end(ctx, day),
            DealerOrder.status != "cancelled",
            DealerOrder.due_on < day,
        )
    )
    return Decimal(str(owed or 0))


def dealer_orders(ctx: Context, day: date) -> Decimal:
    """Dealer orders placed in the 30 days up to `day` (drafts and cancelled ones left out)."""
    total = ctx.session.scalar(
        select(func.sum(DealerOrder.total)).where(
            DealerOrder.ordered_on > day - timedelta(days=30),
            DealerOrder.ordered_on <= day,
            DealerOrder.status.not_in(("draft", "cancelled")),
        )
    )
    return Decimal(str(total or 0))


def register_all(register: Callable[[Indicator], None]) -> None:
    register(
        Indicator(
            "dealer-overdue",
            "Overdue dealer balances",
            overdue_balance,
            unit="amount",
            better="lower",
            title_zh="经销商逾期欠款",
        )
    )
    register(
        Indicator(
            "dealer-orders-30d",
            "Dealer orders in the last 30 days",
            dealer_orders,
            unit="amount",
            title_zh="近30天经销商订货额",
        )
    )
